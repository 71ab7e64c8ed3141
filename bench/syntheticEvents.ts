/** The events the benchmarks score, in turn. */
export const EVENT_NAMES = [
	'Viewed Page',
	'Viewed Product',
	'Opened Email',
	'Clicked Email',
	'Added to Cart',
	'Started Checkout',
];

const START = Date.parse('2026-01-01T00:00:00Z');

/** The i-th event as the webhook receives it: `leads` leads in turn, one second apart from 2026-01-01. */
export function syntheticEvent(
	i: number,
	leads: number,
): { email: string; event: string; id: string; time: string; properties: { url: string } } {
	return {
		email: `lead-${i % leads}@example.com`,
		event: EVENT_NAMES[i % EVENT_NAMES.length],
		id: `evt-${i}`,
		time: new Date(START + i * 1000).toISOString(),
		properties: { url: i % 3 === 0 ? '/pricing' : '/blog' },
	};
}

const TIERS: Array<[number, string]> = [
	[76, 'hot'],
	[51, 'engaged'],
	[26, 'warming'],
	[0, 'nurture'],
];

/** The index-th lead's score, spread over 0 to 100, and its tier in the example model. */
export function syntheticScore(index: number): { score: number; tier: string } {
	const score = (index * 37) % 101;
	return { score, tier: TIERS.find(([min]) => score >= min)![1] };
}
