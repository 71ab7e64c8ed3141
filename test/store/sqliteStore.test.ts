import { mkdtempSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CHUNK_SIZE, scoreEvents } from '../../lib/scoring/batch';
import { MemoryStore } from '../../lib/store/memoryStore';
import { SqliteStore } from '../../lib/store/sqliteStore';
import { describeAcrossProcesses, describeStoreContract, ping, plusOne } from './storeContract';

function tempDb(): string {
	return join(mkdtempSync(join(tmpdir(), 'lead-store-')), 'scores.sqlite');
}

describe('SQLite store', () => {
	describeStoreContract(() => new SqliteStore(tempDb()));
});

describe('SQLite store schema', () => {
	it('brings a database of the first schema version up to date, keeping its data', async () => {
		const path = tempDb();
		await scoreEvents(new SqliteStore(path), plusOne, 'default', [ping('ada@example.com', 'e1')]);
		// What a store created before crossing states kept their revision (and before models were kept) looks like.
		const old = new DatabaseSync(path);
		old.exec('ALTER TABLE threshold_states DROP COLUMN revision; DROP TABLE models; PRAGMA user_version = 1');
		old.close();
		const store = new SqliteStore(path);
		await store.updateThresholdStates('mql', ['ada@example.com'], () => new Map([['ada@example.com', { crossed: true, score: 80, revision: 3 }]]));
		let stored;
		await store.updateThresholdStates('mql', ['ada@example.com'], (current) => {
			stored = current.get('ada@example.com');
			return new Map();
		});
		expect(stored).toEqual({ crossed: true, score: 80, revision: 3 });
		expect((await store.getLeads('default', ['ada@example.com'])).get('ada@example.com')!.state.score).toBe(1);
		expect(await store.useModel('default', { version: 'v1', model: {}, usedAt: 1 })).toBeNull();
		await store.close();
	});
});

describe('SQLite store under a large batch', () => {
	it('serves a webhook that arrives during a large batch before the batch ends, and both are exact', async () => {
		const store = new SqliteStore(tempDb());
		const finished: string[] = [];
		const batchEvents = Array.from({ length: 2 * CHUNK_SIZE + 1 }, (_, i) => ping(`lead-${i % 100}@example.com`, `batch-${i}`));
		const batch = scoreEvents(store, plusOne, 'default', batchEvents).then(() => finished.push('batch'));
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
