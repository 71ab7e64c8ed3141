import { CURVE_POINTS, runBacktest, type BacktestEvent } from '../../lib/scoring/backtest';
import { backtestReportHtml } from '../../lib/views/backtestReport';
import { parseModel } from '../../lib/scoring/model';
import { conversionDataSet, DAY, START, random } from '../../sandbox/backtestData';

// Issue 13, finding 9: the report wrote what operators typed into the HTML as it was, and
// 200,000 input items crashed the backtest (Math.max over a spread of every event time).

const MARKUP = '<img src=x onerror=alert(1)>';

describe('the backtest report', () => {
	it('escapes every string a user supplies', () => {
		const tiers = [
			{ name: `cold${MARKUP}`, min: 0 },
			{ name: `hot"'&${MARKUP}`, min: 10 },
		];
		const model = (label: string) =>
			parseModel({
				version: 1,
				label,
				rules: [{ id: 'pricing', event: 'Viewed Pricing', points: 10 }],
				tiers,
			});
		const events = conversionDataSet(200, 20);
		for (const event of events) if (event.name === 'Placed Order') event.name = `Won${MARKUP}`;
		const byEvent = runBacktest(
			[
				{ name: `Current${MARKUP}`, model: model(`live${MARKUP}`) },
				{ name: `Candidate${MARKUP}`, model: model(`next${MARKUP}`) },
			],
			events,
			{ kind: 'event', name: `Won${MARKUP}` },
			{ threshold: 10, measure: `f1${MARKUP}` as never },
		);
		const withField = events.map((event) =>
			event.name === `Won${MARKUP}` ? { ...event, data: { [`won${MARKUP}`]: true } } : event,
		);
		const byField = runBacktest([{ name: 'Current model', model: model('live') }], withField, {
			kind: 'field',
			path: `won${MARKUP}`,
		});
		for (const html of [
			backtestReportHtml(byEvent, `Backtest of score "${MARKUP}"`),
			backtestReportHtml(byField, 'Backtest'),
		]) {
			expect(html).not.toContain('<img');
			expect(html).not.toMatch(/<[a-z]+[^>]* on[a-z]+=/i);
		}
		const html = backtestReportHtml(byEvent, `Backtest of score "${MARKUP}"`);
		const shown = '&lt;img src=x onerror=alert(1)&gt;';
		for (const text of [
			`Backtest of score &quot;${shown}`,
			`event &quot;Won${shown}&quot;`,
			`cold${shown}`,
			`hot&quot;&#39;&amp;${shown}`,
			`Current${shown}`,
			`Candidate${shown}`,
			`live${shown}@`,
			`Best f1${shown}`,
		])
			expect(html).toContain(text);
		expect(backtestReportHtml(byField, 'Backtest')).toContain(`field &quot;won${shown}&quot;`);
	});
});

describe('a backtest of a million input items', () => {
	it('runs through, with every lead counted and a chart of at most CURVE_POINTS thresholds', () => {
		const rand = random(13);
		const leads = 200_000;
		const events: BacktestEvent[] = new Array(1_000_000);
		for (let i = 0; i < events.length; i++) {
			const lead = i % leads;
			const last = i >= events.length - leads;
			events[i] = {
				leadId: `lead-${lead}`,
				name: last && rand() < 0.2 ? 'Placed Order' : 'Viewed Pricing',
				time: START + Math.floor(i / leads) * DAY + (lead % 1000) * 60_000,
				data: {},
				hasProfile: false,
				order: i,
			};
		}
		const model = parseModel({
			version: 1,
			rules: [{ id: 'pricing', event: 'Viewed Pricing', points: 10 }],
			decay: { type: 'halfLife', days: 3 },
		});
		const result = runBacktest([{ name: 'Current model', model }], events, {
			kind: 'event',
			name: 'Placed Order',
		});
		expect(result.events).toBe(1_000_000);
		expect(result.leads).toBe(leads);
		const [current] = result.models;
		expect(current.tiers.reduce((sum, tier) => sum + tier.leads, 0)).toBe(leads);
		expect(current.curve.length).toBeLessThanOrEqual(CURVE_POINTS + 1);
		expect(current.curve).toContainEqual(
			expect.objectContaining({ threshold: current.suggested.threshold }),
		);
		const html = backtestReportHtml(result, 'Backtest');
		expect(html).toContain('200000 leads, 1000000 events');
		// Generous: a million events take seconds, far longer on a busy machine; no speed is asserted.
	}, 300_000);
});
