import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { MemoryStore } from '../../lib/store/memoryStore';
import { SqliteStore } from '../../lib/store/sqliteStore';
import { describeAcrossProcesses, describeStoreContract } from './storeContract';

function tempDb(): string {
	return join(mkdtempSync(join(tmpdir(), 'lead-store-')), 'scores.sqlite');
}

describe('SQLite store', () => {
	describeStoreContract(() => new SqliteStore(tempDb()));
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
