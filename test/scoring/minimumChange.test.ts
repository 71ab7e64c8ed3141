import { sweepDecay } from '../../lib/service/decaySweep';
import { scoreEvents } from '../../lib/service/scoreBatch';
import type { EventInput, LeadScore } from '../../lib/scoring/leadScore';
import { DAY_MS } from '../../lib/scoring/decay';
import { parseModel } from '../../lib/scoring/model';
import {
	asReported,
	DEFAULT_REPORTING,
	parseReporting,
	type Reporting,
} from '../../lib/scoring/reporting';
import { rescoreLeads } from '../../lib/service/rescore';
import { crossedThreshold, droppedBelow } from '../../lib/scoring/crossing';
import { SqliteStore } from '../../lib/store/sqliteStore';

const START = Date.parse('2026-11-01T00:00:00Z');
const HOUR_MS = 3_600_000;

const decaying = (points: number) =>
	parseModel({
		version: 1,
		rules: [{ id: 'visit', event: 'Ping', points }],
		decay: { type: 'halfLife', days: 30 },
	});

const ping = (leadId: string, time = START, id?: string): EventInput => ({
	leadId,
	name: 'Ping',
	eventId: id,
	time,
	data: {},
	hasProfile: false,
});

function scoresOf(changes: LeadScore[]): Array<[number, number]> {
	return changes.map((change) => [change.previousScore, change.score]);
}

describe('Apply Decay with whole points and a minimum change', () => {
	let store: SqliteStore;
	beforeEach(() => (store = new SqliteStore(':memory:')));
	afterEach(async () => await store.close());

	it('hands a lead on once per whole point it loses, however often the sweep runs', async () => {
		const model = decaying(40);
		await scoreEvents(store, model, 'default', [ping('ada@example.com')]);
		const handedOn: LeadScore[] = [];
		for (let hour = 1; hour <= 48; hour++) {
			handedOn.push(
				...(await sweepDecay(store, model, 'default', START + hour * HOUR_MS, {
					reporting: DEFAULT_REPORTING,
				})),
			);
		}
		// 40 * 0.5^(2/30) = 38.19: two whole points lost in two days of hourly sweeps.
		expect(scoresOf(handedOn)).toEqual([
			[40, 39],
			[39, 38],
		]);
		expect(handedOn[0]).toMatchObject({
			delta: -1,
			tier: 'warming',
			tierChanged: false,
			event: 'decay',
		});
		expect(handedOn[0].exactScore).toBeGreaterThan(39);
		expect(handedOn[0].exactScore).toBeLessThan(40);
		const history = await store.ledger('default', 'ada@example.com', 10);
		expect(history.map((entry) => entry.event)).toEqual(['decay', 'decay', 'Ping']);
	});

	it('writes nothing for a move that stays within the same whole point', async () => {
		const model = decaying(40);
		await scoreEvents(store, model, 'default', [ping('ada@example.com')]);
		expect(
			await sweepDecay(store, model, 'default', START + 0.2 * DAY_MS, {
				reporting: DEFAULT_REPORTING,
			}),
		).toHaveLength(1);
		const before = (await store.getLeads('default', ['ada@example.com'])).get('ada@example.com')!;
		// 39.82 at 0.2 days, 39.64 at 0.4 days: still 39.
		expect(
			await sweepDecay(store, model, 'default', START + 0.4 * DAY_MS, {
				reporting: DEFAULT_REPORTING,
			}),
		).toEqual([]);
		const after = (await store.getLeads('default', ['ada@example.com'])).get('ada@example.com')!;
		expect(after).toEqual(before);
		expect(await store.ledger('default', 'ada@example.com', 10)).toHaveLength(2);
	});

	it('lets small moves add up to the minimum change, measured from what was last handed on', async () => {
		const model = decaying(40);
		await scoreEvents(store, model, 'default', [ping('ada@example.com')]);
		const reporting: Reporting = { wholePoints: true, minimumChange: 3 };
		const handedOn: LeadScore[] = [];
		for (let day = 1; day <= 10; day++) {
			handedOn.push(
				...(await sweepDecay(store, model, 'default', START + day * DAY_MS, { reporting })),
			);
		}
		// Whole scores by day: 39 38 37 36 35 34 34 33 32 31 (40 * 0.5^(day/30), rounded down).
		expect(scoresOf(handedOn)).toEqual([
			[40, 37],
			[37, 34],
			[34, 31],
		]);
		expect(handedOn.map((change) => change.delta)).toEqual([-3, -3, -3]);
	});

	it('always hands on a tier change, even one smaller than the minimum change', async () => {
		const model = decaying(27);
		await scoreEvents(store, model, 'default', [ping('ada@example.com')]);
		const reporting: Reporting = { wholePoints: true, minimumChange: 5 };
		// 27 * 0.5^(3/30) = 25.19: two points, but below warming's 26.
		const [change] = await sweepDecay(store, model, 'default', START + 3 * DAY_MS, { reporting });
		expect(change).toMatchObject({
			previousScore: 27,
			score: 25,
			tier: 'nurture',
			previousTier: 'warming',
			tierChanged: true,
		});
	});

	it('hands on every change, exactly, with both options off (as before)', async () => {
		const model = decaying(40);
		await scoreEvents(store, model, 'default', [ping('ada@example.com')]);
		const exact: Reporting = { wholePoints: false, minimumChange: 0 };
		const [first] = await sweepDecay(store, model, 'default', START + 0.2 * DAY_MS, {
			reporting: exact,
		});
		const [second] = await sweepDecay(store, model, 'default', START + 0.4 * DAY_MS, {
			reporting: exact,
		});
		expect([first.score, second.previousScore, second.score]).toEqual([39.82, 39.82, 39.63]);
		expect(first).not.toHaveProperty('exactScore');
	});
});

describe('Re-Score with a minimum change', () => {
	/** One rule, a Ping worth `points`, and no decay. */
	const flat = (points: number) =>
		parseModel({
			version: 1,
			rules: [{ id: 'visit', event: 'Ping', points }],
			decay: { type: 'none' },
		});
	/** A store where ada@example.com has two Pings an hour apart, scored under `model`. */
	const twoPingsUnder = async (model: ReturnType<typeof flat>) => {
		const store = new SqliteStore(':memory:');
		await scoreEvents(store, model, 'default', [
			ping('ada@example.com', START, 'e1'),
			ping('ada@example.com', START + HOUR_MS, 'e2'),
		]);
		return store;
	};

	it('stores a small move without handing it on, and hands it on once the moves add up', async () => {
		const store = await twoPingsUnder(flat(20));
		const reporting: Reporting = { wholePoints: true, minimumChange: 3 };
		// 41 is one point from the 40 last handed on: stored, not handed on, no history row.
		const small = await rescoreLeads(store, flat(20.5), 'default', { reporting });
		expect(small.changed).toEqual([]);
		const stored = (await store.getLeads('default', ['ada@example.com'])).get(
			'ada@example.com',
		)!.state;
		expect(stored.score).toBe(41);
		expect(
			(await store.ledger('default', 'ada@example.com', 10)).map((entry) => entry.event),
		).toEqual(['Ping', 'Ping']);
		// 43 is three points from 40, the last score handed on (not from the stored 41).
		const big = await rescoreLeads(store, flat(21.5), 'default', { reporting });
		expect(big.changed).toMatchObject([
			{ leadId: 'ada@example.com', previousScore: 40, score: 43, delta: 3, exactScore: 43 },
		]);
		expect((await store.ledger('default', 'ada@example.com', 1))[0]).toMatchObject({
			event: 'rescore',
			previousScore: 41,
			score: 43,
		});
		// Nothing left to hand on: a third run under the same model changes nothing.
		expect((await rescoreLeads(store, flat(21.5), 'default', { reporting })).changed).toEqual([]);
		await store.close();
	});

	it('measures the next event from the score last handed on, so a crossing the re-score began is not lost', async () => {
		const store = await twoPingsUnder(flat(24));
		// 48 -> 50 under the new model: two points, below a Minimum Change of 3, so not handed on.
		expect(
			(
				await rescoreLeads(store, flat(25), 'default', {
					reporting: { wholePoints: true, minimumChange: 3 },
				})
			).changed,
		).toEqual([]);
		const [result] = await scoreEvents(store, flat(25), 'default', [
			ping('ada@example.com', START + 2 * HOUR_MS, 'e3'),
		]);
		const shown = result.ok
			? asReported(result.value, flat(25).tiers, DEFAULT_REPORTING)
			: result.error;
		expect(shown).toMatchObject({
			previousScore: 48,
			score: 75,
			delta: 27,
			reasons: [
				{ rule: 'rescore', points: 2 },
				{ rule: 'visit', points: 25 },
			],
		});
		// A Check Threshold at 50 sees this lead cross now (48 -> 75), not never (50 -> 75).
		expect(
			crossedThreshold((shown as LeadScore).previousScore, (shown as LeadScore).score, 50),
		).toBe(true);
		expect(
			(await store.getLeads('default', ['ada@example.com'])).get('ada@example.com')!.state,
		).not.toHaveProperty('reportedScore');
		await store.close();
	});
});

describe('whole points as operators see them', () => {
	const model = parseModel({ version: 1, rules: [{ id: 'visit', event: 'Ping', points: 1 }] });
	const change = (previousScore: number, score: number) => ({
		score,
		previousScore,
		delta: score - previousScore,
		tier: 'engaged',
		previousTier: 'warming',
		tierChanged: true,
	});

	it('rounds down, with the tier of the whole score, so the tier and a threshold agree with what is shown', () => {
		// 50.6 shows as 50: below engaged (51), and below a threshold of 51.
		expect(asReported(change(49.3, 50.6), model.tiers, DEFAULT_REPORTING)).toMatchObject({
			score: 50,
			previousScore: 49,
			delta: 1,
			tier: 'warming',
			previousTier: 'warming',
			tierChanged: false,
			exactScore: 50.6,
		});
		expect(asReported(change(50.6, 51), model.tiers, DEFAULT_REPORTING)).toMatchObject({
			score: 51,
			tier: 'engaged',
			tierChanged: true,
		});
	});

	it('crosses a whole threshold on the whole score exactly when the exact score crosses it', () => {
		const pairs: Array<[number, number]> = [];
		for (let before = 4800; before <= 5200; before += 7)
			for (let after = 4800; after <= 5200; after += 13) pairs.push([before / 100, after / 100]);
		for (const [before, after] of pairs) {
			const shown = asReported(change(before, after), model.tiers, DEFAULT_REPORTING);
			expect([
				crossedThreshold(shown.previousScore, shown.score, 50),
				droppedBelow(shown.previousScore, shown.score, 50),
			]).toEqual([crossedThreshold(before, after, 50), droppedBelow(before, after, 50)]);
		}
	});

	it('refuses a minimum change that is not a number of points, naming the option', () => {
		expect(parseReporting({})).toEqual(DEFAULT_REPORTING);
		expect(parseReporting({ wholePoints: false, minimumChange: 0 })).toEqual({
			wholePoints: false,
			minimumChange: 0,
		});
		expect(() => parseReporting({ minimumChange: -1 })).toThrow(
			expect.objectContaining({ field: 'options.minimumChange' }),
		);
		expect(() => parseReporting({ minimumChange: 'two' })).toThrow(
			/Minimum Change must be a number of points/,
		);
	});
});
