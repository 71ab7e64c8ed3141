import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Client } from 'pg';

import { scoreEvents } from '../lib/service/scoreBatch';
import type { EventInput } from '../lib/scoring/leadScore';
import { parseModel } from '../lib/scoring/model';
import { PostgresStore } from '../lib/store/postgres/postgresStore';
import { closePostgresPools, type PostgresConnection } from '../lib/store/postgres/pool';
import type { ScoreStore } from '../lib/store/scoreStore';
import { SqliteStore } from '../lib/store/sqliteStore';
import { EXAMPLE_MODEL } from '../nodes/ScoreEvent/exampleModel';
import { startPostgresServer } from '../scripts/services/servers';
import { formatRate, type BenchSection } from './section';
import { syntheticEvent } from './syntheticEvents';

const REPO_ROOT = join(__dirname, '..', '..');
const model = parseModel(EXAMPLE_MODEL);
function events(count: number, leads: number, offset = 0): EventInput[] {
	return Array.from({ length: count }, (_, n) => {
		const i = n + offset;
		const { email, event, id, time, properties } = syntheticEvent(i, leads);
		return {
			leadId: email,
			name: event,
			eventId: id,
			time: Date.parse(time),
			data: { email, event, properties },
			hasProfile: false,
		};
	});
}

interface Side {
	label: string;
	open(run: number): ScoreStore;
	/** CPU seconds used outside this process (the database server), if any. */
	serverCpu?(): number;
}

interface Figure {
	perSecond: number;
	/** Per CPU second of this process plus the server's, where the server is separate. */
	perCpuSecond: number;
}

interface Workload {
	name: string;
	unit: string;
	/** Returns how many units it did. */
	run(store: ScoreStore): Promise<number>;
}

const WORKLOADS: Workload[] = [
	{
		name: 'one event per step (a webhook execution each), 1,000 events over 100 leads',
		unit: 'steps',
		run: async (store) => {
			for (const event of events(1000, 100))
				await ensureScored(await scoreEvents(store, model, 'default', [event]));
			return 1000;
		},
	},
	{
		name: '8 steps at once (8 executions in one worker), 2,000 events over 200 leads',
		unit: 'steps',
		run: async (store) => {
			await Promise.all(
				Array.from({ length: 8 }, async (_, lane) => {
					// Each lane has its own leads, as independent webhooks would.
					for (const event of events(250, 25, lane * 250)) {
						await ensureScored(
							await scoreEvents(store, model, 'default', [
								{ ...event, leadId: `lane-${lane}-${event.leadId}` },
							]),
						);
					}
				}),
			);
			return 2000;
		},
	},
	{
		name: 'one batch of 20,000 events over 2,000 leads (one transaction)',
		unit: 'events',
		run: async (store) => {
			await ensureScored(await scoreEvents(store, model, 'default', events(20_000, 2000)));
			return 20_000;
		},
	},
];

async function ensureScored(results: Awaited<ReturnType<typeof scoreEvents>>): Promise<void> {
	for (const result of results) if (!result.ok) throw result.error;
}

async function measure(side: Side, workload: Workload, run: number): Promise<Figure> {
	const store = side.open(run);
	await store.getLeads('default', []); // schema ready, connections open: not part of the figure
	const serverBefore = side.serverCpu?.() ?? 0;
	const cpuBefore = process.cpuUsage();
	const began = performance.now();
	const units = await workload.run(store);
	const seconds = (performance.now() - began) / 1000;
	const cpu = process.cpuUsage(cpuBefore);
	const serverSeconds = (side.serverCpu?.() ?? 0) - serverBefore;
	await store.close();
	return {
		perSecond: units / seconds,
		perCpuSecond: units / ((cpu.user + cpu.system) / 1e6 + serverSeconds),
	};
}

/** CPU seconds of a PostgreSQL server: the postmaster and every process it started. */
function postgresCpuSeconds(dataDir: string): number {
	const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
	const ticks = 100; // USER_HZ on Linux
	let total = 0;
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		let stat: string;
		try {
			stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
		} catch {
			continue; // ended meanwhile
		}
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		const pid = Number(entry);
		const parent = Number(fields[1]);
		if (pid === postmaster || parent === postmaster)
			total += (Number(fields[11]) + Number(fields[12])) / ticks;
	}
	return total;
}

/** The store's own updates per second: embedded SQLite beside PostgreSQL, same workloads, alternated runs. */
export default async function storeBench(): Promise<BenchSection> {
	const server = startPostgresServer(REPO_ROOT);
	const folder = mkdtempSync(join(tmpdir(), 'lead-store-bench-'));
	try {
		const { host, port, user, password } = server;
		const base = { host, port, user, password };
		const admin = new Client({ ...base, database: 'postgres' });
		await admin.connect();
		await admin.query('CREATE DATABASE bench_durable');
		await admin.query('CREATE DATABASE bench_async');
		// Like the embedded store's WAL + synchronous=NORMAL: a commit survives a killed process, not a power cut.
		await admin.query('ALTER DATABASE bench_async SET synchronous_commit = off');
		await admin.end();
		const connection = (database: string): PostgresConnection => ({
			...base,
			database,
			maxConnections: 8,
		});
		const serverCpu = () => postgresCpuSeconds(join(server.dir, 'data'));
		const sides: Side[] = [
			{
				label: 'embedded SQLite',
				open: (run) => new SqliteStore(join(folder, `run-${run}.sqlite`)),
			},
			{
				label: 'PostgreSQL 15',
				open: (run) => new PostgresStore(connection('bench_durable'), { schema: `run_${run}` }),
				serverCpu,
			},
			{
				label: 'PostgreSQL 15, synchronous_commit=off',
				open: (run) => new PostgresStore(connection('bench_async'), { schema: `run_${run}` }),
				serverCpu,
			},
		];
		const lines: string[] = [];
		let run = 0;
		for (const workload of WORKLOADS) {
			// Alternate the sides so machine noise hits each alike; keep each side's best of three.
			const best = sides.map(() => ({ perSecond: 0, perCpuSecond: 0 }));
			for (let round = 0; round < 3; round++) {
				for (const [i, side] of sides.entries()) {
					const figure = await measure(side, workload, run++);
					if (figure.perSecond > best[i].perSecond) best[i] = figure;
				}
			}
			lines.push(`${workload.name}:`);
			const width = Math.max(...sides.map((side) => side.label.length));
			for (const [i, side] of sides.entries()) {
				lines.push(
					`  ${side.label.padEnd(width)}  ${formatRate(best[i].perSecond)} ${workload.unit} wall, ${formatRate(best[i].perCpuSecond)} per CPU second${side.serverCpu ? ' (client + server)' : ''}`,
				);
			}
		}
		return {
			title: 'Score store updates: embedded SQLite beside PostgreSQL (loopback, same machine)',
			lines,
		};
	} finally {
		await closePostgresPools();
		server.stop();
		rmSync(folder, { recursive: true, force: true });
	}
}
