import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { readScores } from '../../lib/service/readScores';
import { adjustLeads, scoreEvents } from '../../lib/service/scoreBatch';
import type { AdjustInput, EventInput } from '../../lib/scoring/leadScore';
import { parseModel } from '../../lib/scoring/model';
import { modelVersion } from '../../lib/scoring/modelVersion';
import { replayLead } from '../../lib/scoring/replay';
import { rescoreLeads } from '../../lib/service/rescore';
import { SqliteStore } from '../../lib/store/sqliteStore';
import { DAY, random, START } from '../../sandbox/backtestData';

const live = parseModel({
	version: 1,
	label: 'live',
	rules: [
		{ id: 'pricing', event: 'Viewed Pricing', points: 10, limit: { max: 3, perDays: 1 } },
		{ id: 'demo', event: 'Requested Demo', points: 30, frequency: 'once' },
		{ id: 'email', event: 'Opened Email', points: 2 },
		{ id: 'unsubscribed', event: 'Unsubscribed', points: -20 },
	],
	fit: [
		{
			id: 'senior',
			when: [{ path: 'profile.title', op: 'matches', value: 'VP|Head' }],
			points: 15,
		},
	],
	decay: { type: 'halfLife', days: 14 },
	bounds: { min: 0, max: 100 },
});

const NAMES = [
	'Viewed Pricing',
	'Requested Demo',
	'Opened Email',
	'Opened Email',
	'Unsubscribed',
	'Viewed Pricing',
];

/** Thousands of events over 60 leads; a quarter arrive late (up to 10 days), so arrival order differs from event time. */
function generatedEvents(count: number, seed: number): EventInput[] {
	const rand = random(seed);
	return Array.from({ length: count }, (_, i) => {
		const lateBy = rand() < 0.25 ? rand() * 10 * DAY : 0;
		const withProfile = rand() < 0.1;
		return {
			leadId: `lead-${Math.floor(rand() * 60)}@example.com`,
			name: NAMES[Math.floor(rand() * NAMES.length)],
			eventId: `evt-${i}`,
			time: Math.round(START + (i / count) * 60 * DAY - lateBy),
			data: withProfile ? { profile: { title: rand() < 0.5 ? 'VP Sales' : 'Analyst' } } : {},
			hasProfile: withProfile,
		};
	});
}

function openStore() {
	return new SqliteStore(join(mkdtempSync(join(tmpdir(), 'lead-lifecycle-')), 'scores.sqlite'));
}

async function scoreInRandomChunks(store: SqliteStore, events: EventInput[], seed: number) {
	const rand = random(seed);
	for (let start = 0; start < events.length; ) {
		const size = 1 + Math.floor(rand() * 300);
		const results = await scoreEvents(store, live, 'default', events.slice(start, start + size));
		expect(results.every((result) => result.ok)).toBe(true);
		start += size;
	}
}

/** A sales adjustment on day 61, after every generated event. */
async function adjustAfterTheEvents(store: SqliteStore, adjustment: Omit<AdjustInput, 'time'>) {
	await adjustLeads(store, live, 'default', [{ ...adjustment, time: START + 61 * DAY }]);
}

describe('replaying kept events', () => {
	it('gives exactly the stored scores for thousands of events with late and out-of-order arrivals', async () => {
		const store = openStore();
		const events = generatedEvents(5000, 11);
		await scoreInRandomChunks(store, events, 3);
		// Some events come twice (webhook retries): counted once, replayed once.
		await scoreEvents(store, live, 'default', events.slice(100, 400));
		await adjustAfterTheEvents(store, {
			leadId: 'lead-1@example.com',
			mode: 'add',
			points: 12,
			reason: 'call',
		});

		let leads = 0;
		let after: string | null = null;
		do {
			const page = await store.listLeads('default', after, 25);
			after = page.next;
			await store.updateLeads(
				'default',
				page.leads.map((lead) => lead.leadId),
				[],
				(snapshot) => {
					for (const [leadId, stored] of snapshot.leads) {
						const replayed = replayLead(live, snapshot.events!.get(leadId)!)!;
						expect({
							leadId,
							score: replayed.score,
							tier: replayed.tier,
							engagement: replayed.engagement,
							counters: replayed.counters,
						}).toEqual({
							leadId,
							score: stored.score,
							tier: stored.tier,
							engagement: stored.engagement,
							counters: stored.counters,
						});
						leads++;
					}
					return { leads: new Map(), events: [], ledger: [] };
				},
				{ withEvents: true },
			);
		} while (after !== null);
		expect(leads).toBe(60);
		await store.close();
	});
});

describe('re-scoring under a new model', () => {
	it('changes only what the new model changes, records the versions, and is idempotent', async () => {
		const store = openStore();
		await scoreInRandomChunks(store, generatedEvents(2000, 5), 9);
		await adjustAfterTheEvents(store, {
			leadId: 'lead-2@example.com',
			mode: 'set',
			points: 90,
			reason: 'sales call',
		});

		expect((await rescoreLeads(store, live, 'default')).changed).toEqual([]);

		const tuned = parseModel({
			...live,
			label: 'tuned',
			rules: live.rules.map((rule) => (rule.id === 'email' ? { ...rule, points: 5 } : rule)),
		});
		const first = await rescoreLeads(store, tuned, 'default', { pageSize: 7 });
		expect(first.leads).toBe(60);
		expect(first.skipped).toEqual([]);
		expect(first.changed.length).toBeGreaterThan(30);
		for (const lead of first.changed) {
			expect(lead).toMatchObject({
				modelVersion: modelVersion(tuned),
				previousModelVersion: modelVersion(live),
			});
			expect(lead.delta).toBeCloseTo(lead.score - lead.previousScore, 2);
		}
		// The manual "set to 90", the lead's last change, is replayed as it was made, so the new model keeps it.
		expect(first.changed.map((lead) => lead.leadId)).not.toContain('lead-2@example.com');
		expect(
			(await readScores(store, tuned, 'default', ['lead-2@example.com'], START, 0)).get(
				'lead-2@example.com',
			),
		).toMatchObject({ ok: true, value: { storedScore: 90 } });

		expect((await rescoreLeads(store, tuned, 'default')).changed).toEqual([]);
		await store.close();
	});

	it('leaves a lead untouched when some of its events were kept without data', async () => {
		const store = openStore();
		const events = generatedEvents(200, 8).map((event) => ({
			...event,
			leadId: event.leadId.startsWith('lead-1') ? 'ids-only@example.com' : event.leadId,
		}));
		await scoreEvents(
			store,
			live,
			'default',
			events.filter((event) => event.leadId === 'ids-only@example.com'),
			{ keepEventData: false },
		);
		await scoreEvents(
			store,
			live,
			'default',
			events.filter((event) => event.leadId !== 'ids-only@example.com'),
		);
		const stored = (await store.getLeads('default', ['ids-only@example.com'])).get(
			'ids-only@example.com',
		)!;
		const tuned = parseModel({
			...live,
			rules: live.rules.map((rule) => ({ ...rule, points: rule.points * 2 })),
		});
		const summary = await rescoreLeads(store, tuned, 'default');
		expect(summary.skipped).toEqual([
			{
				leadId: 'ids-only@example.com',
				score: stored.state.score,
				tier: stored.state.tier,
				reason:
					'some of its kept events have no data (Keep Event Data was off), so they cannot be replayed',
			},
		]);
		expect(
			(await store.getLeads('default', ['ids-only@example.com'])).get('ids-only@example.com')!
				.state,
		).toEqual(stored.state);
		await store.close();
	});
});
