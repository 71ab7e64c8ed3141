import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { scoreEvents, sweepDecay, readScores } from '../../lib/scoring/batch';
import { DAY_MS } from '../../lib/scoring/decay';
import { parseModel } from '../../lib/scoring/model';
import { MemoryStore } from '../../lib/store/memoryStore';
import type { ScoreStore } from '../../lib/store/scoreStore';
import { SqliteStore } from '../../lib/store/sqliteStore';

const WRITER = join(__dirname, 'fixtures/writer.js');

function tempDb(): string {
	return join(mkdtempSync(join(tmpdir(), 'lead-store-')), 'scores.sqlite');
}

function runWriter(args: string[]): Promise<void> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [WRITER, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
		let stderr = '';
		child.stderr.on('data', (chunk) => (stderr += chunk));
		child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer failed (${code}): ${stderr}`))));
	});
}

const model = parseModel({
	version: 1,
	rules: [{ id: 'plus-one', event: 'Ping', points: 1 }],
	decay: { type: 'none' },
});

const ping = (leadId: string, eventId?: string, time = Date.parse('2026-11-01T00:00:00Z')) => ({
	leadId,
	name: 'Ping',
	eventId,
	time,
	data: {},
	hasProfile: false,
});

beforeAll(() => {
	if (!existsSync(join(__dirname, '../../dist/lib/store/sqliteStore.js'))) {
		throw new Error('Run `npm run build` first: the multi-process tests run the built store.');
	}
});

describe.each<[string, () => ScoreStore]>([
	['SQLite', () => new SqliteStore(tempDb())],
	['memory', () => new MemoryStore()],
])('%s store', (_name, openStore) => {
	let store: ScoreStore;
	beforeEach(() => (store = openStore()));
	afterEach(async () => await store.close());

	it('counts a repeated event id once, within a batch and across batches', async () => {
		const first = await scoreEvents(store, model, 'default', [ping('ada@example.com', 'e1'), ping('ada@example.com', 'e1'), ping('ada@example.com', 'e2')]);
		const second = await scoreEvents(store, model, 'default', [ping('ada@example.com', 'e2')]);
		const scores = [...first, ...second].map((result) => ('leadScore' in result ? [result.leadScore.score, result.leadScore.duplicate] : result.error));
		expect(scores).toEqual([
			[1, false],
			[1, true],
			[2, false],
			[2, true],
		]);
	});

	it('keeps scores of different score names apart', async () => {
		await scoreEvents(store, model, 'b2b', [ping('ada@example.com')]);
		await scoreEvents(store, model, 'b2c', [ping('ada@example.com'), ping('ada@example.com')]);
		const b2b = await readScores(store, model, 'b2b', ['ada@example.com'], Date.now(), 0);
		const b2c = await readScores(store, model, 'b2c', ['ada@example.com'], Date.now(), 0);
		expect([b2b.get('ada@example.com')!.score, b2c.get('ada@example.com')!.score]).toEqual([1, 2]);
	});

	it('keeps a ledger of every change with its reasons, newest first', async () => {
		await scoreEvents(store, model, 'default', [ping('ada@example.com', 'e1'), ping('ada@example.com', 'e2')]);
		const entries = await store.ledger('default', 'ada@example.com', 10);
		expect(entries.map((entry) => [entry.eventId, entry.previousScore, entry.score, entry.reasons])).toEqual([
			['e2', 1, 2, [{ rule: 'plus-one', points: 1 }]],
			['e1', 0, 1, [{ rule: 'plus-one', points: 1 }]],
		]);
	});

	it('writes nothing when the decision fails', async () => {
		await expect(
			store.updateLeads('default', ['ada@example.com'], ['e1'], () => {
				throw new Error('engine failed');
			}),
		).rejects.toThrow('engine failed');
		const again = await scoreEvents(store, model, 'default', [ping('ada@example.com', 'e1')]);
		expect('leadScore' in again[0] && again[0].leadScore).toMatchObject({ score: 1, duplicate: false });
	});

	it('sweeps decay over every lead in pages and returns only the leads that changed', async () => {
		const decaying = parseModel({ version: 1, rules: [{ id: 'visit', event: 'Ping', points: 40 }], decay: { type: 'halfLife', days: 30 } });
		const start = Date.parse('2026-01-01T00:00:00Z');
		const leads = Array.from({ length: 25 }, (_, i) => `lead-${String(i).padStart(2, '0')}`);
		await scoreEvents(store, decaying, 'default', leads.map((leadId, i) => ping(leadId, undefined, i < 20 ? start : start + 60 * DAY_MS)));
		const changed = await sweepDecay(store, decaying, 'default', start + 60 * DAY_MS, 7);
		expect(changed.map((lead) => lead.leadId)).toEqual(leads.slice(0, 20));
		expect(changed[0]).toMatchObject({ score: 10, previousScore: 40, tier: 'nurture', previousTier: 'warming', tierChanged: true });
		expect(await sweepDecay(store, decaying, 'default', start + 60 * DAY_MS, 7)).toEqual([]);
	});

	it('forgets event ids after their retention, so only then may an id count again', async () => {
		await scoreEvents(store, model, 'default', [ping('ada@example.com', 'e1')]);
		await store.prune({ events: Date.now() - 60_000, ledger: 0 });
		expect((await scoreEvents(store, model, 'default', [ping('ada@example.com', 'e1')]))[0]).toMatchObject({ leadScore: { duplicate: true } });
		await store.prune({ events: Date.now() + 60_000, ledger: 0 });
		expect((await scoreEvents(store, model, 'default', [ping('ada@example.com', 'e1')]))[0]).toMatchObject({ leadScore: { duplicate: false, score: 2 } });
	});
});

describe('SQLite store across processes', () => {
	it('8 concurrent writers adding +1 to one lead 1,000 times each end at exactly 8,000; shared event ids count once', async () => {
		const path = tempDb();
		new SqliteStore(path); // create the schema once so the writers race on data, not on migrations
		await Promise.all(Array.from({ length: 8 }, (_, writer) => runWriter([path, 'plus-one', String(writer), '1000', '50'])));
		const store = new SqliteStore(path);
		const lead = (await store.getLeads('default', ['ada@example.com'])).get('ada@example.com')!;
		expect(lead.state.score).toBe(8000 + 50);
		expect(lead.state.eventCount).toBe(8050);
		await store.close();
	}, 180_000);

	it('a writer killed mid-batch loses no committed event and commits no partial batch', async () => {
		const path = tempDb();
		new SqliteStore(path);
		const child = spawn(process.execPath, [WRITER, path, 'stream', '0', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
		let acknowledged = 0;
		await new Promise<void>((resolve) => {
			child.stdout.on('data', (chunk: Buffer) => {
				for (const match of chunk.toString().matchAll(/acked (\d+)/g)) acknowledged = Number(match[1]);
				// Kill at an arbitrary moment once some batches are in, most likely inside a transaction.
				if (acknowledged >= 5000 && !child.killed) {
					child.kill('SIGKILL');
					resolve();
				}
			});
		});
		await new Promise((resolve) => child.on('exit', resolve));
		const store = new SqliteStore(path);
		const lead = (await store.getLeads('default', ['ada@example.com'])).get('ada@example.com')!;
		expect(lead.state.score).toBeGreaterThanOrEqual(acknowledged);
		expect(lead.state.score % 500).toBe(0);
		expect(lead.state.eventCount).toBe(lead.state.score);
		// Every counted event is remembered, so a retry of the lost batch counts only what was not committed.
		const retry = await scoreEvents(store, model, 'default', Array.from({ length: 500 }, (_, i) => ping('ada@example.com', `b0-${i}`)));
		expect(retry.every((result) => 'leadScore' in result && result.leadScore.duplicate)).toBe(true);
		await store.close();
	}, 120_000);
});
