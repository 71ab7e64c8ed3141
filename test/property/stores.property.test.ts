/**
 * Property-based tests of the embedded and PostgreSQL stores through the batch-scoring code, over
 * random models, events and adjustments with hostile items mixed in: only per-item errors come back,
 * scores stay finite and within bounds, a bad item never changes another item's result, and the
 * replay of a lead's kept events (on top of what forgotten ones left) equals its stored score.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import fc from 'fast-check';

import type { Outcome } from '../../lib/outcome';
import { adjustLeads, scoreEvents } from '../../lib/service/scoreBatch';
import type { AdjustInput, EventInput, LeadScore } from '../../lib/scoring/leadScore';
import { DAY_MS } from '../../lib/scoring/decay';
import { MAX_POINTS } from '../../lib/scoring/limits';
import { parseModel, type ScoringModel } from '../../lib/scoring/model';
import { rescoreLeads } from '../../lib/service/rescore';
import { forgetOldHistory } from '../../lib/service/retention';
import { PostgresStore } from '../../lib/store/postgres/postgresStore';
import { closePostgresPools } from '../../lib/store/postgres/pool';
import type { ScoreStore } from '../../lib/store/scoreStore';
import { SqliteStore } from '../../lib/store/sqliteStore';
import { usePostgres } from '../helpers/postgres';

const NOV_1 = Date.parse('2026-11-01T00:00:00Z');
const EVENT_NAMES = ['Viewed Page', 'Opened Email', 'Requested Demo'];
const LEADS = ['ada@example.com', 'bob@example.com', 'cy@example.com'];

const modelArbitrary = fc
	.record({
		rules: fc.array(
			fc.record({
				event: fc.constantFrom(...EVENT_NAMES),
				points: fc.integer({ min: -40, max: 60 }),
				frequency: fc.constantFrom('every', 'once'),
				limit: fc.option(
					fc.record({
						max: fc.integer({ min: 1, max: 3 }),
						perDays: fc.integer({ min: 1, max: 5 }),
					}),
					{ nil: undefined },
				),
				minimum: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
			}),
			{ minLength: 1, maxLength: 5 },
		),
		fitPoints: fc.integer({ min: -20, max: 30 }),
		decay: fc.constantFrom(
			{ type: 'none' },
			{ type: 'halfLife', days: 7 },
			{ type: 'linear', pointsPerDay: 2, graceDays: 3 },
			{ type: 'expire', days: 10 },
		),
		bounded: fc.boolean(),
	})
	.map(({ rules, fitPoints, decay, bounded }) =>
		parseModel({
			version: 1,
			rules: rules.map(({ minimum, limit, ...rule }, index) => ({
				id: `rule-${index}`,
				...rule,
				...(limit ? { limit } : {}),
				when: minimum === undefined ? [] : [{ path: 'properties.n', op: 'gte', value: minimum }],
			})),
			fit: [
				{
					id: 'vp',
					when: [{ path: 'profile.title', op: 'contains', value: 'VP' }],
					points: fitPoints,
				},
			],
			decay,
			...(bounded ? { bounds: { min: 0, max: 100 } } : {}),
		}),
	);

const goodEvent = fc
	.record({
		leadId: fc.constantFrom(...LEADS),
		name: fc.constantFrom(...EVENT_NAMES),
		// A small pool of ids, so some events repeat (a sender's retry).
		eventId: fc.option(
			fc.integer({ min: 1, max: 12 }).map((n) => `evt-${n}`),
			{ nil: undefined },
		),
		minutes: fc.integer({ min: 0, max: 30 * 24 * 60 }),
		n: fc.integer({ min: 0, max: 12 }),
		profile: fc.option(fc.constantFrom({ title: 'VP Sales' }, { title: 'Analyst' }), {
			nil: undefined,
		}),
		text: fc.string({ unit: 'grapheme', maxLength: 12 }),
	})
	.map(
		({ leadId, name, eventId, minutes, n, profile, text }): EventInput => ({
			leadId,
			name,
			eventId,
			time: NOV_1 + minutes * 60_000,
			data: { properties: { n, text }, ...(profile ? { profile } : {}) },
			hasProfile: profile !== undefined,
		}),
	);

/** Items the store limits refuse: each must fail alone. */
const badEvent = fc
	.tuple(
		goodEvent,
		fc.constantFrom(
			'longLeadId',
			'longEventId',
			'surrogateLeadId',
			'surrogateData',
			'nanData',
			'hugeTime',
			'longName',
		),
	)
	.map(([event, kind]): EventInput => {
		switch (kind) {
			case 'longLeadId':
				return { ...event, leadId: 'l'.repeat(257) };
			case 'longEventId':
				return { ...event, eventId: 'e'.repeat(8000) };
			case 'surrogateLeadId':
				return { ...event, leadId: 'ada\ud800@example.com' };
			case 'surrogateData':
				return { ...event, data: { properties: { note: 'half \udc00' } } };
			case 'nanData':
				return { ...event, data: { properties: { n: Number.NaN } } };
			case 'hugeTime':
				return { ...event, time: 1e20 };
			default:
				return { ...event, name: 'N'.repeat(300) };
		}
	});

const goodAdjustment = fc
	.record({
		leadId: fc.constantFrom(...LEADS),
		mode: fc.constantFrom('add', 'set'),
		points: fc.integer({ min: -50, max: 80 }),
		minutes: fc.integer({ min: 0, max: 30 * 24 * 60 }),
	})
	.map(
		({ leadId, mode, points, minutes }): AdjustInput => ({
			leadId,
			mode: mode as 'add' | 'set',
			points,
			reason: 'by hand',
			time: NOV_1 + minutes * 60_000,
		}),
	);

const badAdjustment = goodAdjustment.chain((adjustment) =>
	fc.constantFrom<AdjustInput>(
		{ ...adjustment, points: 1e308 },
		{ ...adjustment, points: -1e308 },
		{ ...adjustment, reason: 'lone \ud83d' },
	),
);

type Tagged<T> = { bad: boolean; input: T };
const mixed = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<T>) =>
	fc.array(
		fc.oneof(
			{ weight: 5, arbitrary: good.map((input) => ({ bad: false, input })) },
			{ weight: 1, arbitrary: bad.map((input) => ({ bad: true, input })) },
		),
		{
			minLength: 1,
			maxLength: 25,
		},
	);

/** What an item's result says, without the wall-clock time it was scored at. */
function comparable(result: Outcome<LeadScore>) {
	if ('error' in result) return { error: result.error.message };
	return { ...result.value, scoredAt: undefined };
}

function expectWithinBounds(model: ScoringModel, results: Array<Outcome<LeadScore>>): void {
	for (const result of results) {
		if ('error' in result) continue;
		const { score, delta } = result.value;
		expect(Number.isFinite(score) && Number.isFinite(delta)).toBe(true);
		expect(Math.abs(score)).toBeLessThanOrEqual(MAX_POINTS);
		if (model.bounds.min !== undefined) expect(score).toBeGreaterThanOrEqual(model.bounds.min);
		if (model.bounds.max !== undefined) expect(score).toBeLessThanOrEqual(model.bounds.max);
	}
}

/** Waits until the wall clock has moved on, so events committed before and after can be told apart. */
async function nextMillisecond(): Promise<number> {
	const start = Date.now();
	while (Date.now() <= start + 1) await new Promise((resolve) => setTimeout(resolve, 1));
	return Date.now();
}

let runs = 0;

async function checkStore(store: () => ScoreStore, numRuns: number): Promise<void> {
	await fc.assert(
		fc.asyncProperty(
			modelArbitrary,
			mixed(goodEvent, badEvent),
			mixed(goodAdjustment, badAdjustment),
			mixed(goodEvent, badEvent),
			async (model, firstEvents, adjustments, laterEvents) => {
				const name = `property-${process.pid}-${++runs}`;
				const s = store();
				// The same work with the bad items, and without them, under two score names.
				const run = async (scoreName: string, keepBad: boolean) => {
					const only = <T>(items: Array<Tagged<T>>) => items.filter((item) => keepBad || !item.bad);
					const first = await scoreEvents(
						s,
						model,
						scoreName,
						only(firstEvents).map((item) => item.input),
					);
					const adjusted = await adjustLeads(
						s,
						model,
						scoreName,
						only(adjustments).map((item) => item.input),
					);
					const forgetBefore = await nextMillisecond();
					const later = await scoreEvents(
						s,
						model,
						scoreName,
						only(laterEvents).map((item) => item.input),
					);
					return { first, adjusted, later, forgetBefore };
				};
				const withBad = await run(`${name}-with`, true);
				const withoutBad = await run(`${name}-without`, false);

				for (const [results, items] of [
					[withBad.first, firstEvents],
					[withBad.adjusted, adjustments],
					[withBad.later, laterEvents],
				] as Array<[Array<Outcome<LeadScore>>, Array<Tagged<unknown>>]>) {
					expect(results).toHaveLength(items.length);
					// Every bad item fails on its own; every good one gets a score within the bounds.
					expect(results.map((result) => 'error' in result)).toEqual(items.map((item) => item.bad));
					expectWithinBounds(model, results);
				}
				// A bad item never changes another item's result.
				const goodOf = (results: Array<Outcome<LeadScore>>, items: Array<Tagged<unknown>>) =>
					results.filter((_, index) => !items[index].bad).map(comparable);
				expect(goodOf(withBad.first, firstEvents)).toEqual(withoutBad.first.map(comparable));
				expect(goodOf(withBad.adjusted, adjustments)).toEqual(withoutBad.adjusted.map(comparable));
				expect(goodOf(withBad.later, laterEvents)).toEqual(withoutBad.later.map(comparable));

				// The replay of each lead's kept events equals its stored score, before and after the first
				// events and the adjustments are forgotten into baselines.
				const scoreName = `${name}-with`;
				expect(await rescoreLeads(s, model, scoreName)).toMatchObject({ changed: [], skipped: [] });
				await forgetOldHistory(
					s,
					model,
					scoreName,
					{ eventDays: 1, ledgerDays: 1 },
					withBad.forgetBefore + DAY_MS,
				);
				expect(await rescoreLeads(s, model, scoreName)).toMatchObject({ changed: [], skipped: [] });
			},
		),
		{ numRuns },
	);
}

describe('embedded store, property-based', () => {
	let store: SqliteStore;
	beforeAll(
		() =>
			(store = new SqliteStore(
				join(mkdtempSync(join(tmpdir(), 'lead-property-')), 'scores.sqlite'),
			)),
	);
	afterAll(async () => await store.close());

	it('keeps every item to itself and every stored score replayable, whatever the model and the items', async () => {
		await checkStore(() => store, 40);
	}, 300_000);
});

describe('PostgreSQL store, property-based', () => {
	const server = usePostgres('lead_scoring_property', { settings: 'synchronous_commit=off' });
	let store: PostgresStore;
	beforeAll(() => (store = new PostgresStore(server().connection(), { schema: 'property' })));
	afterAll(async () => {
		await store.close();
		await closePostgresPools();
	});

	it('keeps every item to itself and every stored score replayable, whatever the model and the items', async () => {
		await checkStore(() => store, 25);
	}, 600_000);
});
