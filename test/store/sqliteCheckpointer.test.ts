import { randomBytes } from 'node:crypto';
import { mkdtempSync, statSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { sweepDecay } from '../../lib/service/decaySweep';
import { scoreEvents } from '../../lib/service/scoreBatch';
import { DAY_MS } from '../../lib/scoring/decay';
import { parseModel } from '../../lib/scoring/model';
import { DEFAULT_REPORTING } from '../../lib/scoring/reporting';
import { Checkpointer } from '../../lib/store/sqliteCheckpointer';
import { SqliteStore } from '../../lib/store/sqliteStore';

function tempFolder(): string {
	return mkdtempSync(join(tmpdir(), 'lead-checkpoint-'));
}

// A WAL frame is a page (4,096 bytes) and its 24-byte header, after the WAL's 32-byte header.
const walFrames = (path: string) => {
	try {
		return Math.max(0, (statSync(`${path}-wal`).size - 32) / (4096 + 24));
	} catch {
		return 0;
	}
};

/** A writer of many transactions of ~50 fresh pages each, with no checkpoint of its own. */
function blobWriter(path: string) {
	const db = new DatabaseSync(path);
	db.exec('PRAGMA journal_mode = WAL');
	db.exec('PRAGMA wal_autocheckpoint = 0');
	db.exec('CREATE TABLE IF NOT EXISTS blobs (id INTEGER PRIMARY KEY, body BLOB)');
	const upsert = db.prepare('INSERT OR REPLACE INTO blobs (id, body) VALUES (?, ?)');
	let next = 0;
	return {
		db,
		transaction() {
			db.exec('BEGIN IMMEDIATE');
			for (let i = 0; i < 50; i++) upsert.run(next++ % 2000, randomBytes(3000));
			db.exec('COMMIT');
		},
	};
}

describe('SQLite checkpoints off the event loop', () => {
	it('keeps a long run of writes from growing the WAL past its bound, and empties the WAL when done', async () => {
		const alone = join(tempFolder(), 'scores.sqlite');
		const unpaced = blobWriter(alone);
		for (let i = 0; i < 240; i++) unpaced.transaction();
		// Without checkpoints the WAL holds every page written.
		const unbounded = walFrames(alone);
		expect(unbounded).toBeGreaterThan(10_000);
		unpaced.db.close();

		const path = join(tempFolder(), 'scores.sqlite');
		const writer = blobWriter(path);
		const checkpointer = new Checkpointer(path, 500);
		let largest = 0;
		for (let i = 0; i < 240; i++) {
			writer.transaction();
			largest = Math.max(largest, walFrames(path));
			await checkpointer.pace();
			// As between a sweep's pages: the thread's answers arrive on the event loop.
			await new Promise((resolve) => setImmediate(resolve));
		}
		await checkpointer.finish();
		expect(largest).toBeGreaterThan(0);
		// Its bound is 500 frames, plus what the writer adds while a checkpoint runs (more on a busy machine).
		expect(largest).toBeLessThan(unbounded / 2);
		expect(walFrames(path)).toBe(0);
		expect(writer.db.prepare('SELECT count(*) AS n FROM blobs').get()).toEqual({ n: 2000 });
		writer.db.close();
	});

	it('fails its pace, and not the writes, when the thread cannot open the file', async () => {
		const checkpointer = new Checkpointer(tempFolder(), 500);
		let failure: unknown;
		for (let tries = 0; tries < 100 && failure === undefined; tries++) {
			await checkpointer.pace().catch((error: unknown) => (failure = error));
			await new Promise((resolve) => setTimeout(resolve, 20));
		}
		expect((failure as Error).message).toMatch(/open/);
		await expect(checkpointer.finish()).rejects.toThrow();
	});
});

const decaying = parseModel({
	version: 1,
	rules: [{ id: 'ping', event: 'Ping', points: 40 }],
	decay: { type: 'halfLife', days: 7 },
});
const NOV_1 = Date.parse('2026-11-01T00:00:00Z');

describe('Apply Decay on the embedded store', () => {
	it('keeps every event scored while it runs, and hands checkpoints back to the store', async () => {
		const path = join(tempFolder(), 'scores.sqlite');
		const store = new SqliteStore(path);
		const leadIds = Array.from({ length: 600 }, (_, i) => `lead-${String(i).padStart(4, '0')}`);
		const first = leadIds.map((leadId) => ({
			leadId,
			name: 'Ping',
			eventId: `first-${leadId}`,
			time: NOV_1,
			data: {},
			hasProfile: false,
		}));
		await scoreEvents(store, decaying, 'default', first);

		const asOf = NOV_1 + 7 * DAY_MS;
		const sweep = sweepDecay(store, decaying, 'default', asOf, {
			pageSize: 20,
			reporting: DEFAULT_REPORTING,
			now: () => asOf,
		});
		// Webhooks between the sweep's pages: one more Ping for every tenth lead, at the sweep's time.
		const webhooks: Array<Promise<unknown>> = [];
		for (const leadId of leadIds.filter((_, i) => i % 10 === 0)) {
			await new Promise((resolve) => setImmediate(resolve));
			webhooks.push(
				scoreEvents(store, decaying, 'default', [
					{
						leadId,
						name: 'Ping',
						eventId: `second-${leadId}`,
						time: asOf,
						data: {},
						hasProfile: false,
					},
				]),
			);
		}
		const [changed] = await Promise.all([sweep, ...webhooks]);
		expect((changed as unknown[]).length).toBeGreaterThan(0);

		const leads = await store.getLeads('default', leadIds);
		for (const [i, leadId] of leadIds.entries()) {
			// 40 points halve in the week to 20; the second Ping adds 40 on top.
			expect([leadId, leads.get(leadId)!.state.score]).toEqual([leadId, i % 10 === 0 ? 60 : 20]);
		}
		const db = (store as unknown as { db: DatabaseSync }).db;
		expect(db.prepare('PRAGMA wal_autocheckpoint').get()).toEqual({ wal_autocheckpoint: 10000 });

		// A sweep with no write beside it leaves the WAL file empty.
		await sweepDecay(store, decaying, 'default', asOf + 7 * DAY_MS, { pageSize: 20 });
		expect(walFrames(path)).toBe(0);
		await store.close();
	});
});
