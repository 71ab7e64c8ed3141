import { BacktestError, runBacktest, type BacktestEvent } from '../../lib/scoring/backtest';
import { backtestReportHtml } from '../../lib/views/backtestReport';
import { parseModel } from '../../lib/scoring/model';
import { conversionDataSet, DAY, START } from '../../sandbox/backtestData';

const tiers = [
	{ name: 'nurture', min: 0 },
	{ name: 'warming', min: 26 },
	{ name: 'engaged', min: 51 },
	{ name: 'hot', min: 76 },
];

/** A model of these tiers with `rules`, and a label if given. */
const withRules = (rules: Array<{ id: string; event: string; points: number }>, label?: string) =>
	parseModel({ version: 1, ...(label === undefined ? {} : { label }), rules, tiers });

/** The `order`-th event of the data set: lead, name, time and the event's data. */
const event = (
	leadId: string,
	name: string,
	time: number,
	order: number,
	data: Record<string, unknown> = {},
): BacktestEvent => ({ leadId, name, time, data, hasProfile: false, order });

// Scores what drives intent in the generated data.
const sensible = withRules(
	[
		{ id: 'pricing', event: 'Viewed Pricing', points: 10 },
		{ id: 'demo', event: 'Requested Demo', points: 25 },
	],
	'sensible',
);

// Scores only behaviour that has nothing to do with buying: a model no better than chance.
const random = withRules(
	[
		{ id: 'newsletter', event: 'Opened Email', points: 10 },
		{ id: 'blog', event: 'Viewed Blog', points: 10 },
	],
	'random',
);

describe('backtest on a generated data set where conversion depends on known behaviours', () => {
	const events = conversionDataSet(3000, 50);
	const result = runBacktest(
		[
			{ name: 'sensible', model: sensible },
			{ name: 'random', model: random },
		],
		events,
		{ kind: 'event', name: 'Placed Order' },
		{ threshold: 76 },
	);
	const hot = (name: string) =>
		result.models.find((model) => model.name === name)!.tiers.find((tier) => tier.tier === 'hot')!;

	it('reports leads, conversions and the base rate', () => {
		expect(result.leads).toBe(3000);
		expect(result.converted).toBe(events.filter((event) => event.name === 'Placed Order').length);
		expect(result.baseRate).toBeCloseTo(result.converted / 3000, 4);
		for (const model of result.models) {
			expect(model.tiers.reduce((sum, tier) => sum + tier.leads, 0)).toBe(3000);
			expect(model.tiers.reduce((sum, tier) => sum + tier.converted, 0)).toBe(result.converted);
		}
	});

	it('gives the top tier a lift above 1 for a sensible model and about 1 for a random one', () => {
		expect(hot('sensible').lift).toBeGreaterThan(1.5);
		expect(hot('random').leads).toBeGreaterThan(100);
		expect(hot('random').lift).toBeGreaterThan(0.75);
		expect(hot('random').lift).toBeLessThan(1.25);
	});

	it('suggests a threshold close to the one that drives conversion', () => {
		const suggested = result.models[0].suggested;
		expect(suggested.measure).toBe('f1');
		expect(Math.abs(suggested.threshold - 50)).toBeLessThanOrEqual(10);
		expect(suggested.precision).toBeGreaterThan(0.6);
		expect(suggested.recall).toBeGreaterThan(0.6);
	});

	it('measures the hand-offs of the threshold asked for', () => {
		const atThreshold = result.models[0].atThreshold!;
		expect(atThreshold.threshold).toBe(76);
		expect(atThreshold.precision).toBeGreaterThan(result.baseRate);
		expect(atThreshold.handedToSales).toBeLessThan(result.models[0].suggested.handedToSales);
	});

	it('renders a self-contained HTML report with a chart and every tier', () => {
		const html = backtestReportHtml(result, 'Backtest <test>');
		expect(html).toContain('<svg');
		expect(html).toContain('Backtest &lt;test&gt;');
		for (const tier of tiers) expect(html).toContain(`<td>${tier.name}</td>`);
		expect(html).not.toMatch(/<script/i);
	});
});

describe('the label never leaks into its own prediction', () => {
	it('scores a lead only with the events before it converted', () => {
		const model = withRules([
			{ id: 'order', event: 'Placed Order', points: 100 },
			{ id: 'visit', event: 'Visit', points: 30 },
		]);
		const events: BacktestEvent[] = [
			event('a', 'Visit', START, 0),
			event('a', 'Placed Order', START + DAY, 1),
			event('a', 'Visit', START + 2 * DAY, 2),
			event('b', 'Visit', START, 3),
		];
		const result = runBacktest([{ name: 'm', model }], events, {
			kind: 'event',
			name: 'Placed Order',
		});
		expect(result.models[0].tiers.find((tier) => tier.tier === 'warming')).toMatchObject({
			leads: 2,
			converted: 1,
		});
	});

	it('labels by a field when conversion is a property of an event', () => {
		const model = withRules([{ id: 'visit', event: 'Visit', points: 30 }]);
		const events: BacktestEvent[] = [
			event('a', 'Visit', START, 0),
			event('a', 'Stage Changed', START + DAY, 1, { properties: { won: true } }),
			event('b', 'Stage Changed', START + DAY, 2, { properties: { won: false } }),
		];
		const result = runBacktest([{ name: 'm', model }], events, {
			kind: 'field',
			path: 'properties.won',
		});
		expect([result.leads, result.converted]).toEqual([2, 1]);
	});
});

describe('backtest set-up errors say what to change', () => {
	const events: BacktestEvent[] = [event('a', 'Visit', START, 0)];

	it('rejects a conversion label that matches no event', () => {
		expect(() =>
			runBacktest([{ name: 'm', model: sensible }], events, {
				kind: 'event',
				name: 'placed order',
			}),
		).toThrow(
			'The conversion label matches nothing: no event is named "placed order" among 1 events. Check the spelling (event names are case-sensitive) or widen the time range.',
		);
	});

	it('rejects an empty time range', () => {
		expect(() =>
			runBacktest([{ name: 'm', model: sensible }], [], { kind: 'event', name: 'Placed Order' }),
		).toThrow(BacktestError);
	});

	it('rejects comparing two models with different tier names tier by tier', () => {
		const other = parseModel({
			version: 1,
			tiers: [
				{ name: 'cold', min: 0 },
				{ name: 'warm', min: 50 },
			],
		});
		expect(() =>
			runBacktest(
				[
					{ name: 'a', model: sensible },
					{ name: 'b', model: other },
				],
				events,
				{ kind: 'event', name: 'Visit' },
			),
		).toThrow(/different tiers \(nurture, warming, engaged, hot \/ cold, warm\).*same tier names/);
	});
});
