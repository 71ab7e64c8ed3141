import type { BacktestEvent } from '../lib/scoring/backtest';

/** A small seeded PRNG (mulberry32), so generated data sets are the same on every run. */
export function random(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

function poisson(rand: () => number, mean: number): number {
	const limit = Math.exp(-mean);
	let k = 0;
	let p = rand();
	while (p > limit) {
		k++;
		p *= rand();
	}
	return k;
}

export const DAY = 86_400_000;
export const START = Date.parse('2026-06-01T00:00:00Z');

/**
 * Leads whose buying intent drives the signal events (pricing views, demo requests) but not the
 * noise events (newsletter opens, blog views). A lead converts (Placed Order) with probability
 * 0.85 when its true score (10 per pricing view, 25 per demo) reaches `trueThreshold`, else 0.05.
 */
export function conversionDataSet(leads: number, trueThreshold: number, seed = 7): BacktestEvent[] {
	const rand = random(seed);
	const events: BacktestEvent[] = [];
	let order = 0;
	const add = (leadId: string, name: string, day: number) =>
		events.push({
			leadId,
			name,
			time: START + Math.round(day * DAY),
			data: {},
			hasProfile: false,
			order: order++,
		});
	for (let lead = 0; lead < leads; lead++) {
		const leadId = `lead-${lead}@example.com`;
		const intent = rand();
		const pricing = poisson(rand, 6 * intent);
		const demos = rand() < intent * 0.6 ? 1 : 0;
		for (let i = 0; i < pricing; i++) add(leadId, 'Viewed Pricing', rand() * 30);
		for (let i = 0; i < demos; i++) add(leadId, 'Requested Demo', rand() * 30);
		for (let i = poisson(rand, 8); i > 0; i--)
			add(leadId, rand() < 0.5 ? 'Opened Email' : 'Viewed Blog', rand() * 30);
		const trueScore = pricing * 10 + demos * 25;
		if (rand() < (trueScore >= trueThreshold ? 0.85 : 0.05)) add(leadId, 'Placed Order', 31);
	}
	return events;
}
