/** The model a new Score Event node starts with: the Klaviyo guide's behaviours, fit and tiers. */
export const EXAMPLE_MODEL = {
	version: 1,
	rules: [
		{
			id: 'pricing-page',
			event: 'Viewed Page',
			when: [{ path: 'properties.url', op: 'contains', value: '/pricing' }],
			points: 10,
			limit: { max: 3, perDays: 1 },
		},
		{ id: 'viewed-product', event: 'Viewed Product', points: 3, limit: { max: 5, perDays: 1 } },
		{ id: 'opened-email', event: 'Opened Email', points: 1, limit: { max: 5, perDays: 7 } },
		{ id: 'clicked-email', event: 'Clicked Email', points: 3 },
		{ id: 'signed-up', event: 'Subscribed to List', points: 5, frequency: 'once' },
		{ id: 'downloaded-guide', event: 'Downloaded Guide', points: 15, frequency: 'once' },
		{ id: 'added-to-cart', event: 'Added to Cart', points: 15 },
		{ id: 'started-checkout', event: 'Started Checkout', points: 20 },
		{ id: 'unsubscribed', event: 'Unsubscribed', points: -20 },
	],
	fit: [
		{
			id: 'senior-title',
			when: [{ path: 'profile.title', op: 'matches', value: 'VP|Director|Head|Chief' }],
			points: 15,
		},
		{
			id: 'target-country',
			when: [{ path: 'profile.country', op: 'in', value: ['US', 'CA', 'GB'] }],
			points: 5,
		},
	],
	decay: { type: 'halfLife', days: 30 },
	bounds: { min: 0, max: 100 },
	tiers: [
		{ name: 'nurture', min: 0 },
		{ name: 'warming', min: 26 },
		{ name: 'engaged', min: 51 },
		{ name: 'hot', min: 76 },
	],
};
