import { mkdtempSync } from 'node:fs';
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
