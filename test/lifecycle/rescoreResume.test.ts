import { scoreEvents } from '../../lib/service/scoreBatch';
import type { EventInput } from '../../lib/scoring/leadScore';
import { parseModel } from '../../lib/scoring/model';
import { DEFAULT_REPORTING } from '../../lib/scoring/reporting';
import { rescoreLeads, type RescoredLead } from '../../lib/service/rescore';
import type { ScoreStore } from '../../lib/store/scoreStore';
import { SqliteStore } from '../../lib/store/sqliteStore';

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

/** The store as n8n sees it when the process stops: pages committed so far stay, nothing after them runs. */
function stoppingAfter(store: ScoreStore, pages: number): ScoreStore {
	let left = pages;
	return new Proxy(store, {
		get(target, property, receiver) {
			if (property === 'updateLeads') {
				return async (...args: Parameters<ScoreStore['updateLeads']>) => {
					if (left-- <= 0) throw new Error('n8n stopped');
					await target.updateLeads(...args);
				};
			}
			const value = Reflect.get(target, property, receiver) as unknown;
			return typeof value === 'function'
				? (value as (...a: unknown[]) => unknown).bind(target)
				: value;
		},
	});
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

describe('Re-Score stopped midway (n8n killed) and run again', () => {
	it('hands every changed lead on and leaves the store as one uninterrupted run does', async () => {
		const tuned = flat(21);
		const options = { pageSize: 7, reporting: DEFAULT_REPORTING };
		const whole = await storeWithLeads();
		const uninterrupted = await rescoreLeads(whole, tuned, 'default', options);
		expect(uninterrupted.changed).toHaveLength(30);

		const stopped = await storeWithLeads();
		// Two pages (14 leads) are committed, then the process is gone: their items never went out.
		await expect(
			rescoreLeads(stoppingAfter(stopped, 2), tuned, 'default', options),
		).rejects.toThrow('n8n stopped');
		const rerun = await rescoreLeads(stopped, tuned, 'default', options);

		expect(handedOn(rerun.changed)).toEqual(handedOn(uninterrupted.changed));
		expect(handedOn(rerun.changed)[0]).toEqual({
			leadId: 'lead-00@example.com',
			score: 42,
			previousScore: 40,
			delta: 2,
			tier: 'warming',
			previousTier: 'warming',
		});
		const states = async (store: ScoreStore) =>
			[...(await store.getLeads('default', LEADS)).values()].map((record) => record.state);
		expect(await states(stopped)).toEqual(await states(whole));
		for (const leadId of [LEADS[0], LEADS[29]]) {
			expect(
				(await stopped.ledger('default', leadId, 10)).map((entry) => [entry.event, entry.score]),
			).toEqual(
				(await whole.ledger('default', leadId, 10)).map((entry) => [entry.event, entry.score]),
			);
		}
		// Handed on once: a third run, on either store, has nothing left to hand on.
		expect((await rescoreLeads(stopped, tuned, 'default', options)).changed).toEqual([]);
		expect((await rescoreLeads(whole, tuned, 'default', options)).changed).toEqual([]);
		await whole.close();
		await stopped.close();
	});
});
