import { readFileSync } from 'node:fs';

import { parseModel } from '../lib/scoring/model';
import { PostgresStore } from '../lib/store/postgres/postgresStore';
import { closePostgresPools, type PostgresConnection } from '../lib/store/postgres/pool';
import type { LeadFilter, LeadSort, ScoreStore } from '../lib/store/scoreStore';
import { SqliteStore } from '../lib/store/sqliteStore';
import { buildDashboard } from '../lib/service/dashboard';
import { dashboardPage } from '../lib/views/dashboardPage';
import { leadPages } from '../lib/service/leadList';
import { EXAMPLE_MODEL } from '../nodes/ScoreEvent/exampleModel';

// One measurement in a process of its own, so its peak memory is its own:
//   viewsWorker.js list <store.json> <sort> [filter.json]   every lead, page by page, as List Leads reads them
//   viewsWorker.js dashboard <store.json>                   the dashboard's aggregates and its page
// store.json: {"sqlite": path} or {"postgres": connection, "schema": name}

/** Anonymous resident memory (kB) of this process: what it allocated, not file pages mapped in. */
function rssAnonKb(): number {
	const match = /RssAnon:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
	return match ? Number(match[1]) : 0;
}

async function main(): Promise<void> {
	const [mode, storeJson, sortArg, filterJson] = process.argv.slice(2);
	const target = JSON.parse(storeJson) as {
		sqlite?: string;
		postgres?: PostgresConnection;
		schema?: string;
	};
	const store: ScoreStore = target.sqlite
		? new SqliteStore(target.sqlite)
		: new PostgresStore(target.postgres!, { schema: target.schema });
	let peakHeap = 0;
	let peakAnon = 0;
	let peakLive = 0;
	let pages = 0;
	const sample = () => {
		peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
		peakAnon = Math.max(peakAnon, rssAnonKb() * 1024);
		// Every 100th page, what is still referenced after a full collection: garbage not yet collected
		// depends on when the collector runs (later on a busy machine), live memory does not.
		const gc = (globalThis as { gc?: () => void }).gc;
		if (gc && pages++ % 100 === 0) {
			gc();
			peakLive = Math.max(peakLive, process.memoryUsage().heapUsed);
		}
	};
	const cpuAtStart = process.cpuUsage();
	const started = performance.now();
	let count = 0;
	let bytes = 0;
	if (mode === 'list') {
		const filter = filterJson ? (JSON.parse(filterJson) as LeadFilter) : {};
		for await (const page of leadPages(store, 'default', filter, sortArg as LeadSort, null)) {
			count += page.length;
			sample();
		}
	} else {
		const dashboard = await buildDashboard(
			store,
			parseModel(EXAMPLE_MODEL),
			'default',
			76,
			Date.now(),
		);
		bytes = dashboardPage(dashboard, 'Lead scores').length;
		count = dashboard.totalLeads;
		sample();
	}
	const seconds = (performance.now() - started) / 1000;
	const cpu = process.cpuUsage(cpuAtStart);
	const cpuSeconds = (cpu.user + cpu.system) / 1e6;
	await store.close();
	await closePostgresPools();
	process.stdout.write(
		`${JSON.stringify({ count, seconds, cpuSeconds, peakHeap, peakLive, peakAnon, bytes })}\n`,
	);
}

main().catch((error) => {
	process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
	process.exit(1);
});
