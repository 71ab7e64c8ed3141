import { scoreEvents } from '../../lib/service/scoreBatch';
import type { EventInput } from '../../lib/scoring/leadScore';
import { parseModel } from '../../lib/scoring/model';
import { modelVersion } from '../../lib/scoring/modelVersion';
import { DEFAULT_REPORTING } from '../../lib/scoring/reporting';
import { rescoreLeads, type RescoredLead } from '../../lib/service/rescore';
import type { ScoreStore } from '../../lib/store/scoreStore';
import { SqliteStore } from '../../lib/store/sqliteStore';
import { counting, stoppingAfter } from '../helpers/interceptedStore';

const START = Date.parse('2026-11-01T00:00:00Z');
const flat = (points: number) =>
	parseModel({
		version: 1,
		rules: [{ id: 'visit', event: 'Ping', points }],
		decay: { type: 'none' },
	});
const LEADS = Array.from(
	{ length: 30 },
	(_, i) => `lead-${String(i).padStart(2, '0')}@example.com`,
);

async function storeWithLeads(): Promise<SqliteStore> {
	const store = new SqliteStore(':memory:');
	const events: EventInput[] = LEADS.flatMap((leadId, i) =>
		[0, 1].map((n) => ({
			leadId,
			name: 'Ping',
			eventId: `e-${i}-${n}`,
			time: START + n * 1000,
			data: {},
			hasProfile: false,
		})),
	);
	await scoreEvents(store, flat(20), 'default', events);
	return store;
}

const handedOn = (leads: RescoredLead[]) =>
	leads
		.map(({ leadId, score, previousScore, delta, tier, previousTier }) => ({
			leadId,
			score,
			previousScore,
			delta,
			tier,
			previousTier,
		}))
		.sort((a, b) => a.leadId.localeCompare(b.leadId));

const states = async (store: ScoreStore) =>
	[...(await store.getLeads('default', LEADS)).values()].map((record) => record.state);

/** Every lead's history; the scoring rows' commit times are those of each store's setup. */
const ledgers = async (store: ScoreStore) =>
	(await Promise.all(LEADS.map((leadId) => store.ledger('default', leadId, 10)))).map((entries) =>
		entries.map((entry) => (entry.event === 'rescore' ? entry : { ...entry, recordedAt: 0 })),
	);

/** Nothing of a Re-Score is left in the store: no progress, no kept items. */
async function expectNoProgress(store: ScoreStore): Promise<void> {
	expect(await store.rescoreProgress('default')).toBeUndefined();
	expect(await store.rescoreItems('default', null, 100)).toEqual({ items: [], next: null });
}

describe('Re-Score stopped midway (n8n killed) and run again', () => {
	const tuned = flat(21);
	// One clock for every run, so the items and history rows of two runs can be compared whole.
	const options = { pageSize: 7, reporting: DEFAULT_REPORTING, now: () => START + 86_400_000 };

	it('goes on after the last committed page, hands every changed lead on once, and ends as one uninterrupted run', async () => {
		const whole = await storeWithLeads();
		const uninterrupted = await rescoreLeads(whole, tuned, 'default', options);
		expect(uninterrupted.changed).toHaveLength(30);
		await expectNoProgress(whole);

		const stopped = await storeWithLeads();
		// Two pages (14 leads) are committed, then the process is gone: their items never went out.
		await expect(
			rescoreLeads(stoppingAfter(stopped, 2), tuned, 'default', options),
		).rejects.toThrow('n8n stopped');
		expect(await stopped.rescoreProgress('default')).toEqual({
			modelVersion: modelVersion(tuned),
			after: LEADS[13],
			leads: 14,
		});
		const rerun = counting(stopped);
		const resumed = await rescoreLeads(rerun.store, tuned, 'default', options);

		// Only the 16 leads after the last committed one are read and replayed again.
		expect(rerun.listed).toEqual(LEADS.slice(14));
		expect(rerun.replayed).toEqual(LEADS.slice(14));
		// The items are those of the uninterrupted run, in the same order, each lead once.
		expect(resumed).toEqual(uninterrupted);
		expect(handedOn(resumed.changed)[0]).toEqual({
			leadId: 'lead-00@example.com',
			score: 42,
			previousScore: 40,
			delta: 2,
			tier: 'warming',
			previousTier: 'warming',
		});
		expect(await states(stopped)).toEqual(await states(whole));
		expect(await ledgers(stopped)).toEqual(await ledgers(whole));
		await expectNoProgress(stopped);
		// Handed on once: a third run, on either store, has nothing left to hand on, and reads every lead.
		const third = counting(stopped);
		expect((await rescoreLeads(third.store, tuned, 'default', options)).changed).toEqual([]);
		expect(third.listed).toEqual(LEADS);
		expect((await rescoreLeads(whole, tuned, 'default', options)).changed).toEqual([]);
		await whole.close();
		await stopped.close();
	});

	it('goes on after a second stop too, and counts the swept leads of every run', async () => {
		const whole = await storeWithLeads();
		const uninterrupted = await rescoreLeads(whole, tuned, 'default', options);
		const stopped = await storeWithLeads();
		await expect(
			rescoreLeads(stoppingAfter(stopped, 1), tuned, 'default', options),
		).rejects.toThrow('n8n stopped');
		await expect(
			rescoreLeads(stoppingAfter(stopped, 2), tuned, 'default', options),
		).rejects.toThrow('n8n stopped');
		expect((await stopped.rescoreProgress('default'))?.leads).toBe(21);
		const rerun = counting(stopped);
		expect(await rescoreLeads(rerun.store, tuned, 'default', options)).toEqual(uninterrupted);
		expect(rerun.listed).toEqual(LEADS.slice(21));
		await whole.close();
		await stopped.close();
	});

	it('hands every lead on when n8n stops after the last page, while the run was ending', async () => {
		const whole = await storeWithLeads();
		const uninterrupted = await rescoreLeads(whole, tuned, 'default', options);
		const stopped = await storeWithLeads();
		// Five pages committed, two of the five steps that end the run done: no item went out yet.
		await expect(
			rescoreLeads(stoppingAfter(stopped, 7), tuned, 'default', options),
		).rejects.toThrow('n8n stopped');
		const rerun = counting(stopped);
		expect(await rescoreLeads(rerun.store, tuned, 'default', options)).toEqual(uninterrupted);
		expect(rerun.replayed).toEqual([]);
		expect(await states(stopped)).toEqual(await states(whole));
		await expectNoProgress(stopped);
		await whole.close();
		await stopped.close();
	});

	it('leaves a lead changed since the stop to the change that handed it on', async () => {
		const stopped = await storeWithLeads();
		await expect(
			rescoreLeads(stoppingAfter(stopped, 2), tuned, 'default', options),
		).rejects.toThrow('n8n stopped');
		// An event for a lead of the first page goes out with everything downstream has not seen yet.
		const [event] = await scoreEvents(stopped, tuned, 'default', [
			{
				leadId: LEADS[0],
				name: 'Ping',
				eventId: 'late',
				time: START + 5000,
				data: {},
				hasProfile: false,
			},
		]);
		expect(event.ok && [event.value.previousScore, event.value.score]).toEqual([40, 63]);
		const rerun = await rescoreLeads(stopped, tuned, 'default', options);
		expect(rerun.changed.map((lead) => lead.leadId)).toEqual(LEADS.slice(1));
		await stopped.close();
	});

	it('starts over under another model, reading every lead, and hands on what downstream has not seen', async () => {
		const other = flat(22);
		const fresh = await storeWithLeads();
		const direct = await rescoreLeads(fresh, other, 'default', options);
		const stopped = await storeWithLeads();
		await expect(
			rescoreLeads(stoppingAfter(stopped, 2), tuned, 'default', options),
		).rejects.toThrow('n8n stopped');
		const rerun = counting(stopped);
		const changed = await rescoreLeads(rerun.store, other, 'default', options);
		expect(rerun.listed).toEqual(LEADS);
		expect(rerun.replayed).toEqual(LEADS);
		// From the score downstream holds (40), as from a store no run had touched.
		expect(handedOn(changed.changed)).toEqual(handedOn(direct.changed));
		expect(changed.leads).toBe(30);
		// The same scores; the leads of the stopped run's pages were written once more (their revision).
		const withoutRevision = async (store: ScoreStore) =>
			(await states(store)).map((state) => ({ ...state, revision: null }));
		expect(await withoutRevision(stopped)).toEqual(await withoutRevision(fresh));
		await expectNoProgress(stopped);
		await fresh.close();
		await stopped.close();
	});

	it('hands on the kept items once the first page of a run under another model has not replaced them', async () => {
		const stopped = await storeWithLeads();
		await expect(
			rescoreLeads(stoppingAfter(stopped, 2), tuned, 'default', options),
		).rejects.toThrow('n8n stopped');
		// A run under another model that stops before its first page commits leaves the progress as it was.
		await expect(
			rescoreLeads(stoppingAfter(stopped, 0), flat(22), 'default', options),
		).rejects.toThrow('n8n stopped');
		expect((await stopped.rescoreProgress('default'))?.after).toBe(LEADS[13]);
		expect((await rescoreLeads(stopped, tuned, 'default', options)).changed).toHaveLength(30);
		await stopped.close();
	});
});
