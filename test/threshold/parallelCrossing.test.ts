/**
 * Several processes (like queue-mode workers, or n8n instances sharing a machine) score one lead
 * and check it against the threshold at the same time, all through one embedded store file.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

import ts from 'typescript';

import { MemoryStore } from '../../lib/store/memoryStore';
import type { ScoreStore } from '../../lib/store/scoreStore';
import { SqliteStore } from '../../lib/store/sqliteStore';
import type { CrossingOutcome } from '../../lib/scoring/crossing';
import { decideCrossings, thresholdKeyFor } from '../../lib/service/thresholdStates';

const root = join(__dirname, '..', '..');
const PROCESSES = 4;
const ROUNDS = 25;

/** lib/ as CommonJS in `folder`, so plain node processes can run the real store and threshold code. */
function compileLib(folder: string): void {
	const walk = (dir: string): string[] =>
		readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
			entry.isDirectory()
				? walk(join(dir, entry.name))
				: entry.name.endsWith('.ts')
					? [join(dir, entry.name)]
					: [],
		);
	for (const file of walk(join(root, 'lib'))) {
		const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
			compilerOptions: {
				module: ts.ModuleKind.CommonJS,
				target: ts.ScriptTarget.ES2022,
				esModuleInterop: true,
			},
		});
		const target = join(folder, relative(root, file)).replace(/\.ts$/, '.js');
		mkdirSync(dirname(target), { recursive: true });
		writeFileSync(target, outputText);
	}
}

// Each round is its own transaction, as each webhook execution would be.
const WORKER = `
const { SqliteStore } = require('./lib/store/sqliteStore');
const { decideCrossings } = require('./lib/service/thresholdStates');
const { scoreEvents } = require('./lib/service/scoreBatch');
const { parseModel } = require('./lib/scoring/model');

const [file, scenario, worker, rounds, startAt] = process.argv.slice(2);
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const store = new SqliteStore(file);
const model = parseModel({ version: 1, rules: [{ id: 'visit', event: 'Visited', points: 5 }] });
const settings = { threshold: 76, hysteresis: 10 };

async function main() {
	const outcomes = [];
	// Every process starts at one moment and pauses between rounds, so their rounds interleave.
	await pause(Number(startAt) - Date.now());
	for (let round = 0; round < Number(rounds); round++) {
		await pause(Math.random() * 4);
		let scores;
		if (scenario === 'scoreEvent') {
			const [result] = await scoreEvents(store, model, 'parallel', [
				{ leadId: 'ada@example.com', name: 'Visited', time: Date.now(), data: {}, hasProfile: false },
			]);
			if ('error' in result) throw result.error;
			scores = { score: result.value.score, previousScore: result.value.previousScore, revision: result.value.revision };
		} else {
			// A CRM score with no previous score: only the stored crossing state can tell a repeat.
			scores = { score: 80 + Number(worker) + round / 100 };
		}
		const [decision] = await decideCrossings(store, 'parallel-' + scenario, settings, [{ leadId: 'ada@example.com', ...scores }]);
		outcomes.push(decision.outcome);
	}
	await store.close();
	process.stdout.write(JSON.stringify(outcomes));
}
main().catch((error) => { console.error(error); process.exit(1); });
`;

function runWorker(
	folder: string,
	file: string,
	scenario: string,
	worker: number,
	startAt: number,
): Promise<CrossingOutcome[]> {
	return new Promise((resolve, reject) => {
		const args = [
			join(folder, 'worker.js'),
			file,
			scenario,
			String(worker),
			String(ROUNDS),
			String(startAt),
		];
		const child = spawn(process.execPath, args, {
			cwd: folder,
			env: { ...process.env, NODE_PATH: join(root, 'node_modules') },
		});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk) => (stdout += chunk));
		child.stderr.on('data', (chunk) => (stderr += chunk));
		child.on('error', reject);
		child.on('close', (code) => {
			if (code === 0) resolve(JSON.parse(stdout) as CrossingOutcome[]);
			else reject(new Error(`worker ${worker} exited with ${code}: ${stderr}`));
		});
	});
}

describe('a lead scored by parallel executions crosses exactly once', () => {
	let folder: string;

	beforeAll(() => {
		folder = mkdtempSync(join(tmpdir(), 'threshold-parallel-'));
		compileLib(folder);
		writeFileSync(join(folder, 'worker.js'), WORKER);
	});

	afterAll(() => rmSync(folder, { recursive: true, force: true }));

	it.each([
		['Score Event results (+5 per event, rising through 76)', 'scoreEvent'],
		['scores without a previous score, all above the threshold', 'stateOnly'],
	])(`%s, from ${PROCESSES} processes at once`, async (_case, scenario) => {
		const file = join(folder, `${scenario}.sqlite`);
		await new SqliteStore(file).close(); // create the schema once, before the race
		const startAt = Date.now() + 1500;
		const workers = Array.from({ length: PROCESSES }, (_, worker) =>
			runWorker(folder, file, scenario, worker, startAt),
		);
		const outcomes = (await Promise.all(workers)).flat();
		expect(outcomes).toHaveLength(PROCESSES * ROUNDS);
		expect(outcomes.filter((outcome) => outcome === 'crossed')).toHaveLength(1);
		expect(outcomes.filter((outcome) => outcome === 'droppedBelow')).toHaveLength(0);
	});
});

describe('decideCrossings in one process', () => {
	const IN_PROCESS_STORES: Array<[string, () => ScoreStore]> = [
		['the memory store', () => new MemoryStore()],
		['the SQLite store', () => new SqliteStore(':memory:')],
	];

	it.each(IN_PROCESS_STORES)(
		'with %s, concurrent batches for one lead cross once and the state is kept per threshold key',
		async (_name, open) => {
			const store = open();
			const settings = { threshold: 76, hysteresis: 10 };
			const batches = await Promise.all(
				[80, 85, 90, 77].map((score) =>
					decideCrossings(store, 'mql', settings, [{ leadId: 'ada@example.com', score }]),
				),
			);
			expect(batches.flat().filter((decision) => decision.outcome === 'crossed')).toHaveLength(1);
			// Another threshold key has its own memory.
			const [other] = await decideCrossings(store, 'sql', settings, [
				{ leadId: 'ada@example.com', score: 80 },
			]);
			expect(other.outcome).toBe('crossed');
			await store.close();
		},
	);

	it.each(IN_PROCESS_STORES)(
		'with %s, a score that reaches it late never re-arms a lead that crossed since',
		async (_name, open) => {
			const store = open();
			const decide = async (previousScore: number, score: number, revision: number) =>
				(
					await decideCrossings(store, 'mql', { threshold: 76, hysteresis: 10 }, [
						{ leadId: 'ada@example.com', previousScore, score, revision },
					])
				)[0];
			// Score Event committed 60 → 65 as revision 13, then 70, 75, 80, 85; the execution carrying
			// revision 13 was held up and reaches Check Threshold after the crossing.
			expect((await decide(65, 70, 14)).outcome).toBe('notCrossed');
			expect((await decide(70, 75, 15)).outcome).toBe('notCrossed');
			expect((await decide(75, 80, 16)).outcome).toBe('crossed');
			expect(await decide(60, 65, 13)).toMatchObject({ outcome: 'notCrossed', stale: true });
			expect((await decide(80, 85, 17)).outcome).toBe('notCrossed');
			await store.close();
		},
	);

	it('decides several scores of one lead in one batch in order', async () => {
		const store = new MemoryStore();
		const decisions = await decideCrossings(store, 'mql', { threshold: 76, hysteresis: 10 }, [
			{ leadId: 'ada@example.com', score: 78, previousScore: 70 },
			{ leadId: 'bob@example.com', score: 50, previousScore: 40 },
			{ leadId: 'ada@example.com', score: 74, previousScore: 78 },
			{ leadId: 'ada@example.com', score: 79, previousScore: 74 },
			{ leadId: 'ada@example.com', score: 60, previousScore: 79 },
			{ leadId: 'ada@example.com', score: 76, previousScore: 60 },
		]);
		expect(decisions.map((decision) => decision.outcome)).toEqual([
			'crossed',
			'notCrossed',
			'notCrossed',
			'notCrossed',
			'droppedBelow',
			'crossed',
		]);
		const [next] = await decideCrossings(store, 'mql', { threshold: 76, hysteresis: 10 }, [
			{ leadId: 'ada@example.com', score: 90 },
		]);
		expect(next.outcome).toBe('notCrossed');
	});
});

describe('thresholdKeyFor', () => {
	it('keeps one state per workflow and node unless a threshold name is given, which nodes can share', () => {
		expect(thresholdKeyFor('wf1', 'Check Threshold')).not.toBe(
			thresholdKeyFor('wf2', 'Check Threshold'),
		);
		expect(thresholdKeyFor('wf1', 'Check Threshold')).not.toBe(thresholdKeyFor('wf1', 'MQL'));
		expect(thresholdKeyFor('wf1', 'Check Threshold', ' mql ')).toBe(
			thresholdKeyFor('wf2', 'Other Node', 'mql'),
		);
		expect(thresholdKeyFor('wf1', 'Check Threshold', '  ')).toBe(
			thresholdKeyFor('wf1', 'Check Threshold'),
		);
		// A node named like a threshold name never shares its state by accident.
		expect(thresholdKeyFor(undefined, 'mql')).not.toBe(thresholdKeyFor('wf1', 'x', 'mql'));
	});
});
