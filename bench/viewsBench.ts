import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

import { Client } from 'pg';

import { PostgresStore } from '../lib/store/postgres/postgresStore';
import { closePostgresPools, type PostgresConnection } from '../lib/store/postgres/pool';
import { SqliteStore } from '../lib/store/sqliteStore';
import { startPostgresServer } from '../scripts/services/servers';
import { formatRate, megabytes, type BenchSection } from './section';

// List Leads, and the dashboard, over 100,000 and 1,000,000 leads with 10 ledger entries each, in the
// embedded store and in PostgreSQL. The data is made by bulk SQL inserts: leads with realistic states,
// ledger entries spread over the 365 days of the default history retention, events over the 90 days of
// the event retention. VIEWS_BENCH_LEADS (e.g. "10000,100000") sets other sizes for a quick run.

const REPO_ROOT = join(__dirname, '..', '..');
const WORKER = join(__dirname, 'viewsWorker.js');
const DAY_MS = 86_400_000;
const LEDGER_PER_LEAD = 10;

const sizes = (process.env.VIEWS_BENCH_LEADS ?? '100000,1000000').split(',').map(Number);

/** Expressions both databases understand (integer arithmetic on bigints), over a row number `i`. */
function shapes(now: number) {
	// Two uniform numbers in [0, 1) from i; their product skews scores low, as in a real funnel.
	const u1 = '((i * 2654435761) % 1000003) / 1000003.0';
	const u2 = '((i * 40503) % 1000) / 1000.0';
	const score = `round(100.0 * ${u1} * ${u2}, 2)`;
	const tier = (value: string) =>
		`CASE WHEN ${value} >= 76 THEN 'hot' WHEN ${value} >= 51 THEN 'engaged' WHEN ${value} >= 26 THEN 'warming' ELSE 'nurture' END`;
	return {
		score,
		tier,
		changed: `${now} - ((i * 7919) % 365) * ${DAY_MS} - (i % ${DAY_MS})`,
		// One lead in ten still carries the previous model's version.
		version: `CASE WHEN i % 10 = 0 THEN 'q3@1a2b3c4d5e6f' ELSE 'q4@6f5e4d3c2b1a' END`,
		ledgerTime: `${now} - ((i * 104729) % 31536000) * 1000`,
		eventTime: `${now} - ((i * 104729) % 7776000) * 1000`,
		previous: '((i * 2654435761) % 10007) / 100.07',
		delta: '((i % 9) - 3) * 4.0',
	};
}

const STATE_KEYS = (
	json: 'json' | 'jsonb',
	score: string,
	changed: string,
	tier: string,
	version: string,
) =>
	`${json}_build_object('engagement', ${json}_build_object('points', ${score}, 'at', ${changed}, 'grants', ${json}_build_array()),
	 'fit', 0, 'fitRules', ${json}_build_array(), 'score', ${score}, 'tier', ${tier}, 'lastActivityAt', ${changed} - 3600000,
	 'evaluatedAt', ${changed}, 'counters', ${json}_build_object('pricing-page', ${json}_build_object('count', 3, 'hits', ${json}_build_array())),
	 'eventCount', 10, 'modelVersion', ${version}, 'revision', 10)`;

interface Built {
	seconds: number;
	rows: { leads: number; ledger: number; events: number };
}

/** Fills a migrated SQLite store; its secondary indexes are dropped for the load and made again after. */
function buildSqlite(path: string, leads: number, now: number): Built {
	const started = performance.now();
	const db = new DatabaseSync(path);
	db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; PRAGMA cache_size = -524288');
	const indexes = db
		.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL`)
		.all() as Array<{ name: string; sql: string }>;
	for (const index of indexes) db.exec(`DROP INDEX ${index.name}`);
	const s = shapes(now);
	const state = STATE_KEYS('json', 'score', 'changed', 'tier', 'version')
		.replace(/json_build_object/g, 'json_object')
		.replace(/json_build_array/g, 'json_array');
	const series = (count: number) =>
		`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${count - 1})`;
	db.exec('BEGIN');
	db.exec(`INSERT INTO leads (score_name, lead_id, state, score, tier, last_activity_at, updated_at)
		${series(leads)}, s AS (SELECT i, ${s.score} AS score, ${s.changed} AS changed, ${s.version} AS version FROM n),
		t AS (SELECT *, ${s.tier('score')} AS tier FROM s)
		SELECT 'default', printf('lead-%07d@example.com', i), ${state}, score, tier, changed - 3600000, changed FROM t`);
	const ledger = leads * LEDGER_PER_LEAD;
	db.exec(`INSERT INTO ledger (score_name, lead_id, event_id, event_name, at, recorded_at, previous_score, score, delta, tier, reasons, model_version)
		${series(ledger)}, s AS (SELECT i, ${s.previous} AS previous, ${s.ledgerTime} AS recorded FROM n),
		t AS (SELECT *, max(0, min(100, previous + ${s.delta})) AS score FROM s)
		SELECT 'default', printf('lead-%07d@example.com', (i * 7) % ${leads}), 'e' || i, 'Viewed Page', recorded - 1000, recorded,
		  previous, score, score - previous, ${s.tier('score')}, '[{"rule":"pricing-page","points":10}]', 'q4@6f5e4d3c2b1a' FROM t`);
	const events = Math.round((ledger * 90) / 365);
	db.exec(`INSERT INTO events (score_name, event_id, lead_id, event_name, event_time, received_at, payload)
		${series(events)}, s AS (SELECT i, ${s.eventTime} AS received FROM n)
		SELECT 'default', 'e' || i, printf('lead-%07d@example.com', (i * 7) % ${leads}), 'Viewed Page', received - 1000, received,
		  '{"data":{"url":"/pricing"}}' FROM s`);
	db.exec('COMMIT');
	for (const index of indexes) db.exec(index.sql);
	db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
	db.close();
	return { seconds: (performance.now() - started) / 1000, rows: { leads, ledger, events } };
}

/** Fills a migrated PostgreSQL store the same way, then VACUUM ANALYZE as autovacuum would in time. */
async function buildPostgres(
	connection: PostgresConnection,
	schema: string,
	leads: number,
	now: number,
): Promise<Built> {
	const started = performance.now();
	const client = new Client({ ...connection, ssl: false });
	await client.connect();
	const table = (name: string) => `"${schema}"."lead_scoring_${name}"`;
	const indexes = (
		await client.query<{ indexname: string; indexdef: string }>(
			`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname NOT LIKE '%pkey'`,
			[schema],
		)
	).rows;
	for (const index of indexes) await client.query(`DROP INDEX "${schema}"."${index.indexname}"`);
	const s = shapes(now);
	const state = STATE_KEYS('jsonb', 'score', 'changed', 'tier', 'version');
	await client.query(`INSERT INTO ${table('leads')} (score_name, lead_id, state, score, tier, last_activity_at, updated_at)
		WITH s AS (SELECT i, ${s.score} AS score, ${s.changed} AS changed, ${s.version} AS version FROM generate_series(0::bigint, ${leads - 1}) AS i),
		t AS (SELECT *, ${s.tier('score')} AS tier FROM s)
		SELECT 'default', format('lead-%s@example.com', lpad(i::text, 7, '0')), ${state}, score, tier, changed - 3600000, changed FROM t`);
	const ledger = leads * LEDGER_PER_LEAD;
	await client.query(`INSERT INTO ${table('ledger')} (score_name, lead_id, event_id, event_name, at, recorded_at, previous_score, score, delta, tier, reasons, model_version)
		WITH s AS (SELECT i, ${s.previous} AS previous, ${s.ledgerTime} AS recorded FROM generate_series(0::bigint, ${ledger - 1}) AS i),
		t AS (SELECT *, greatest(0, least(100, previous + ${s.delta})) AS score FROM s)
		SELECT 'default', format('lead-%s@example.com', lpad(((i * 7) % ${leads})::text, 7, '0')), 'e' || i, 'Viewed Page', recorded - 1000, recorded,
		  previous, score, score - previous, ${s.tier('score')}, '[{"rule":"pricing-page","points":10}]'::jsonb, 'q4@6f5e4d3c2b1a' FROM t`);
	const events = Math.round((ledger * 90) / 365);
	await client.query(`INSERT INTO ${table('events')} (score_name, event_id, lead_id, event_name, event_time, received_at, payload)
		SELECT 'default', 'e' || i, format('lead-%s@example.com', lpad(((i * 7) % ${leads})::text, 7, '0')), 'Viewed Page',
		  ${s.eventTime} - 1000, ${s.eventTime}, '{"data":{"url":"/pricing"}}'::json FROM generate_series(0::bigint, ${events - 1}) AS i`);
	for (const index of indexes) await client.query(index.indexdef);
	for (const name of ['leads', 'ledger', 'events'])
		await client.query(`VACUUM ANALYZE ${table(name)}`);
	await client.end();
	return { seconds: (performance.now() - started) / 1000, rows: { leads, ledger, events } };
}

interface Measured {
	count: number;
	seconds: number;
	/** The worker's CPU seconds (the database server's are not counted). */
	cpuSeconds: number;
	peakHeap: number;
	peakLive: number;
	peakAnon: number;
	bytes: number;
}

/** Runs one measurement in its own process. */
function measure(args: string[]): Measured {
	const output = execFileSync(process.execPath, ['--expose-gc', WORKER, ...args], {
		encoding: 'utf8',
		maxBuffer: 16 * 1024 * 1024,
	});
	return JSON.parse(output.trim().split('\n').pop()!) as Measured;
}

function measureSide(target: object, leads: number): string[] {
	const store = JSON.stringify(target);
	const all = measure(['list', store, 'scoreDesc']);
	const hot = measure(['list', store, 'changedDesc', JSON.stringify({ tiers: ['hot'] })]);
	// The dashboard's best of three: the first run also pays for reading the indexes from disk.
	const dashboards = [0, 1, 2].map(() => measure(['dashboard', store]));
	const dashboard = dashboards.reduce((best, run) => (run.seconds < best.seconds ? run : best));
	if (all.count !== leads) throw new Error(`List Leads returned ${all.count} leads of ${leads}`);
	const cpu = 'per CPU second of this process';
	return [
		`List Leads, every lead by score: ${formatRate(all.count / all.seconds)} leads wall (${all.count.toLocaleString('en-US')} in ${all.seconds.toFixed(1)} s), ${formatRate(all.count / all.cpuSeconds)} ${cpu}; memory: live JS heap ${megabytes(all.peakLive)}, peak JS heap ${megabytes(all.peakHeap)}, peak anonymous RSS ${megabytes(all.peakAnon)}`,
		`List Leads, hot tier by last change: ${formatRate(hot.count / hot.seconds)} leads wall (${hot.count.toLocaleString('en-US')} in ${hot.seconds.toFixed(1)} s), ${formatRate(hot.count / hot.cpuSeconds)} ${cpu}`,
		`Score Dashboard: ${(dashboard.seconds * 1000).toFixed(0)} ms wall, ${(dashboard.cpuSeconds * 1000).toFixed(0)} ms CPU (runs: ${dashboards.map((run) => (run.seconds * 1000).toFixed(0)).join(', ')} ms), page ${(dashboard.bytes / 1024).toFixed(0)} kB`,
	];
}

export default async function viewsBench(): Promise<BenchSection> {
	const lines: string[] = [];
	const now = Date.now();
	const folder = mkdtempSync(join(tmpdir(), 'lead-views-bench-'));
	const server = startPostgresServer(REPO_ROOT);
	try {
		const { host, port, user, password } = server;
		const connection: PostgresConnection = { host, port, user, password, database: 'postgres' };
		lines.push(
			`load average at start: ${loadavg()
				.map((value) => value.toFixed(1))
				.join(', ')} (${process.env.VIEWS_BENCH_NOTE ?? 'shared machine'})`,
		);
		for (const leads of sizes) {
			const path = join(folder, `views-${leads}.sqlite`);
			await new SqliteStore(path).close(); // the schema, by the store's own migrations
			const sqlite = buildSqlite(path, leads, now);
			lines.push(
				`embedded SQLite, ${leads.toLocaleString('en-US')} leads, ${sqlite.rows.ledger.toLocaleString('en-US')} ledger entries, ${sqlite.rows.events.toLocaleString('en-US')} events (built in ${sqlite.seconds.toFixed(0)} s, file ${megabytes(statSync(path).size)}):`,
			);
			lines.push(...measureSide({ sqlite: path }, leads).map((line) => `  ${line}`));
			rmSync(path, { force: true });

			const schema = `views_${leads}`;
			const store = new PostgresStore(connection, { schema });
			await store.getLeads('default', []); // the schema, by the store's own migrations
			await store.close();
			await closePostgresPools();
			const postgres = await buildPostgres(connection, schema, leads, now);
			lines.push(
				`PostgreSQL 15, ${leads.toLocaleString('en-US')} leads, ${postgres.rows.ledger.toLocaleString('en-US')} ledger entries, ${postgres.rows.events.toLocaleString('en-US')} events (built in ${postgres.seconds.toFixed(0)} s):`,
			);
			lines.push(
				...measureSide({ postgres: connection, schema }, leads).map((line) => `  ${line}`),
			);
			const admin = new Client({ ...connection, ssl: false });
			await admin.connect();
			await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
			await admin.end();
		}
		lines.push(
			`load average at end: ${loadavg()
				.map((value) => value.toFixed(1))
				.join(', ')}`,
		);
		return {
			title:
				'Views: List Leads and Score Dashboard at scale (embedded SQLite and PostgreSQL, loopback)',
			lines,
		};
	} finally {
		server.stop();
		rmSync(folder, { recursive: true, force: true });
	}
}
