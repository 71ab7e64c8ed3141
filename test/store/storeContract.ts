/**
 * The behaviour every ScoreStore must have, registered for one store at a time, so the embedded,
 * in-memory and PostgreSQL stores are held to one suite.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { readScores } from '../../lib/service/readScores';
import { sweepDecay } from '../../lib/service/decaySweep';
import { adjustLeads, scoreEvents } from '../../lib/service/scoreBatch';
import type { EventInput, LeadScore } from '../../lib/scoring/leadScore';
import { DAY_MS } from '../../lib/scoring/decay';
import { parseModel } from '../../lib/scoring/model';
import { modelVersion } from '../../lib/scoring/modelVersion';
import { rescoreLeads } from '../../lib/service/rescore';
import { forgetOldHistory } from '../../lib/service/retention';
import { MemoryStore } from '../../lib/store/memoryStore';
import {
	eventKey,
	type LeadCursor,
	type LeadFilter,
	type LeadSort,
	type LeadsSnapshot,
	type ScoreStore,
	type StoredLedgerEntry,
	type SummaryQuery,
} from '../../lib/store/scoreStore';
import type { ThresholdState } from '../../lib/scoring/crossing';
import type { StoredEvent } from '../../lib/scoring/keptEvent';
import { counting, stoppingAfter } from '../helpers/interceptedStore';

const WRITER = join(__dirname, 'fixtures/writer.js');

export const plusOne = parseModel({
	version: 1,
	rules: [{ id: 'plus-one', event: 'Ping', points: 1 }],
	decay: { type: 'none' },
});

const NOV_1 = Date.parse('2026-11-01T00:00:00Z');

export const ping = (
	leadId: string,
	eventId?: string,
	time = NOV_1,
	data: Record<string, unknown> = {},
): EventInput => ({
	leadId,
	name: 'Ping',
	eventId,
	time,
	data,
	hasProfile: false,
});

/** Ping +1, Jump +30, default tiers (nurture 0, warming 26, engaged 51, hot 76), bounds 0..100. */
export const jumps = parseModel({
	version: 1,
	rules: [
		{ id: 'plus-one', event: 'Ping', points: 1 },
		{ id: 'jump', event: 'Jump', points: 30 },
	],
	decay: { type: 'none' },
	bounds: { min: 0, max: 100 },
});

export const jump = (leadId: string, eventId?: string): EventInput => ({
	...ping(leadId, eventId),
	name: 'Jump',
});

/** Every lead of a query, page by page, with the page sizes seen. */
async function queryAll(store: ScoreStore, filter: LeadFilter, sort: LeadSort, pageSize: number) {
	const ids: string[] = [];
	const sizes: number[] = [];
	let after: LeadCursor | null = null;
	do {
		const page = await store.queryLeads('default', filter, sort, after, pageSize);
		ids.push(...page.leads.map((lead) => lead.leadId));
		sizes.push(page.leads.length);
		after = page.next;
	} while (after !== null);
	return { ids, sizes };
}

/** Date.now() as the test sets it, so commit times (updatedAt, recordedAt, receivedAt) are known. */
function useClock(): { set(time: number): void } {
	let now = Date.now();
	let spy: jest.SpyInstance | undefined;
	beforeEach(() => (spy = jest.spyOn(Date, 'now').mockImplementation(() => now)));
	afterEach(() => spy?.mockRestore());
	return { set: (time) => (now = time) };
}

function scoresOf(
	results: Awaited<ReturnType<typeof scoreEvents>>,
): Array<[number, boolean] | Error> {
	return results.map((result) =>
		result.ok ? [result.value.score, result.value.duplicate] : result.error,
	);
}

/** Registers the shared behaviour tests; `openStore` gives a fresh, empty store for each test. */
export function describeStoreContract(openStore: () => ScoreStore | Promise<ScoreStore>): void {
	let store: ScoreStore;
	beforeEach(async () => (store = await openStore()));
	afterEach(async () => await store.close());

	it('counts a repeated event id once, within a batch and across batches', async () => {
		const first = await scoreEvents(store, plusOne, 'default', [
			ping('ada@example.com', 'e1'),
			ping('ada@example.com', 'e1'),
			ping('ada@example.com', 'e2'),
		]);
		const second = await scoreEvents(store, plusOne, 'default', [ping('ada@example.com', 'e2')]);
		expect(scoresOf([...first, ...second])).toEqual([
			[1, false],
			[1, true],
			[2, false],
			[2, true],
		]);
	});

	it('answers a repeated event id with the outcome it had the first time, and changes nothing', async () => {
		const [first] = await scoreEvents(store, plusOne, 'default', [ping('ada@example.com', 'e1')]);
		const later = await scoreEvents(store, plusOne, 'default', [
			ping('ada@example.com', 'e2'),
			ping('ada@example.com', 'e1'),
		]);
		const [again] = await scoreEvents(store, plusOne, 'default', [ping('ada@example.com', 'e1')]);
		const leadScore = (first as { value: LeadScore }).value;
		const replay = { ...leadScore, duplicate: true, replayed: true };
		expect(leadScore).toMatchObject({
			score: 1,
			previousScore: 0,
			delta: 1,
			tier: 'nurture',
			previousTier: 'nurture',
			revision: 1,
			duplicate: false,
			replayed: false,
		});
		expect([later[1], again]).toEqual([
			{ ok: true, value: replay },
			{ ok: true, value: replay },
		]);
		expect(later[0]).toMatchObject({
			ok: true,
			value: { score: 2, previousScore: 1, revision: 2 },
		});
		const lead = (await store.getLeads('default', ['ada@example.com'])).get('ada@example.com')!;
		expect([lead.state.score, lead.state.eventCount, lead.state.revision]).toEqual([2, 2, 2]);
		expect(await store.ledger('default', 'ada@example.com', 10)).toHaveLength(2);
	});

	it('replays the first outcome of an event id repeated in the same batch, reasons and all', async () => {
		const results = await scoreEvents(store, plusOne, 'default', [
			ping('ada@example.com', 'e1'),
			ping('ada@example.com', 'e2'),
			ping('ada@example.com', 'e1'),
		]);
		expect(results[2]).toEqual({
			ok: true,
			value: { ...(results[0] as { value: object }).value, duplicate: true, replayed: true },
		});
		expect(results[2]).toMatchObject({
			ok: true,
			value: { score: 1, previousScore: 0, reasons: [{ rule: 'plus-one', points: 1 }] },
		});
	});

	it('keeps event ids per lead: two leads with the same id are both scored, each replaying its own', async () => {
		const first = await scoreEvents(store, plusOne, 'default', [
			ping('ada@example.com', 'order-1'),
			ping('ada@example.com', 'order-2'),
		]);
		const bob = await scoreEvents(store, plusOne, 'default', [
			ping('bob@example.com', 'order-2'),
			ping('bob@example.com', 'order-2'),
		]);
		const ada = await scoreEvents(store, plusOne, 'default', [ping('ada@example.com', 'order-2')]);
		expect(scoresOf([...first, ...bob, ...ada])).toEqual([
			[1, false],
			[2, false],
			[1, false],
			[1, true],
			[2, true],
		]);
	});

	it('counts a retried adjustment with the same adjustment id once, replaying its outcome', async () => {
		const adjust = (adjustmentId?: string) => ({
			leadId: 'ada@example.com',
			mode: 'add' as const,
			points: 10,
			reason: 'Met at trade show',
			time: NOV_1,
			adjustmentId,
		});
		const first = await adjustLeads(store, plusOne, 'default', [adjust('req-1'), adjust('req-1')]);
		const retry = await adjustLeads(store, plusOne, 'default', [adjust('req-1')]);
		const other = await adjustLeads(store, plusOne, 'default', [adjust(), adjust()]);
		expect(scoresOf([...first, ...retry, ...other])).toEqual([
			[10, false],
			[10, true],
			[10, true],
			[20, false],
			[30, false],
		]);
		expect(retry[0]).toMatchObject({
			ok: true,
			value: { previousScore: 0, delta: 10, replayed: true, eventId: 'adjust:req-1' },
		});
		// An event id equal to the adjustment id is another thing and counts.
		expect(
			scoresOf(await scoreEvents(store, plusOne, 'default', [ping('ada@example.com', 'req-1')])),
		).toEqual([[31, false]]);
	});

	it('keeps scores of different score names apart, event ids included', async () => {
		await scoreEvents(store, plusOne, 'b2b', [ping('ada@example.com', 'e1')]);
		const b2c = await scoreEvents(store, plusOne, 'b2c', [
			ping('ada@example.com', 'e1'),
			ping('ada@example.com'),
		]);
		expect(scoresOf(b2c)).toEqual([
			[1, false],
			[2, false],
		]);
		const b2bRead = await readScores(store, plusOne, 'b2b', ['ada@example.com'], Date.now(), 0);
		const b2cRead = await readScores(store, plusOne, 'b2c', ['ada@example.com'], Date.now(), 0);
		expect([b2bRead.get('ada@example.com'), b2cRead.get('ada@example.com')]).toMatchObject([
			{ ok: true, value: { score: 1 } },
			{ ok: true, value: { score: 2 } },
		]);
	});

	it('keeps a ledger of every change with its reasons and model version, newest first', async () => {
		await scoreEvents(store, plusOne, 'default', [
			ping('ada@example.com', 'e1'),
			ping('ada@example.com', 'e2'),
		]);
		const entries = await store.ledger('default', 'ada@example.com', 10);
		expect(
			entries.map((entry) => [
				entry.eventId,
				entry.event,
				entry.previousScore,
				entry.score,
				entry.delta,
				entry.reasons,
			]),
		).toEqual([
			['e2', 'Ping', 1, 2, 1, [{ rule: 'plus-one', points: 1 }]],
			['e1', 'Ping', 0, 1, 1, [{ rule: 'plus-one', points: 1 }]],
		]);
		expect(entries[0].modelVersion).toEqual(expect.any(String));
		expect(entries[0].at).toBe(NOV_1);
		expect(await store.ledger('default', 'ada@example.com', 1)).toHaveLength(1);
	});

	it('writes nothing when the decision fails, and the lead does not appear', async () => {
		await expect(
			store.updateLeads(
				'default',
				['ada@example.com'],
				[{ leadId: 'ada@example.com', eventId: 'e1' }],
				() => {
					throw new Error('engine failed');
				},
			),
		).rejects.toThrow('engine failed');
		expect((await store.getLeads('default', ['ada@example.com'])).size).toBe(0);
		expect((await store.listLeads('default', null, 10)).leads).toEqual([]);
		const again = await scoreEvents(store, plusOne, 'default', [ping('ada@example.com', 'e1')]);
		expect(scoresOf(again)).toEqual([[1, false]]);
	});

	it('creates no lead whose update wrote nothing for it', async () => {
		await scoreEvents(store, plusOne, 'default', [ping('ada@example.com', 'e1')]);
		await store.updateLeads('default', ['ada@example.com', 'bob@example.com'], [], () => ({
			leads: new Map(),
			events: [],
			ledger: [],
		}));
		expect([
			...(await store.getLeads('default', ['ada@example.com', 'bob@example.com'])).keys(),
		]).toEqual(['ada@example.com']);
		expect((await store.listLeads('default', null, 10)).leads.map((lead) => lead.leadId)).toEqual([
			'ada@example.com',
		]);
	});

	it('never loses an update when many steps on one lead run at once', async () => {
		await Promise.all(
			Array.from({ length: 40 }, (_, i) =>
				scoreEvents(store, plusOne, 'default', [
					ping('ada@example.com', `e${i}`),
					ping('bob@example.com'),
				]),
			),
		);
		const leads = await store.getLeads('default', ['ada@example.com', 'bob@example.com']);
		expect([
			leads.get('ada@example.com')!.state.score,
			leads.get('bob@example.com')!.state.score,
		]).toEqual([40, 40]);
	});

	it('counts an event id once per lead when it arrives for two leads, twice each, at the same moment', async () => {
		await Promise.all(
			Array.from({ length: 30 }, (_, i) => [
				scoreEvents(store, plusOne, 'default', [ping('ada@example.com', `shared-${i}`)]),
				scoreEvents(store, plusOne, 'default', [ping('bob@example.com', `shared-${i}`)]),
				scoreEvents(store, plusOne, 'default', [ping('ada@example.com', `shared-${i}`)]),
				scoreEvents(store, plusOne, 'default', [ping('bob@example.com', `shared-${i}`)]),
			]).flat(),
		);
		const leads = await store.getLeads('default', ['ada@example.com', 'bob@example.com']);
		expect([
			leads.get('ada@example.com')!.state.score,
			leads.get('bob@example.com')!.state.score,
		]).toEqual([30, 30]);
	});

	it('lists leads in pages ordered by lead id', async () => {
		const ids = [
			'carol@example.com',
			'ada@example.com',
			'Bob@example.com',
			'dan@example.com',
			'erin@example.com',
		];
		await scoreEvents(
			store,
			plusOne,
			'default',
			ids.map((leadId) => ping(leadId)),
		);
		await scoreEvents(store, plusOne, 'other', [ping('zed@example.com')]);
		const pages: string[][] = [];
		let after: string | null = null;
		do {
			const page = await store.listLeads('default', after, 2);
			pages.push(page.leads.map((lead) => lead.leadId));
			after = page.next;
		} while (after !== null);
		// Code-point order, as in the embedded store: upper case before lower case.
		expect(pages).toEqual([
			['Bob@example.com', 'ada@example.com'],
			['carol@example.com', 'dan@example.com'],
			['erin@example.com'],
		]);
	});

	describe('views', () => {
		const clock = useClock();
		const DEC_1 = Date.parse('2026-12-01T00:00:00Z');
		const HOUR = 3_600_000;
		const v2 = parseModel({ ...jumps, label: 'v2' });

		/** ada 90 hot, bob 60 engaged, carol 30 warming, dan 1 nurture, erin 31 warming (v2), each written an hour apart. */
		async function seed(): Promise<void> {
			const plan: Array<[string, EventInput[], typeof jumps]> = [
				['dan@example.com', [ping('dan@example.com', 'd1')], jumps],
				['carol@example.com', [jump('carol@example.com', 'c1')], jumps],
				[
					'ada@example.com',
					[
						jump('ada@example.com', 'a1'),
						jump('ada@example.com', 'a2'),
						jump('ada@example.com', 'a3'),
					],
					jumps,
				],
				['bob@example.com', [jump('bob@example.com', 'b1'), jump('bob@example.com', 'b2')], jumps],
				['erin@example.com', [jump('erin@example.com', 'e1'), ping('erin@example.com', 'e2')], v2],
			];
			for (const [index, [, events, model]] of plan.entries()) {
				clock.set(DEC_1 + index * HOUR);
				await scoreEvents(store, model, 'default', events);
			}
			clock.set(DEC_1 + 10 * HOUR);
			await scoreEvents(store, jumps, 'other', [
				jump('zed@example.com'),
				jump('zed@example.com'),
				jump('zed@example.com'),
			]);
		}

		it('lists leads in every order, in pages, each lead once', async () => {
			await seed();
			expect(await queryAll(store, {}, 'scoreDesc', 2)).toEqual({
				ids: [
					'ada@example.com',
					'bob@example.com',
					'erin@example.com',
					'carol@example.com',
					'dan@example.com',
				],
				sizes: [2, 2, 1],
			});
			expect((await queryAll(store, {}, 'scoreAsc', 3)).ids).toEqual([
				'dan@example.com',
				'carol@example.com',
				'erin@example.com',
				'bob@example.com',
				'ada@example.com',
			]);
			expect((await queryAll(store, {}, 'changedDesc', 1)).ids).toEqual([
				'erin@example.com',
				'bob@example.com',
				'ada@example.com',
				'carol@example.com',
				'dan@example.com',
			]);
			expect((await queryAll(store, {}, 'changedAsc', 4)).ids).toEqual([
				'dan@example.com',
				'carol@example.com',
				'ada@example.com',
				'bob@example.com',
				'erin@example.com',
			]);
			expect((await queryAll(store, {}, 'leadId', 2)).ids).toEqual([
				'ada@example.com',
				'bob@example.com',
				'carol@example.com',
				'dan@example.com',
				'erin@example.com',
			]);
			const [ada] = (await store.queryLeads('default', {}, 'scoreDesc', null, 1)).leads;
			expect(ada).toEqual({
				leadId: 'ada@example.com',
				score: 90,
				engagement: 90,
				fit: 0,
				tier: 'hot',
				lastActivityAt: NOV_1,
				updatedAt: DEC_1 + 2 * HOUR,
				eventCount: 3,
				modelVersion: modelVersion(jumps),
			});
		});

		it('pages through leads with equal scores without skipping or repeating one', async () => {
			const ids = Array.from({ length: 7 }, (_, i) => `tie-${i}@example.com`);
			await scoreEvents(
				store,
				jumps,
				'default',
				ids.map((leadId) => jump(leadId)),
			);
			const listed = await queryAll(store, {}, 'scoreDesc', 3);
			expect(listed.ids).toEqual([...ids].reverse());
			expect(listed.sizes).toEqual([3, 3, 1]);
			expect((await queryAll(store, {}, 'changedAsc', 2)).ids).toEqual(ids);
		});

		it('filters leads by tier, score range, activity, last change and model version', async () => {
			await seed();
			const ids = async (filter: LeadFilter) => (await queryAll(store, filter, 'leadId', 2)).ids;
			expect(await ids({ tiers: ['warming', 'hot'] })).toEqual([
				'ada@example.com',
				'carol@example.com',
				'erin@example.com',
			]);
			expect(await ids({ minScore: 30, maxScore: 60 })).toEqual([
				'bob@example.com',
				'carol@example.com',
				'erin@example.com',
			]);
			expect(await ids({ changedSince: DEC_1 + 3 * HOUR })).toEqual([
				'bob@example.com',
				'erin@example.com',
			]);
			expect(await ids({ activeSince: NOV_1 + 1 })).toEqual([]);
			expect(await ids({ activeSince: NOV_1, tiers: ['nurture'] })).toEqual(['dan@example.com']);
			expect(await ids({ modelVersion: modelVersion(v2) })).toEqual(['erin@example.com']);
			expect(await ids({ modelVersion: modelVersion(jumps), minScore: 61 })).toEqual([
				'ada@example.com',
			]);
			expect(await ids({ tiers: ['no such tier'] })).toEqual([]);
		});

		it('reads a lead as it stood at a past time, and its changes in a time range, in pages', async () => {
			for (let step = 0; step < 5; step++) {
				clock.set(DEC_1 + step * HOUR);
				await scoreEvents(store, jumps, 'default', [
					step === 2 ? jump('ada@example.com', `a${step}`) : ping('ada@example.com', `a${step}`),
				]);
			}
			expect(await store.ledgerAsOf('default', 'ada@example.com', DEC_1 - 1)).toBeNull();
			expect(
				await store.ledgerAsOf('default', 'ada@example.com', DEC_1 + 2 * HOUR + 59_000),
			).toMatchObject({
				eventId: 'a2',
				score: 32,
				previousScore: 2,
				tier: 'warming',
				reasons: [{ rule: 'jump', points: 30 }],
				recordedAt: DEC_1 + 2 * HOUR,
				modelVersion: modelVersion(jumps),
			});
			expect(await store.ledgerAsOf('default', 'bob@example.com', DEC_1 + 9 * HOUR)).toBeNull();
			const seen: StoredLedgerEntry[] = [];
			const sizes: number[] = [];
			let after: number | null = null;
			do {
				const page = await store.ledgerBetween(
					'default',
					'ada@example.com',
					{ from: DEC_1 + HOUR, to: DEC_1 + 4 * HOUR },
					after,
					2,
				);
				seen.push(...page.entries);
				sizes.push(page.entries.length);
				after = page.next;
			} while (after !== null);
			expect(
				seen.map((entry) => [entry.eventId, entry.previousScore, entry.score, entry.delta]),
			).toEqual([
				['a1', 1, 2, 1],
				['a2', 2, 32, 30],
				['a3', 32, 33, 1],
				['a4', 33, 34, 1],
			]);
			expect(sizes).toEqual([2, 2]);
			expect(
				(
					await store.ledgerBetween(
						'default',
						'ada@example.com',
						{ from: 0, to: DEC_1 + 9 * HOUR },
						null,
						100,
					)
				).entries,
			).toHaveLength(5);
		});

		it('summarizes tiers, the score distribution, daily changes, top leads and model versions', async () => {
			await seed();
			clock.set(DEC_1 + 26 * HOUR); // the next day: bob rises to hot, carol to engaged
			await scoreEvents(store, jumps, 'default', [
				jump('bob@example.com', 'b3'),
				jump('carol@example.com', 'c2'),
			]);
			const query: SummaryQuery = {
				since: DEC_1 - DAY_MS,
				days: 3,
				threshold: 76,
				tierBoundaries: [26, 51, 76],
				buckets: { min: 0, width: 10, count: 10 },
				top: 3,
			};
			const summary = await store.summarize('default', query);
			expect([...summary.tiers].sort((a, b) => a.tier.localeCompare(b.tier))).toEqual([
				{ tier: 'engaged', count: 1 },
				{ tier: 'hot', count: 2 },
				{ tier: 'nurture', count: 1 },
				{ tier: 'warming', count: 1 },
			]);
			// Scores 90, 90, 60, 31, 1 (100 would go to the last bucket too).
			expect(summary.distribution).toEqual([1, 0, 0, 1, 0, 0, 1, 0, 0, 2]);
			expect(summary.days).toEqual([
				{ changes: 0, crossings: 0, tierChanges: 0, events: 0 },
				// Day 1: 9 changes; ada crossed 76 at her third jump; tier changes: carol, ada x3, bob x2, erin.
				{ changes: 9, crossings: 1, tierChanges: 7, events: 9 },
				{ changes: 2, crossings: 1, tierChanges: 2, events: 2 },
			]);
			expect(summary.topLeads).toEqual([
				{
					leadId: 'bob@example.com',
					score: 90,
					tier: 'hot',
					updatedAt: DEC_1 + 26 * HOUR,
					reasons: [{ rule: 'jump', points: 30 }],
				},
				{
					leadId: 'ada@example.com',
					score: 90,
					tier: 'hot',
					updatedAt: DEC_1 + 2 * HOUR,
					reasons: [{ rule: 'jump', points: 30 }],
				},
				{
					leadId: 'carol@example.com',
					score: 60,
					tier: 'engaged',
					updatedAt: DEC_1 + 26 * HOUR,
					reasons: [{ rule: 'jump', points: 30 }],
				},
			]);
			expect([...summary.modelVersions].sort((a, b) => b.count - a.count)).toEqual([
				{ version: modelVersion(jumps), count: 4 },
				{ version: modelVersion(v2), count: 1 },
			]);
			const empty = await store.summarize('nobody', query);
			expect(empty).toEqual({
				tiers: [],
				distribution: new Array(10).fill(0),
				days: summary.days.map(() => ({ changes: 0, crossings: 0, tierChanges: 0, events: 0 })),
				topLeads: [],
				modelVersions: [],
			});
		});
	});

	it('sweeps decay over every lead in pages and returns only the leads that changed', async () => {
		const decaying = parseModel({
			version: 1,
			rules: [{ id: 'visit', event: 'Ping', points: 40 }],
			decay: { type: 'halfLife', days: 30 },
		});
		const start = Date.parse('2026-01-01T00:00:00Z');
		const leads = Array.from({ length: 25 }, (_, i) => `lead-${String(i).padStart(2, '0')}`);
		await scoreEvents(
			store,
			decaying,
			'default',
			leads.map((leadId, i) => ping(leadId, undefined, i < 20 ? start : start + 60 * DAY_MS)),
		);
		const changed = await sweepDecay(store, decaying, 'default', start + 60 * DAY_MS, {
			pageSize: 7,
		});
		expect(changed.map((lead) => lead.leadId)).toEqual(leads.slice(0, 20));
		expect(changed[0]).toMatchObject({
			score: 10,
			previousScore: 40,
			tier: 'nurture',
			previousTier: 'warming',
			tierChanged: true,
		});
		expect(
			await sweepDecay(store, decaying, 'default', start + 60 * DAY_MS, { pageSize: 7 }),
		).toEqual([]);
		expect((await store.ledger('default', 'lead-00', 1))[0]).toMatchObject({
			event: 'decay',
			previousScore: 40,
			score: 10,
		});
	});

	it('forgets event ids after their retention, so only then may an id count again', async () => {
		await scoreEvents(store, plusOne, 'default', [ping('ada@example.com', 'e1')]);
		await forgetOldHistory(store, plusOne, 'default', { eventDays: 1, ledgerDays: 1 }, Date.now());
		expect(
			(await scoreEvents(store, plusOne, 'default', [ping('ada@example.com', 'e1')]))[0],
		).toMatchObject({ ok: true, value: { duplicate: true } });
		await forgetOldHistory(
			store,
			plusOne,
			'default',
			{ eventDays: 1, ledgerDays: 400 },
			Date.now() + 2 * DAY_MS,
		);
		expect(
			(await scoreEvents(store, plusOne, 'default', [ping('ada@example.com', 'e1')]))[0],
		).toMatchObject({ ok: true, value: { duplicate: false, score: 2 } });
		expect(
			(
				await store.listEvents('default', { from: 0, to: Number.MAX_SAFE_INTEGER }, null, 10)
			).events.map((event) => event.eventId),
		).toEqual(['e1']);
	});

	it('forgets ledger entries after their retention, keeping newer ones', async () => {
		await scoreEvents(store, plusOne, 'default', [ping('ada@example.com', 'e1')]);
		await store.forgetLedger('default', Date.now() - 60_000);
		expect(await store.ledger('default', 'ada@example.com', 10)).toHaveLength(1);
		await store.forgetLedger('default', Date.now() + 60_000);
		expect(await store.ledger('default', 'ada@example.com', 10)).toEqual([]);
		expect(
			(await store.getLeads('default', ['ada@example.com'])).get('ada@example.com')!.state.score,
		).toBe(1);
	});

	it("forgets one score's events and ledger only: another score name keeps its own", async () => {
		await scoreEvents(store, plusOne, 'b2b', [ping('ada@example.com', 'e1')]);
		await scoreEvents(store, plusOne, 'b2c', [ping('ada@example.com', 'e1')]);
		await forgetOldHistory(
			store,
			plusOne,
			'b2b',
			{ eventDays: 1, ledgerDays: 1 },
			Date.now() + 2 * DAY_MS,
		);
		const again = async (scoreName: string) =>
			(await scoreEvents(store, plusOne, scoreName, [ping('ada@example.com', 'e1')]))[0];
		expect(await again('b2c')).toMatchObject({ ok: true, value: { duplicate: true, score: 1 } });
		expect(await again('b2b')).toMatchObject({ ok: true, value: { duplicate: false, score: 2 } });
		expect(await store.ledger('b2c', 'ada@example.com', 10)).toHaveLength(1);
		expect(await store.ledger('b2b', 'ada@example.com', 10)).toHaveLength(1);
	});

	it('forgets exactly the events committed before the retention, among events of several scores', async () => {
		let cutoff = 0;
		for (let i = 0; i < 20; i++) {
			await scoreEvents(store, plusOne, i % 2 === 1 ? 'b2b' : 'b2c', [
				ping('ada@example.com', `e${i}`),
			]);
			if (i === 12) {
				const before = Date.now();
				while (Date.now() <= before + 1) await new Promise((resolve) => setTimeout(resolve, 1));
				cutoff = Date.now();
			}
		}
		await forgetOldHistory(store, plusOne, 'b2b', { eventDays: 1, ledgerDays: 1 }, cutoff + DAY_MS);
		const kept = async (scoreName: string) =>
			(
				await store.listEvents(scoreName, { from: 0, to: Number.MAX_SAFE_INTEGER }, null, 100)
			).events.map((event) => event.eventId);
		expect(await kept('b2b')).toEqual(['e13', 'e15', 'e17', 'e19']);
		expect(await kept('b2c')).toHaveLength(10);
		expect(await rescoreLeads(store, plusOne, 'b2b')).toMatchObject({ changed: [], skipped: [] });
	});

	it('re-scores a lead whose events passed the retention to the score it had: 40 behaviour + 20 fit + 15 adjusted = 75', async () => {
		const rules = [
			{ id: 'demo', event: 'Requested Demo', points: 40 },
			{ id: 'email', event: 'Opened Email', points: 2 },
		];
		const model = parseModel({
			version: 1,
			rules,
			fit: [
				{ id: 'vp', when: [{ path: 'profile.title', op: 'contains', value: 'VP' }], points: 20 },
			],
			decay: { type: 'none' },
			bounds: { min: 0, max: 100 },
		});
		const demo: EventInput = {
			leadId: 'ada@example.com',
			name: 'Requested Demo',
			eventId: 'd1',
			time: NOV_1,
			data: { profile: { title: 'VP Sales' } },
			hasProfile: true,
		};
		await scoreEvents(store, model, 'default', [demo]);
		await adjustLeads(store, model, 'default', [
			{
				leadId: 'ada@example.com',
				mode: 'add',
				points: 15,
				reason: 'met at a fair',
				time: NOV_1 + 1000,
			},
		]);
		const score = async () =>
			(await store.getLeads('default', ['ada@example.com'])).get('ada@example.com')!.state.score;
		expect(await score()).toBe(75);
		// 91 days later every kept event is past the 90-day retention.
		await forgetOldHistory(
			store,
			model,
			'default',
			{ eventDays: 90, ledgerDays: 365 },
			Date.now() + 91 * DAY_MS,
		);
		expect(
			(await store.listEvents('default', { from: 0, to: Number.MAX_SAFE_INTEGER }, null, 10))
				.events,
		).toEqual([]);
		expect(await rescoreLeads(store, model, 'default')).toMatchObject({
			changed: [],
			skipped: [],
			leads: 1,
		});
		expect(await score()).toBe(75);
		// Kept events replay on top of what the forgotten ones gave, under a changed model too.
		await scoreEvents(store, model, 'default', [
			{
				leadId: 'ada@example.com',
				name: 'Opened Email',
				eventId: 'm1',
				time: NOV_1 + 2000,
				data: {},
				hasProfile: false,
			},
		]);
		expect(await score()).toBe(77);
		expect((await rescoreLeads(store, model, 'default')).changed).toEqual([]);
		const changed = parseModel({
			...JSON.parse(JSON.stringify(model)),
			rules: [rules[0], { ...rules[1], points: 5 }],
		});
		const summary = await rescoreLeads(store, changed, 'default');
		expect(summary.skipped).toEqual([]);
		expect(summary.changed).toMatchObject([
			{ leadId: 'ada@example.com', previousScore: 77, score: 80, events: 1 },
		]);
		expect(await score()).toBe(80);
	});

	it("keeps a Re-Score's progress and items with the page that commits them, until the run ends", async () => {
		await scoreEvents(store, plusOne, 'default', [
			ping('ada@example.com', 'e1'),
			ping('bob@example.com', 'e2'),
			ping('cy@example.com', 'e3'),
		]);
		const page = (
			leadIds: string[],
			progress: { modelVersion: string; after: string; leads: number },
			fail = false,
		) =>
			store.updateLeads('default', leadIds, [], (snapshot) => {
				const leads = new Map(
					[...snapshot.leads].map(([leadId, state]) => [leadId, { ...state, score: 5 }]),
				);
				if (fail) throw new Error('stopped');
				const items = new Map(leadIds.map((leadId) => [leadId, { changed: { leadId, score: 5 } }]));
				return { leads, events: [], ledger: [], rescore: { progress, items } };
			});
		expect(await store.rescoreProgress('default')).toBeUndefined();
		await page(['ada@example.com', 'bob@example.com'], {
			modelVersion: 'v1',
			after: 'bob@example.com',
			leads: 2,
		});
		// A page that fails writes neither its leads nor its progress.
		await expect(
			page(['cy@example.com'], { modelVersion: 'v1', after: 'cy@example.com', leads: 3 }, true),
		).rejects.toThrow('stopped');
		expect(await store.rescoreProgress('default')).toEqual({
			modelVersion: 'v1',
			after: 'bob@example.com',
			leads: 2,
		});
		expect(await store.rescoreProgress('other')).toBeUndefined();
		const first = await store.rescoreItems('default', null, 1);
		expect(first).toEqual({
			items: [
				{ leadId: 'ada@example.com', item: { changed: { leadId: 'ada@example.com', score: 5 } } },
			],
			next: 'ada@example.com',
		});
		expect(await store.rescoreItems('default', first.next, 1)).toEqual({
			items: [
				{ leadId: 'bob@example.com', item: { changed: { leadId: 'bob@example.com', score: 5 } } },
			],
			next: null,
		});
		// A page under another model replaces the progress, and the items kept with it.
		await page(['cy@example.com'], { modelVersion: 'v2', after: 'cy@example.com', leads: 1 });
		expect(await store.rescoreProgress('default')).toEqual({
			modelVersion: 'v2',
			after: 'cy@example.com',
			leads: 1,
		});
		expect(
			(await store.rescoreItems('default', null, 10)).items.map((kept) => kept.leadId),
		).toEqual(['cy@example.com']);
		await store.endRescore('default');
		expect(await store.rescoreProgress('default')).toBeUndefined();
		expect(await store.rescoreItems('default', null, 10)).toEqual({ items: [], next: null });
	});

	it('goes on with a Re-Score stopped after two pages, and ends as one uninterrupted run', async () => {
		const leadIds = Array.from({ length: 7 }, (_, i) => `lead-${i}@example.com`);
		const setUp = async (target: ScoreStore) =>
			await scoreEvents(
				target,
				plusOne,
				'default',
				leadIds.map((leadId, i) => ping(leadId, `e${i}`)),
			);
		await setUp(store);
		const doubled = parseModel({
			...JSON.parse(JSON.stringify(plusOne)),
			rules: [{ id: 'plus-two', event: 'Ping', points: 2 }],
		});
		const options = { pageSize: 2, now: () => NOV_1 + DAY_MS };
		const stopping = stoppingAfter(store, 2);
		await expect(rescoreLeads(stopping, doubled, 'default', options)).rejects.toThrow(
			'n8n stopped',
		);
		expect(await store.rescoreProgress('default')).toEqual({
			modelVersion: modelVersion(doubled),
			after: leadIds[3],
			leads: 4,
		});
		const { store: counted, listed } = counting(store);
		const resumed = await rescoreLeads(counted, doubled, 'default', options);
		expect(listed).toEqual(leadIds.slice(4));
		const whole = new MemoryStore();
		await setUp(whole);
		expect(resumed).toEqual(await rescoreLeads(whole, doubled, 'default', options));
		expect(resumed.changed.map((lead) => [lead.leadId, lead.previousScore, lead.score])).toEqual(
			leadIds.map((leadId) => [leadId, 1, 2]),
		);
		expect(await store.rescoreProgress('default')).toBeUndefined();
		expect((await store.rescoreItems('default', null, 10)).items).toEqual([]);
	});

	it('never replays an incomplete history as complete: a lead whose events were forgotten without a baseline is skipped with the reason', async () => {
		await scoreEvents(store, plusOne, 'default', [
			ping('ada@example.com', 'e1'),
			ping('ada@example.com', 'e2'),
		]);
		// What an older version left: an event deleted without what it gave.
		const [kept] = (
			await store.listEvents('default', { from: 0, to: Number.MAX_SAFE_INTEGER }, null, 1)
		).events;
		await store.updateLeads('default', ['ada@example.com'], [], () => ({
			leads: new Map(),
			events: [],
			ledger: [],
			forgetEvents: { leadIds: ['ada@example.com'], beforeSeq: kept.seq + 1 },
		}));
		const summary = await rescoreLeads(store, plusOne, 'default');
		expect(summary.changed).toEqual([]);
		expect(summary.skipped).toEqual([
			{
				leadId: 'ada@example.com',
				score: 2,
				tier: 'nurture',
				reason: expect.stringContaining(
					'the store counted 2 events for it but only 1 can be replayed',
				),
			},
		]);
		expect(
			(await store.getLeads('default', ['ada@example.com'])).get('ada@example.com')!.state.score,
		).toBe(2);
	});

	it("fails only the item holding a value no store can keep; the sender's retry scores the good events once", async () => {
		const batch = [
			ping('ada@example.com', 'ok-1'),
			ping('ada@example.com', 'x'.repeat(8000)),
			ping('bob@example.com', 'ok-2', NOV_1, { note: 'half an emoji \ud83d' }),
			ping('carol@example.com', 'ok-3', 1e20),
			ping('l'.repeat(300), 'ok-4'),
			ping('bob@example.com', 'ok-5', NOV_1, { count: Number.NaN }),
			ping('dan@example.com', 'ok-6'),
		];
		const expected = [
			[1, false],
			'The event ID has 8000 characters; at most 256 can be stored.',
			"The event's data cannot be stored: the text at note has an unpaired surrogate.",
			'The event time (100000000000000000000 ms) is outside the dates that can be stored.',
			'The lead ID has 300 characters; at most 256 can be stored.',
			"The event's data cannot be stored: the number at count is NaN.",
			[1, false],
		];
		const outcome = (results: Awaited<ReturnType<typeof scoreEvents>>) =>
			scoresOf(results).map((result) => (result instanceof Error ? result.message : result));
		expect(outcome(await scoreEvents(store, plusOne, 'default', batch))).toEqual(expected);
		expect(outcome(await scoreEvents(store, plusOne, 'default', batch))).toEqual(
			expected.map((result) => (Array.isArray(result) ? [1, true] : result)),
		);
		const leads = await store.getLeads('default', [
			'ada@example.com',
			'bob@example.com',
			'carol@example.com',
			'dan@example.com',
		]);
		expect([...leads].map(([leadId, lead]) => [leadId, lead.state.score])).toEqual([
			['ada@example.com', 1],
			['dan@example.com', 1],
		]);
	});

	it('refuses an adjustment whose sum would overflow, alone: two Adjust items of +1e308, and a sum past 1e12', async () => {
		const adjust = (leadId: string, points: number) => ({
			leadId,
			mode: 'add' as const,
			points,
			reason: 'by hand',
			time: NOV_1,
		});
		const results = await adjustLeads(store, plusOne, 'default', [
			adjust('ada@example.com', 1e308),
			adjust('ada@example.com', 1e308),
			adjust('bob@example.com', 9e11),
			adjust('bob@example.com', 9e11),
			adjust('bob@example.com', 5),
			{ ...adjust('carol@example.com', 1), reason: 'lone \udc00 surrogate' },
		]);
		expect(
			results.map((result) => ('error' in result ? result.error.message : result.value.score)),
		).toEqual([
			'Points is 1e+308; points must be finite and between -1e+12 and 1e+12.',
			'Points is 1e+308; points must be finite and between -1e+12 and 1e+12.',
			900000000000,
			'The score would become 1800000000000 (a change of 900000000000), beyond the 1e+12 points a score can hold; nothing was written for this item.',
			900000000005,
			'The reason is not valid Unicode text (it has an unpaired surrogate).',
		]);
		expect(
			(await store.ledger('default', 'bob@example.com', 10)).map((entry) => entry.score),
		).toEqual([900000000005, 900000000000]);
		expect((await store.getLeads('default', ['ada@example.com', 'carol@example.com'])).size).toBe(
			0,
		);
	});

	it('lists kept events of an event-time range in commit order, in pages, with their data', async () => {
		const hour = 3_600_000;
		// Committed out of time order: the listing follows commits, the range follows event time.
		const times = [5, 1, 8, 3, 9, 0, 7, 2, 6, 4];
		await scoreEvents(
			store,
			plusOne,
			'default',
			times.map((t) =>
				ping(t % 2 ? 'ada@example.com' : 'bob@example.com', `e${t}`, NOV_1 + t * hour, {
					page: `/p/${t}`,
					nested: { ü: [t] },
				}),
			),
		);
		await scoreEvents(store, plusOne, 'other', [ping('ada@example.com', 'x1', NOV_1 + 3 * hour)]);
		const listed: StoredEvent[] = [];
		const pageSizes: number[] = [];
		let after: number | null = null;
		do {
			const page = await store.listEvents(
				'default',
				{ from: NOV_1 + 2 * hour, to: NOV_1 + 7 * hour },
				after,
				2,
			);
			listed.push(...page.events);
			pageSizes.push(page.events.length);
			after = page.next;
		} while (after !== null);
		expect(listed.map((event) => event.eventId)).toEqual(['e5', 'e3', 'e7', 'e2', 'e6', 'e4']);
		expect(pageSizes).toEqual([2, 2, 2]);
		expect(listed[0]).toMatchObject({
			leadId: 'ada@example.com',
			name: 'Ping',
			time: NOV_1 + 5 * hour,
			payload: { data: { page: '/p/5', nested: { ü: [5] } }, hasProfile: false },
		});
		expect(listed.every((event, i) => i === 0 || event.seq > listed[i - 1].seq)).toBe(true);
		expect(Math.abs(listed[0].receivedAt - Date.now())).toBeLessThan(60_000);
	});

	it('hands the decision every kept event of the requested leads, oldest event time first', async () => {
		await scoreEvents(store, plusOne, 'default', [
			ping('ada@example.com', 'late', NOV_1 + 2000),
			ping('ada@example.com', 'early', NOV_1 + 1000),
			ping('bob@example.com', 'b1'),
		]);
		await scoreEvents(store, plusOne, 'default', [ping('ada@example.com', 'no-data')], {
			keepEventData: false,
		});
		let seen: LeadsSnapshot | undefined;
		await store.updateLeads(
			'default',
			['ada@example.com', 'carol@example.com'],
			[
				{ leadId: 'ada@example.com', eventId: 'early' },
				{ leadId: 'ada@example.com', eventId: 'unknown' },
				{ leadId: 'carol@example.com', eventId: 'b1' },
			],
			(snapshot) => {
				seen = snapshot;
				return { leads: new Map(), events: [], ledger: [] };
			},
			{ withEvents: true },
		);
		const events = seen!.events!;
		expect([...events.keys()].sort()).toEqual(['ada@example.com', 'carol@example.com']);
		expect(
			events.get('ada@example.com')!.map((event) => [event.eventId, event.payload === null]),
		).toEqual([
			['no-data', true],
			['early', false],
			['late', false],
		]);
		expect(events.get('carol@example.com')).toEqual([]);
		expect([...seen!.seenEvents.keys()]).toEqual([eventKey('ada@example.com', 'early')]);
		expect(seen!.seenEvents.get(eventKey('ada@example.com', 'early'))).toMatchObject({
			score: 2,
			previousScore: 1,
			revision: 2,
		});
		expect(seen!.leads.get('ada@example.com')!.score).toBe(3);
		expect(seen!.leads.has('carol@example.com')).toBe(false);
	});

	it('keeps threshold crossing states per threshold key and lead, atomically', async () => {
		const read = async (key: string, leadIds: string[]) => {
			let states = new Map<string, ThresholdState>();
			await store.updateThresholdStates(key, leadIds, (current) => {
				states = new Map(current);
				return new Map();
			});
			return states;
		};
		expect(await read('mql', ['ada@example.com'])).toEqual(new Map());
		await store.updateThresholdStates(
			'mql',
			['ada@example.com', 'bob@example.com'],
			() => new Map([['ada@example.com', { crossed: true, score: 80 }]]),
		);
		await store.updateThresholdStates(
			'sql',
			['ada@example.com'],
			() => new Map([['ada@example.com', { crossed: false, score: 12.5 }]]),
		);
		expect(await read('mql', ['ada@example.com', 'bob@example.com'])).toEqual(
			new Map([['ada@example.com', { crossed: true, score: 80 }]]),
		);
		expect(await read('sql', ['ada@example.com'])).toEqual(
			new Map([['ada@example.com', { crossed: false, score: 12.5 }]]),
		);
		await expect(
			store.updateThresholdStates('mql', ['ada@example.com'], () => {
				throw new Error('threshold failed');
			}),
		).rejects.toThrow('threshold failed');
		// Concurrent read-modify-write steps on one state never lose an update.
		await Promise.all(
			Array.from({ length: 20 }, () =>
				store.updateThresholdStates('mql', ['ada@example.com'], (current) => {
					const state = current.get('ada@example.com')!;
					return new Map([['ada@example.com', { crossed: state.crossed, score: state.score + 1 }]]);
				}),
			),
		);
		expect(await read('mql', ['ada@example.com'])).toEqual(
			new Map([['ada@example.com', { crossed: true, score: 100 }]]),
		);
	});

	it('keeps the score revision a crossing state was decided on, and the one that crossed', async () => {
		await store.updateThresholdStates(
			'mql',
			['ada@example.com'],
			() =>
				new Map([
					['ada@example.com', { crossed: true, score: 80, revision: 16, transitionRevision: 12 }],
				]),
		);
		let stored: ThresholdState | undefined;
		await store.updateThresholdStates('mql', ['ada@example.com'], (current) => {
			stored = current.get('ada@example.com');
			return new Map();
		});
		expect(stored).toEqual({ crossed: true, score: 80, revision: 16, transitionRevision: 12 });
	});

	it('keeps the model each score was last scored with, by version, and says when it changes', async () => {
		const v1 = {
			version: 'v1',
			model: { version: 1, rules: [{ id: 'a', event: 'A', points: 1 }] },
			usedAt: 1_000,
		};
		const v2 = {
			version: 'v2',
			model: { version: 1, rules: [{ id: 'b', event: 'B', points: 2 }] },
			usedAt: 1_000,
		};
		expect(await store.currentModel('default')).toBeUndefined();
		expect(await store.useModel('default', v1)).toBeNull();
		expect(await store.useModel('default', v1)).toBeNull();
		expect(await store.currentModel('default')).toMatchObject({ version: 'v1', model: v1.model });
		// Another model for the same score: the previous version is reported, and the new one is the score's model.
		expect(await store.useModel('default', v2)).toBe('v1');
		expect(await store.currentModel('default')).toMatchObject({ version: 'v2', model: v2.model });
		expect(await store.useModel('default', v1)).toBe('v2');
		expect((await store.currentModel('default'))?.version).toBe('v1');
		// Scores are apart.
		expect(await store.currentModel('other')).toBeUndefined();
	});
}

export interface ProcessTarget {
	/** Arguments before the mode, e.g. `[path]` or `['--store', 'postgres', schema]`. */
	writerArgs: string[];
	env?: Record<string, string>;
	open(): ScoreStore;
}

export function runWriter(target: ProcessTarget, args: string[]): Promise<void> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [WRITER, ...target.writerArgs, ...args], {
			stdio: ['ignore', 'ignore', 'pipe'],
			env: { ...process.env, ...target.env },
		});
		let stderr = '';
		child.stderr.on('data', (chunk) => (stderr += chunk));
		child.on('exit', (code) =>
			code === 0 ? resolve() : reject(new Error(`writer failed (${code}): ${stderr}`)),
		);
	});
}

export function requireBuild(): void {
	if (
		!existsSync(join(__dirname, '../../dist/lib/store/postgres/postgresStore.js')) ||
		!existsSync(join(__dirname, '../../dist/lib/store/sqliteStore.js'))
	) {
		throw new Error('Run `npm run build` first: the multi-process tests run the built store.');
	}
}

/**
 * Several processes on one store, through the built package. `prepare` gives a fresh target whose
 * schema exists, so writers race on data, not on migrations.
 */
export function describeAcrossProcesses(prepare: () => Promise<ProcessTarget>): void {
	beforeAll(requireBuild);

	it('8 concurrent writers adding +1 to one lead 1,000 times each end at exactly 8,000; shared event ids count once', async () => {
		const target = await prepare();
		const startAt = String(Date.now() + 1000);
		await Promise.all(
			Array.from({ length: 8 }, (_, writer) =>
				runWriter(target, ['plus-one', String(writer), '1000', '50', startAt]),
			),
		);
		const store = target.open();
		const lead = (await store.getLeads('default', ['ada@example.com'])).get('ada@example.com')!;
		expect(lead.state.score).toBe(8000 + 50);
		expect(lead.state.eventCount).toBe(8050);
		const counted = await store.listEvents(
			'default',
			{ from: 0, to: Number.MAX_SAFE_INTEGER },
			null,
			10_000,
		);
		expect(counted.events.filter((event) => event.eventId!.startsWith('shared-'))).toHaveLength(50);
		await store.close();
	}, 300_000);

	it('a writer killed mid-batch loses no committed event and commits no partial batch', async () => {
		const target = await prepare();
		const child = spawn(process.execPath, [WRITER, ...target.writerArgs, 'stream', '0', '0'], {
			stdio: ['ignore', 'pipe', 'pipe'],
			env: { ...process.env, ...target.env },
		});
		let acknowledged = 0;
		let stderr = '';
		child.stderr.on('data', (chunk) => (stderr += chunk));
		await new Promise<void>((resolve, reject) => {
			child.on('exit', () => reject(new Error(`writer ended before it was killed: ${stderr}`)));
			child.stdout.on('data', (chunk: Buffer) => {
				for (const match of chunk.toString().matchAll(/acked (\d+)/g))
					acknowledged = Number(match[1]);
				// Kill at an arbitrary moment once some batches are in, most likely inside a transaction.
				if (acknowledged >= 5000 && !child.killed) {
					child.kill('SIGKILL');
					resolve();
				}
			});
		});
		if (child.exitCode === null && child.signalCode === null)
			await new Promise((resolve) => child.on('exit', resolve));
		const store = target.open();
		const lead = (await store.getLeads('default', ['ada@example.com'])).get('ada@example.com')!;
		expect(lead.state.score).toBeGreaterThanOrEqual(acknowledged);
		expect(lead.state.score % 500).toBe(0);
		expect(lead.state.eventCount).toBe(lead.state.score);
		// Every counted event is remembered, so a retry of the lost batch counts only what was not committed.
		const retry = await scoreEvents(
			store,
			plusOne,
			'default',
			Array.from({ length: 500 }, (_, i) => ping('ada@example.com', `b0-${i}`)),
		);
		expect(retry.every((result) => result.ok && result.value.duplicate)).toBe(true);
		await store.close();
	}, 120_000);
}
