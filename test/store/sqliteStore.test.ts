import { mkdtempSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CHUNK_SIZE, scoreEvents } from '../../lib/service/scoreBatch';
import { rescoreLeads } from '../../lib/service/rescore';
import { parseModel } from '../../lib/scoring/model';
import { MemoryStore } from '../../lib/store/memoryStore';
import { SqliteStore } from '../../lib/store/sqliteStore';
import { stoppingAfter } from '../helpers/interceptedStore';
import { describeAcrossProcesses, describeStoreContract, ping, plusOne } from './storeContract';

function tempDb(): string {
	return join(mkdtempSync(join(tmpdir(), 'lead-store-')), 'scores.sqlite');
}

describe('SQLite store', () => {
	describeStoreContract(() => new SqliteStore(tempDb()));
});

/** Turns a current database back into what schema `version` (1 or 2) left, data kept. */
/** Makes the file look like one a store of schema `version` wrote. */
function downgrade(path: string, version: 1 | 2 | 3 | 6 | 7): void {
	const old = new DatabaseSync(path);
	old.exec(`DROP INDEX leads_by_score_tier;
		CREATE INDEX leads_by_score ON leads (score_name, score, lead_id);
		CREATE INDEX leads_by_tier ON leads (score_name, tier, score);`);
	if (version === 7) {
		old.exec('PRAGMA user_version = 7');
		old.close();
		return;
	}
	old.exec('DROP TABLE rescore_progress; DROP TABLE rescore_items;');
	if (version === 6) {
		old.exec('PRAGMA user_version = 6');
		old.close();
		return;
	}
	old.exec('DROP TABLE models');
	old.exec(`ALTER TABLE events DROP COLUMN outcome;
		DROP INDEX events_lead_event;
		CREATE UNIQUE INDEX events_event_id ON events (score_name, event_id) WHERE event_id IS NOT NULL;
		ALTER TABLE threshold_states DROP COLUMN transition_revision;`);
	if (version < 3) old.exec('ALTER TABLE leads DROP COLUMN baseline');
	if (version === 1) old.exec('ALTER TABLE threshold_states DROP COLUMN revision');
	old.exec(`PRAGMA user_version = ${version}`);
	old.close();
}

describe('SQLite store schema', () => {
	it('brings a database of the first schema version up to date, keeping its data', async () => {
		const path = tempDb();
		await scoreEvents(new SqliteStore(path), plusOne, 'default', [ping('ada@example.com', 'e1')]);
		downgrade(path, 1);
		const store = new SqliteStore(path);
		await store.updateThresholdStates(
			'mql',
			['ada@example.com'],
			() => new Map([['ada@example.com', { crossed: true, score: 80, revision: 3 }]]),
		);
		let stored;
		await store.updateThresholdStates('mql', ['ada@example.com'], (current) => {
			stored = current.get('ada@example.com');
			return new Map();
		});
		expect(stored).toEqual({ crossed: true, score: 80, revision: 3 });
		expect(
			(await store.getLeads('default', ['ada@example.com'])).get('ada@example.com')!.state.score,
		).toBe(1);
		expect(await store.useModel('default', { version: 'v1', model: {}, usedAt: 1 })).toBeNull();
		await store.close();
	});

	it('keeps event ids counted before outcomes were kept: their repeats answer unchanged, marked replayed: false', async () => {
		const path = tempDb();
		await scoreEvents(new SqliteStore(path), plusOne, 'default', [
			ping('ada@example.com', 'e1'),
			ping('ada@example.com', 'e2'),
		]);
		downgrade(path, 3);
		const store = new SqliteStore(path);
		const results = await scoreEvents(store, plusOne, 'default', [
			ping('ada@example.com', 'e1'),
			ping('bob@example.com', 'e1'),
			ping('ada@example.com', 'e3'),
			ping('ada@example.com', 'e3'),
		]);
		expect(
			results.map(
				(result) =>
					result.ok && [
						result.value.score,
						result.value.previousScore,
						result.value.duplicate,
						result.value.replayed,
					],
			),
		).toEqual([
			[2, 2, true, false],
			[1, 0, false, false],
			[3, 2, false, false],
			[3, 2, true, true],
		]);
		await store.close();
	});
});

describe('SQLite store migration 3', () => {
	it('drops the webhook headers that events kept before, keeping the rest of their data', async () => {
		const path = tempDb();
		const item = {
			headers: { authorization: 'Bearer sk_live_123', cookie: 'sid=1' },
			body: { email: 'ada@example.com', properties: { url: '/pricing' } },
		};
		await scoreEvents(new SqliteStore(path), plusOne, 'default', [
			ping('ada@example.com', 'e1', undefined, item),
		]);
		// What a store of schema version 2 kept: the whole item, headers included.
		const old = new DatabaseSync(path);
		old
			.prepare('UPDATE events SET payload = ?')
			.run(JSON.stringify({ kind: 'event', data: item, hasProfile: false }));
		old.close();
		downgrade(path, 2);
		const store = new SqliteStore(path);
		const [event] = (
			await store.listEvents('default', { from: 0, to: Number.MAX_SAFE_INTEGER }, null, 10)
		).events;
		expect(event.payload).toEqual({ kind: 'event', data: { body: item.body }, hasProfile: false });
		expect(JSON.stringify(event.payload)).not.toContain('sk_live_123');
		await store.close();
	});
});

describe('SQLite store migration 7', () => {
	it("opens a file of schema version 6 with its scores, and keeps a Re-Score's progress from then on", async () => {
		const path = tempDb();
		await scoreEvents(new SqliteStore(path), plusOne, 'default', [
			ping('ada@example.com', 'e1'),
			ping('bob@example.com', 'e2'),
		]);
		downgrade(path, 6);
		const store = new SqliteStore(path);
		const old = new DatabaseSync(path);
		expect(old.prepare('PRAGMA user_version').get()).toEqual({ user_version: 8 });
		old.close();
		expect(await store.rescoreProgress('default')).toBeUndefined();
		const twice = parseModel({
			version: 1,
			rules: [{ id: 'plus-two', event: 'Ping', points: 2 }],
			decay: { type: 'none' },
		});
		// Stopped after its first page of one lead: the next run goes on with the second lead.
		const stopping = stoppingAfter(store, 1);
		await expect(rescoreLeads(stopping, twice, 'default', { pageSize: 1 })).rejects.toThrow(
			'n8n stopped',
		);
		expect(await store.rescoreProgress('default')).toMatchObject({
			after: 'ada@example.com',
			leads: 1,
		});
		const summary = await rescoreLeads(store, twice, 'default', { pageSize: 1 });
		expect(summary.changed.map((lead) => [lead.leadId, lead.previousScore, lead.score])).toEqual([
			['ada@example.com', 1, 2],
			['bob@example.com', 1, 2],
		]);
		expect(await store.rescoreProgress('default')).toBeUndefined();
		await store.close();
	});
});

const SUMMARY = {
	since: Date.parse('2026-11-01T00:00:00Z'),
	days: 1,
	threshold: 76,
	tierBoundaries: [26, 51, 76],
	buckets: { min: 0, width: 25, count: 4 },
	top: 3,
};

describe('SQLite store migration 8', () => {
	it('opens a file of schema version 7 with its scores; tier counts and tier filters read the same', async () => {
		const path = tempDb();
		const before = new SqliteStore(path);
		const events = Array.from({ length: 30 }, (_, i) =>
			Array.from({ length: i % 4 === 0 ? 80 : i % 3 === 0 ? 30 : 1 }, (_, n) =>
				ping(`lead-${String(i).padStart(2, '0')}@example.com`, `e-${i}-${n}`),
			),
		).flat();
		await scoreEvents(before, plusOne, 'default', events);
		const tiered = (store: SqliteStore) =>
			Promise.all([
				store.summarize('default', SUMMARY),
				store.queryLeads('default', { tiers: ['warming'] }, 'scoreDesc', null, 100),
				store.queryLeads('default', { tiers: ['hot', 'nurture'] }, 'scoreAsc', null, 5),
			]);
		const expected = await tiered(before);
		await before.close();
		downgrade(path, 7);
		const store = new SqliteStore(path);
		const old = new DatabaseSync(path);
		expect(old.prepare('PRAGMA user_version').get()).toEqual({ user_version: 8 });
		const indexes = old
			.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'leads'")
			.all()
			.map((row) => row.name);
		old.close();
		expect(indexes).toContain('leads_by_score_tier');
		expect(indexes).not.toContain('leads_by_tier');
		const [summary, warming, ends] = await tiered(store);
		expect(summary.tiers).toEqual(expected[0].tiers);
		expect(summary.tiers).toEqual(expect.arrayContaining([expect.objectContaining({ count: 8 })]));
		expect(warming).toEqual(expected[1]);
		expect(warming.leads.map((lead) => lead.score)).toEqual(Array(7).fill(30));
		expect(ends).toEqual(expected[2]);
		await store.close();
	});
});

describe('SQLite store refusing a row', () => {
	it('fails only the item whose row the database refuses; the rest of the chunk commits, in order', async () => {
		const path = tempDb();
		const store = new SqliteStore(path);
		await store.getLeads('default', []);
		// A row the database itself refuses, whatever the checks before writing let through.
		const db = new DatabaseSync(path);
		db.exec(
			`CREATE TRIGGER poison BEFORE INSERT ON events WHEN NEW.event_name = 'Poison' BEGIN SELECT RAISE(ABORT, 'poisoned row'); END`,
		);
		db.close();
		const poison = { ...ping('ada@example.com', 'p1'), name: 'Poison' };
		const batch = [
			ping('ada@example.com', 'e1'),
			poison,
			ping('ada@example.com', 'e2'),
			ping('bob@example.com', 'e3'),
		];
		const outcome = async () =>
			(await scoreEvents(store, plusOne, 'default', batch)).map((result) =>
				'error' in result ? result.error.name : [result.value.score, result.value.duplicate],
			);
		expect(await outcome()).toEqual([[1, false], 'StoreDataError', [2, false], [1, false]]);
		// The retry answers each counted event with its first outcome; only the refused one fails again.
		expect(await outcome()).toEqual([[1, true], 'StoreDataError', [2, true], [1, true]]);
		await store.close();
	});
});

describe('SQLite store under a large batch', () => {
	it('serves a webhook that arrives during a large batch before the batch ends, and both are exact', async () => {
		const store = new SqliteStore(tempDb());
		const finished: string[] = [];
		const batchEvents = Array.from({ length: 2 * CHUNK_SIZE + 1 }, (_, i) =>
			ping(`lead-${i % 100}@example.com`, `batch-${i}`),
		);
		const batch = scoreEvents(store, plusOne, 'default', batchEvents).then(() =>
			finished.push('batch'),
		);
		// The webhook's execution is queued while the batch's first chunk is being written.
		const webhook = new Promise((resolve) => setImmediate(resolve))
			.then(() => scoreEvents(store, plusOne, 'default', [ping('ada@example.com', 'webhook-1')]))
			.then(() => finished.push('webhook'));
		await Promise.all([batch, webhook]);
		expect(finished).toEqual(['webhook', 'batch']);
		const leadIds = ['ada@example.com', 'lead-0@example.com', 'lead-1@example.com'];
		const leads = await store.getLeads('default', leadIds);
		expect(leadIds.map((leadId) => leads.get(leadId)!.state.score)).toEqual([1, 501, 500]);
		await store.close();
	}, 60_000);
});

describe('memory store', () => {
	describeStoreContract(() => new MemoryStore());
});

describe('SQLite store across processes', () => {
	describeAcrossProcesses(async () => {
		const path = tempDb();
		await new SqliteStore(path).close(); // create the schema once so the writers race on data, not on migrations
		return { writerArgs: [path], open: () => new SqliteStore(path) };
	});
});
