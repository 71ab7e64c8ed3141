import {
	closeSync,
	copyFileSync,
	existsSync,
	fsyncSync,
	mkdirSync,
	mkdtempSync,
	openSync,
	renameSync,
	rmSync,
	statSync,
} from 'node:fs';
import { homedir, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { monitorEventLoopDelay } from 'node:perf_hooks';

import { Client } from 'pg';

import { sweepDecay } from '../lib/service/decaySweep';
import { scoreEvents } from '../lib/service/scoreBatch';
import type { EventInput } from '../lib/scoring/leadScore';
import { DAY_MS } from '../lib/scoring/decay';
import { parseModel } from '../lib/scoring/model';
import { modelVersion } from '../lib/scoring/modelVersion';
import { DEFAULT_REPORTING, EXACT_REPORTING, type Reporting } from '../lib/scoring/reporting';
import { rescoreLeads } from '../lib/service/rescore';
import { forgetOldHistory } from '../lib/service/retention';
import { PostgresStore } from '../lib/store/postgres/postgresStore';
import { closePostgresPools } from '../lib/store/postgres/pool';
import type { ScoreStore } from '../lib/store/scoreStore';
import { SqliteStore } from '../lib/store/sqliteStore';
import { startPostgresServer } from '../scripts/services/servers';
import { EXAMPLE_MODEL } from '../nodes/ScoreEvent/exampleModel';
import { megabytes, type BenchSection } from './section';
import { random } from '../sandbox/backtestData';

const model = parseModel(EXAMPLE_MODEL);
const T0 = Date.parse('2026-11-01T00:00:00Z');
// Built once and kept between runs, outside the repository (a 1,000,000-lead file is hundreds of MB).
const CACHE = join(homedir(), '.cache', 'n8n-nodes-lead-scoring', 'scale-bench');

const load = () => `load ${loadavg()[0].toFixed(1)}`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const count = (n: number) => n.toLocaleString('en-US');

// What leads do, by share of events: mostly email opens and page views, rarely a cart or a checkout.
const MIX: Array<[number, string, Record<string, unknown>]> = [
	[0.4, 'Opened Email', {}],
	[0.17, 'Viewed Page', { url: '/blog' }],
	[0.08, 'Viewed Page', { url: '/pricing' }],
	[0.15, 'Viewed Product', {}],
	[0.1, 'Clicked Email', {}],
	[0.05, 'Added to Cart', {}],
	[0.03, 'Downloaded Guide', {}],
	[0.02, 'Started Checkout', {}],
];

interface SimulatedLead {
	id: string;
	createdDay: number;
	/** Chance of being active on a given day: most leads are dormant, a few are busy. */
	rate: number;
	profiled: boolean;
}

function simulatedLeads(rand: () => number, leads: number): SimulatedLead[] {
	return Array.from({ length: leads }, (_, i) => {
		const segment = rand();
		return {
			id: `lead-${i}@example.com`,
			createdDay: -Math.floor(rand() * 365),
			rate: segment < 0.6 ? 0.003 : segment < 0.9 ? 0.03 : 0.2,
			profiled: false,
		};
	});
}

/** Every event of days [from, to), in time order; a lead's first event carries its profile (fit). */
function simulatedEvents(
	rand: () => number,
	leads: SimulatedLead[],
	from: number,
	to: number,
): EventInput[] {
	const events: EventInput[] = [];
	for (let day = from; day < to; day++) {
		for (const lead of leads) {
			if (day < lead.createdDay || rand() >= lead.rate) continue;
			const burst = 1 + Math.floor(rand() * 3);
			for (let n = 0; n < burst; n++) {
				let pick = rand();
				const [, name, properties] = MIX.find(([share]) => (pick -= share) < 0) ?? MIX[0];
				const data: Record<string, unknown> = { properties };
				if (!lead.profiled) {
					data.profile = {
						title: rand() < 0.2 ? 'VP Marketing' : 'Analyst',
						country: rand() < 0.5 ? 'US' : 'DE',
					};
					lead.profiled = true;
				}
				events.push({
					leadId: lead.id,
					name,
					time: T0 + day * DAY_MS + Math.floor(rand() * DAY_MS),
					data,
					hasProfile: 'profile' in data,
				});
			}
		}
	}
	return events.sort((a, b) => a.time - b.time);
}

async function scoreAll(store: ScoreStore, events: EventInput[]): Promise<void> {
	for (const result of await scoreEvents(store, model, 'default', events, {
		keepEventData: false,
	})) {
		if (!result.ok) throw result.error;
	}
}

/** 30 nights of Apply Decay over 10,000 leads with a year of history, under each way of reporting. */
async function simulateNights(): Promise<string[]> {
	const LEADS = 10_000;
	const NIGHTS = 30;
	const configs: Array<[string, Reporting]> = [
		['every change (Whole Points off, Minimum Change 0)', EXACT_REPORTING],
		['Whole Points, Minimum Change 1 (the defaults)', DEFAULT_REPORTING],
		['Whole Points, Minimum Change 2', { wholePoints: true, minimumChange: 2 }],
		['Whole Points, Minimum Change 3', { wholePoints: true, minimumChange: 3 }],
	];
	const rand = random(19);
	const leads = simulatedLeads(rand, LEADS);
	const history = simulatedEvents(rand, leads, -365, 0);
	const days = Array.from({ length: NIGHTS }, (_, night) =>
		simulatedEvents(rand, leads, night, night + 1),
	);
	const lines: string[] = [];
	const totals: number[] = [];
	for (const [label, reporting] of configs) {
		const store = new SqliteStore(':memory:');
		await scoreAll(store, history);
		await sweepDecay(store, model, 'default', T0, { reporting });
		const perNight: number[] = [];
		for (let night = 0; night < NIGHTS; night++) {
			await scoreAll(store, days[night]);
			perNight.push(
				(await sweepDecay(store, model, 'default', T0 + (night + 1) * DAY_MS, { reporting }))
					.length,
			);
		}
		await store.close();
		const total = perNight.reduce((sum, n) => sum + n, 0);
		totals.push(total);
		const sorted = [...perNight].sort((a, b) => a - b);
		const fewer =
			totals.length > 1
				? `, ${(100 * (1 - total / totals[0])).toFixed(1)}% fewer than every change`
				: '';
		lines.push(
			`${label}: ${count(total)} items in 30 nights (per night median ${count(sorted[NIGHTS >> 1])}, max ${count(sorted[NIGHTS - 1])})${fewer}`,
		);
	}
	const eventsPerDay = days.reduce((sum, day) => sum + day.length, 0) / NIGHTS;
	return [
		`${count(LEADS)} leads, a year of history (${count(history.length)} events), then ${NIGHTS} days of activity (${count(Math.round(eventsPerDay))} events a day, each one Score Event item) and a sweep each night; ${load()}`,
		...lines,
	];
}

const STATE_SQL = `json_object(
	'engagement', json_object('points', points, 'at', at, 'grants', json('[]')),
	'fit', fit, 'fitRules', json(CASE fit WHEN 0 THEN '[]' WHEN 5 THEN '["target-country"]' WHEN 15 THEN '["senior-title"]' ELSE '["senior-title","target-country"]' END),
	'score', score, 'tier', tier, 'lastActivityAt', at, 'evaluatedAt', at, 'counters', json('{}'),
	'eventCount', events, 'modelVersion', :version, 'revision', events)`;

// Lead states as a store holds them after months of scoring: 40% dormant at 0 behaviour points, the
// rest skewed low, every lead last written in the two days before the sweep.
const LEADS_SQL = `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < :leads),
	raw AS (SELECT i, ((i * 7919) % 10007) / 10007.0 AS u, ((i * 104729) % 1009) / 1009.0 AS v, ((i * 31) % 97) / 97.0 AS w FROM n),
	shaped AS (SELECT i, CASE WHEN u < 0.4 THEN 0 ELSE round(u * u * 60, 2) END AS points,
		CASE WHEN w < 0.6 THEN 0 WHEN w < 0.8 THEN 5 WHEN w < 0.95 THEN 15 ELSE 20 END AS fit,
		:t0 - CAST(v * 2 * ${DAY_MS} AS INTEGER) AS at, 1 + i % 20 AS events FROM raw),
	scored AS (SELECT *, min(100, round(points + fit, 2)) AS score FROM shaped),
	tiered AS (SELECT *, CASE WHEN score >= 76 THEN 'hot' WHEN score >= 51 THEN 'engaged' WHEN score >= 26 THEN 'warming' ELSE 'nurture' END AS tier FROM scored)
	INSERT INTO leads (score_name, lead_id, state, score, tier, last_activity_at, updated_at)
	SELECT 'default', printf('lead-%07d@example.com', i), ${STATE_SQL}, score, tier, at, at FROM tiered`;

/**
 * An embedded store file under the cache, made once by `fill` (bulk inserts into the store's own
 * schema) and kept between runs; a run stopped while building leaves no half-built file behind.
 */
function cachedStoreFile(
	name: string,
	fill: (db: DatabaseSync) => void,
): { path: string; builtIn?: number } {
	const path = join(CACHE, name);
	if (existsSync(path)) return { path };
	mkdirSync(CACHE, { recursive: true });
	const began = performance.now();
	const building = `${path}.building`;
	rmSync(building, { force: true });
	new SqliteStore(building).close().catch(() => undefined);
	const db = new DatabaseSync(building);
	fill(db);
	db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
	db.close();
	// A log left beside an older file of this name would be read as this file's.
	for (const suffix of ['-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
	renameSync(building, path);
	return { path, builtIn: performance.now() - began };
}

/**
 * The embedded store file with `leads` leads, built with one bulk insert and cached between runs.
 * Its rows lie in the file in lead id order, the order a sweep visits them; `arrival` lays the
 * same leads out in an order unrelated to their ids, as leads arriving over months leave them.
 */
function embeddedFile(leads: number, arrival = false): { path: string; builtIn?: number } {
	// i * 7919 mod leads visits every number below leads once (7919 is a prime that divides no 10^n).
	const sql = arrival
		? LEADS_SQL.replace(
				"printf('lead-%07d@example.com', i)",
				"printf('lead-%07d@example.com', (i * 7919) % :leads)",
			)
		: LEADS_SQL;
	return cachedStoreFile(`embedded-${arrival ? 'arrival-' : ''}${leads}.sqlite`, (db) => {
		db.prepare(sql).run({ leads, t0: T0, version: modelVersion(model) });
	});
}

interface SweepFigures {
	ms: number;
	changed: number;
	/** Peak resident memory above the level before the sweep (includes SQLite's page cache and memory map). */
	peakRss: number;
	/** Peak JavaScript heap above the level before the sweep (garbage not yet collected included). */
	peakHeap: number;
	/** JavaScript heap still held after the sweep and a full collection: what the sweep kept. */
	keptHeap: number;
	/** The largest live heap during the sweep (after a full collection every LIVE_HEAP_PAGES pages). */
	liveHeap: number;
	p99PauseMs: number;
	longestPauseMs: number;
	load: string;
}

// Peak heap depends on when V8 chooses to collect; the live heap, sampled after a forced full
// collection (node --expose-gc) every this many pages, is what the sweep really holds.
const LIVE_HEAP_PAGES = 100;

/**
 * One Apply Decay sweep (the defaults), one day after the leads were last written. The leads it
 * hands on are counted as they come (what the sweep itself needs); `collect` keeps them all, as
 * the node does for n8n's output.
 */
async function measureSweep(store: ScoreStore, collect = false): Promise<SweepFigures> {
	global.gc?.();
	const baseline = process.memoryUsage();
	let peak = baseline.rss;
	let peakHeap = baseline.heapUsed;
	const sample = () => {
		const usage = process.memoryUsage();
		peak = Math.max(peak, usage.rss);
		peakHeap = Math.max(peakHeap, usage.heapUsed);
	};
	const sampler = setInterval(sample, 50);
	const delay = monitorEventLoopDelay({ resolution: 10 });
	delay.enable();
	const began = performance.now();
	let handedOn = 0;
	let pages = 0;
	let liveHeap = 0;
	const kept = await sweepDecay(store, model, 'default', T0 + DAY_MS, {
		reporting: DEFAULT_REPORTING,
		onChanges: collect ? undefined : (changes) => (handedOn += changes.length),
		onPage: () => {
			if (++pages % LIVE_HEAP_PAGES !== 0 || !global.gc) return;
			// The forced collection is the bench's own pause, not the sweep's: the monitor skips it.
			delay.disable();
			global.gc();
			liveHeap = Math.max(liveHeap, process.memoryUsage().heapUsed - baseline.heapUsed);
			delay.enable();
		},
	});
	const ms = performance.now() - began;
	const changed = { length: collect ? kept.length : handedOn };
	delay.disable();
	clearInterval(sampler);
	sample();
	global.gc?.();
	const keptHeap = process.memoryUsage().heapUsed - baseline.heapUsed;
	void kept;
	return {
		keptHeap,
		liveHeap,
		p99PauseMs: delay.percentile(99) / 1e6,
		ms,
		changed: changed.length,
		peakRss: peak - baseline.rss,
		peakHeap: peakHeap - baseline.heapUsed,
		longestPauseMs: delay.max / 1e6,
		load: load(),
	};
}

function sweepLine(
	leads: number,
	figures: SweepFigures,
	base?: SweepFigures & { leads: number },
): string {
	const ratio = base
		? ` (x${(figures.ms / base.ms).toFixed(1)} the time, x${(figures.liveHeap / Math.max(1, base.liveHeap)).toFixed(2)} the live heap, x${(figures.peakHeap / Math.max(1, base.peakHeap)).toFixed(2)} the peak heap, x${(figures.peakRss / Math.max(1, base.peakRss)).toFixed(2)} the resident memory of the ${count(base.leads)}-lead run)`
		: '';
	return `${count(leads)} leads: ${seconds(figures.ms)}, ${count(Math.round((leads / figures.ms) * 1000))} leads/s, ${count(figures.changed)} handed on, live heap at most +${megabytes(figures.liveHeap)}, peak heap +${megabytes(figures.peakHeap)} (+${megabytes(figures.keptHeap)} kept after it), peak resident +${megabytes(figures.peakRss)}, longest event-loop pause ${figures.longestPauseMs.toFixed(0)} ms (99th percentile ${figures.p99PauseMs.toFixed(0)} ms)${ratio}; ${figures.load}`;
}

/**
 * A copy of a cached store file, flushed to disk: otherwise the kernel writes the copy's hundreds of
 * MB back while the run measured on it syncs its own writes, and that run waits for both.
 */
function flushedCopy(path: string, copy: string): void {
	copyFileSync(path, copy);
	const fd = openSync(copy, 'r+');
	fsyncSync(fd);
	closeSync(fd);
}

/** A sweep over a fresh copy of the cached file, so every run starts from the same leads. */
async function sweepCopy(
	path: string,
	collect: boolean,
): Promise<{ figures: SweepFigures; again: number; bytes: number }> {
	const folder = mkdtempSync(join(tmpdir(), 'lead-scale-bench-'));
	try {
		const copy = join(folder, 'scores.sqlite');
		flushedCopy(path, copy);
		const store = new SqliteStore(copy);
		const figures = await measureSweep(store, collect);
		const again = await sweepDecay(store, model, 'default', T0 + DAY_MS, {
			reporting: DEFAULT_REPORTING,
		});
		await store.close();
		return { figures, again: again.length, bytes: statSync(copy).size };
	} finally {
		rmSync(folder, { recursive: true, force: true });
	}
}

async function embeddedSweeps(sizes: number[]): Promise<string[]> {
	const lines: string[] = [];
	let base: (SweepFigures & { leads: number }) | undefined;
	for (const leads of sizes) {
		const { path, builtIn } = embeddedFile(leads);
		if (builtIn !== undefined)
			lines.push(
				`built ${count(leads)} leads with one bulk insert in ${seconds(builtIn)} (cached in ${CACHE}); ${load()}`,
			);
		const { figures, again, bytes } = await sweepCopy(path, false);
		lines.push(sweepLine(leads, figures, base));
		lines.push(
			`  a second sweep at the same time: ${again} handed on, file ${megabytes(bytes)} = ${count(Math.round(bytes / leads))} bytes per lead (no kept events)`,
		);
		if (!base) {
			const collected = (await sweepCopy(path, true)).figures;
			lines.push(
				`  the same sweep keeping every item for n8n's output, as the node does: ${sweepLine(leads, collected)}`,
			);
		}
		base ??= { ...figures, leads };
		if (leads === sizes[sizes.length - 1]) {
			const arrival = embeddedFile(leads, true);
			if (arrival.builtIn !== undefined)
				lines.push(
					`built the same ${count(leads)} leads in arrival order in ${seconds(arrival.builtIn)}; ${load()}`,
				);
			const { figures: spread } = await sweepCopy(arrival.path, false);
			lines.push(
				`  the same leads with their rows in arrival order (each changed lead then writes a table page of its own): ${seconds(spread.ms)}, x${(spread.ms / figures.ms).toFixed(2)} the time in lead id order, longest event-loop pause ${spread.longestPauseMs.toFixed(0)} ms (99th percentile ${spread.p99PauseMs.toFixed(0)} ms); ${spread.load}`,
			);
		}
	}
	return lines;
}

const KEPT_EVENTS = 10;
const RETENTION_MS = 90 * DAY_MS;

// Ten kept events a lead, received over the 90 days of the event retention in lead order, so the
// hourly pruning at T0 + 1 hour finds one hour's worth past the retention.
const EVENTS_SQL = `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < :leads),
	k(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM k WHERE j + 1 < ${KEPT_EVENTS})
	INSERT INTO events (score_name, event_id, lead_id, event_name, event_time, received_at, payload)
	SELECT 'default', printf('e-%07d-%d', i, j), printf('lead-%07d@example.com', i),
		CASE (i + j) % 5 WHEN 0 THEN 'Viewed Page' WHEN 1 THEN 'Viewed Product' WHEN 2 THEN 'Opened Email' WHEN 3 THEN 'Clicked Email' ELSE 'Added to Cart' END,
		:t0 - ${RETENTION_MS} + (i * ${RETENTION_MS}) / :leads + j * 60000,
		:t0 - ${RETENTION_MS} + (i * ${RETENTION_MS}) / :leads + j * 60000,
		json_object('kind', 'event', 'data', json_object('properties', json_object('url', CASE j % 4 WHEN 0 THEN '/pricing' ELSE '/docs' END)), 'hasProfile', json('false'))
	FROM n, k ORDER BY i, j`;

/** The embedded store with `leads` leads and ten kept events each, cached between runs. */
function rescoreFile(leads: number): { path: string; builtIn?: number } {
	return cachedStoreFile(`rescore-${leads}.sqlite`, (db) => {
		db.prepare(LEADS_SQL.replace('1 + i % 20 AS events', `${KEPT_EVENTS} AS events`)).run({
			leads,
			t0: T0,
			version: modelVersion(model),
		});
		db.prepare(EVENTS_SQL).run({ leads, t0: T0 });
	});
}

/** Bytes of the tables (with their indexes) holding leads and kept events. */
function tableBytes(path: string): { leads: number; events: number } {
	const db = new DatabaseSync(path, { readOnly: true });
	const bytes = (names: string[]) =>
		Number(
			(
				db
					.prepare(
						`SELECT sum(pgsize) AS bytes FROM dbstat WHERE name IN (${names.map(() => '?').join(', ')})`,
					)
					.get(...names) as { bytes: number }
			).bytes,
		);
	const sizes = {
		leads: bytes(['leads', 'sqlite_autoindex_leads_1']),
		events: bytes(['events', 'events_event_id', 'events_lead']),
	};
	db.close();
	return sizes;
}

/** The example model with a point more on every rule: a Re-Score changes every lead. */
const TUNED = parseModel({
	...EXAMPLE_MODEL,
	label: 'tuned',
	rules: EXAMPLE_MODEL.rules.map((rule) => ({ ...rule, points: rule.points + 1 })),
});

/** Milliseconds of the hourly pruning an hour after the start: the events past the 90-day retention. */
async function timePruning(store: ScoreStore): Promise<number> {
	const began = performance.now();
	await forgetOldHistory(
		store,
		model,
		'default',
		{ eventDays: 90, ledgerDays: 365 },
		T0 + 3_600_000,
	);
	return performance.now() - began;
}

/** A full Re-Score under TUNED: its time, its summary and the longest event-loop pause (ms). */
async function timeRescore(store: ScoreStore) {
	const delay = monitorEventLoopDelay({ resolution: 10 });
	delay.enable();
	const began = performance.now();
	const summary = await rescoreLeads(store, TUNED, 'default', { reporting: DEFAULT_REPORTING });
	const ms = performance.now() - began;
	delay.disable();
	return { ms, summary, pauseMs: delay.max / 1e6 };
}

/** The figures of the first (100,000-lead) size, which the larger size's figures are given against. */
interface RescoreBase {
	leads: number;
	pruningMs: number;
	rescoreMs: number;
	leadBytes?: number;
	eventBytes: number;
}

/** ` (xN the <first size>-lead run)`, or nothing for the first size itself. */
function against(value: number, base: number | undefined, leads: number | undefined): string {
	return base === undefined || leads === undefined
		? ''
		: ` (x${(value / Math.max(base, 1e-9)).toFixed(2)} the ${count(leads)}-lead run)`;
}

/** The hourly pruning and a full Re-Score under a changed model, on a fresh copy of the cached file. */
async function rescoreSweeps(sizes: number[]): Promise<string[]> {
	const lines: string[] = [];
	let base: RescoreBase | undefined;
	for (const leads of sizes) {
		const { path, builtIn } = rescoreFile(leads);
		if (builtIn !== undefined)
			lines.push(
				`built ${count(leads)} leads x ${KEPT_EVENTS} kept events with bulk inserts in ${seconds(builtIn)}; ${load()}`,
			);
		const bytes = tableBytes(path);
		const events = leads * KEPT_EVENTS;
		const leadBytes = bytes.leads / leads;
		const eventBytes = bytes.events / events;
		lines.push(
			`${count(leads)} leads: file ${megabytes(statSync(path).size)}; leads ${count(Math.round(leadBytes))} bytes each${against(leadBytes, base?.leadBytes, base?.leads)}, kept events ${count(Math.round(eventBytes))} bytes each${against(eventBytes, base?.eventBytes, base?.leads)} (target under 1,000 and 300)`,
		);
		const folder = mkdtempSync(join(tmpdir(), 'lead-scale-bench-'));
		try {
			const copy = join(folder, 'scores.sqlite');
			flushedCopy(path, copy);
			const store = new SqliteStore(copy);
			const pruningMs = await timePruning(store);
			lines.push(
				`  hourly pruning (one hour of events past the 90-day retention, ${count(Math.round(events / 2160))} events): ${seconds(pruningMs)}${against(pruningMs, base?.pruningMs, base?.leads)}; ${load()}`,
			);
			const { ms, summary, pauseMs } = await timeRescore(store);
			await store.close();
			lines.push(
				`  Re-Score: ${seconds(ms)}, ${count(Math.round((leads / ms) * 1000))} leads/s, ${count(summary.changed.length)} handed on, ${count(summary.skipped.length)} skipped, longest event-loop pause ${pauseMs.toFixed(0)} ms${against(ms, base?.rescoreMs, base?.leads)}; ${load()}`,
			);
			base ??= { leads, pruningMs, rescoreMs: ms, leadBytes, eventBytes };
		} finally {
			rmSync(folder, { recursive: true, force: true });
		}
	}
	return lines;
}

const PG_LEADS_SQL = `INSERT INTO lead_scoring_leads (score_name, lead_id, state, score, tier, last_activity_at, updated_at)
	SELECT 'default', 'lead-' || lpad(i::text, 7, '0') || '@example.com',
		jsonb_build_object('engagement', jsonb_build_object('points', points, 'at', at, 'grants', '[]'::jsonb), 'fit', fit,
			'fitRules', CASE fit WHEN 0 THEN '[]'::jsonb WHEN 5 THEN '["target-country"]' WHEN 15 THEN '["senior-title"]' ELSE '["senior-title","target-country"]' END,
			'score', score, 'tier', tier, 'lastActivityAt', at, 'evaluatedAt', at, 'counters', '{}'::jsonb,
			'eventCount', events, 'modelVersion', $3::text, 'revision', events),
		score, tier, at, at
	FROM (SELECT *, CASE WHEN score >= 76 THEN 'hot' WHEN score >= 51 THEN 'engaged' WHEN score >= 26 THEN 'warming' ELSE 'nurture' END AS tier
		FROM (SELECT *, least(100, round((points + fit)::numeric, 2))::float8 AS score
			FROM (SELECT i, CASE WHEN u < 0.4 THEN 0 ELSE round((u * u * 60)::numeric, 2)::float8 END AS points,
				CASE WHEN w < 0.6 THEN 0 WHEN w < 0.8 THEN 5 WHEN w < 0.95 THEN 15 ELSE 20 END AS fit,
				$2::bigint - (v * 2 * ${DAY_MS})::bigint AS at, 1 + i % 20 AS events
				FROM (SELECT i, ((i::bigint * 7919) % 10007) / 10007.0 AS u, ((i::bigint * 104729) % 1009) / 1009.0 AS v, ((i * 31) % 97) / 97.0 AS w
					FROM generate_series($1::int, $4::int - 1) AS i) raw) shaped) scored) tiered`;

const PG_EVENTS_SQL = `INSERT INTO lead_scoring_events (score_name, event_id, lead_id, event_name, event_time, received_at, payload)
	SELECT 'default', 'e-' || lpad(i::text, 7, '0') || '-' || j, 'lead-' || lpad(i::text, 7, '0') || '@example.com',
		CASE (i + j) % 5 WHEN 0 THEN 'Viewed Page' WHEN 1 THEN 'Viewed Product' WHEN 2 THEN 'Opened Email' WHEN 3 THEN 'Clicked Email' ELSE 'Added to Cart' END,
		$2::bigint - ${RETENTION_MS} + (i::bigint * ${RETENTION_MS}) / $1 + j * 60000,
		$2::bigint - ${RETENTION_MS} + (i::bigint * ${RETENTION_MS}) / $1 + j * 60000,
		json_build_object('kind', 'event', 'data', json_build_object('properties', json_build_object('url', CASE j % 4 WHEN 0 THEN '/pricing' ELSE '/docs' END)), 'hasProfile', false)
	FROM generate_series(0, $1::int - 1) AS i, generate_series(0, ${KEPT_EVENTS - 1}) AS j ORDER BY i, j`;

/** As rescoreSweeps, on PostgreSQL: the hourly pruning, a full Re-Score, and bytes per kept event. */
async function postgresRescores(
	client: Client,
	store: ScoreStore,
	sizes: number[],
): Promise<string[]> {
	const lines: string[] = [];
	let base: RescoreBase | undefined;
	for (const leads of sizes) {
		const began = performance.now();
		await client.query('TRUNCATE lead_scoring_leads, lead_scoring_events');
		await client.query(PG_LEADS_SQL.replace('1 + i % 20 AS events', `${KEPT_EVENTS} AS events`), [
			0,
			T0,
			modelVersion(model),
			leads,
		]);
		await client.query(PG_EVENTS_SQL, [leads, T0]);
		await client.query('VACUUM ANALYZE lead_scoring_leads');
		await client.query('VACUUM ANALYZE lead_scoring_events');
		const events = leads * KEPT_EVENTS;
		const { rows } = await client.query<{ bytes: string }>(
			`SELECT pg_total_relation_size('lead_scoring_events') AS bytes`,
		);
		const eventBytes = Number(rows[0].bytes) / events;
		lines.push(
			`${count(leads)} leads x ${KEPT_EVENTS} kept events built in ${seconds(performance.now() - began)}; kept events ${count(Math.round(eventBytes))} bytes each with their indexes${against(eventBytes, base?.eventBytes, base?.leads)}; ${load()}`,
		);
		progress(lines);
		const pruningMs = await timePruning(store);
		lines.push(
			`  hourly pruning (${count(Math.round(events / 2160))} events past the retention): ${seconds(pruningMs)}${against(pruningMs, base?.pruningMs, base?.leads)}; ${load()}`,
		);
		const { ms, summary, pauseMs } = await timeRescore(store);
		lines.push(
			`  Re-Score: ${seconds(ms)}, ${count(Math.round((leads / ms) * 1000))} leads/s, ${count(summary.changed.length)} handed on, ${count(summary.skipped.length)} skipped, longest event-loop pause ${pauseMs.toFixed(0)} ms${against(ms, base?.rescoreMs, base?.leads)}; ${load()}`,
		);
		progress(lines);
		base ??= { leads, pruningMs, rescoreMs: ms, eventBytes };
	}
	return lines;
}

/** Long runs: each figure also goes to stderr as it is measured. */
function progress(lines: string[]): void {
	process.stderr.write(`${lines[lines.length - 1]}\n`);
}

async function postgresSweeps(sizes: number[]): Promise<string[]> {
	const lines: string[] = [];
	const server = startPostgresServer(join(__dirname, '..', '..'));
	try {
		await server.createDatabase('scale_bench');
		const connection = {
			host: server.host,
			port: server.port,
			user: server.user,
			password: server.password,
			database: 'scale_bench',
		};
		const store = new PostgresStore(connection);
		await store.listLeads('default', null, 1);
		const client = new Client(connection);
		await client.connect();
		let base: (SweepFigures & { leads: number }) | undefined;
		for (const leads of sizes) {
			const began = performance.now();
			// From scratch for each size: every run sweeps leads no sweep has seen.
			await client.query('TRUNCATE lead_scoring_leads');
			await client.query(PG_LEADS_SQL, [0, T0, modelVersion(model), leads]);
			await client.query('VACUUM ANALYZE lead_scoring_leads');
			lines.push(
				`built ${count(leads)} leads with bulk inserts in ${seconds(performance.now() - began)}; ${load()}`,
			);
			const figures = await measureSweep(store);
			lines.push(sweepLine(leads, figures, base));
			base ??= { ...figures, leads };
			if (leads === sizes[sizes.length - 1]) {
				const { rows } = await client.query<{ bytes: string }>(
					`SELECT pg_total_relation_size('lead_scoring_leads') AS bytes`,
				);
				const bytes = Number(rows[0].bytes);
				lines.push(
					`  leads table with indexes ${megabytes(bytes)}: ${count(Math.round(bytes / leads))} bytes per lead (no kept events)`,
				);
			}
			progress(lines);
		}
		if (process.env.SCALE_RESCORE !== '0') {
			lines.push(
				`Hourly pruning and Re-Score (the defaults), PostgreSQL 15, ${KEPT_EVENTS} kept events a lead:`,
			);
			lines.push(...(await postgresRescores(client, store, sizes)).map((line) => `  ${line}`));
		}
		await client.end();
		await closePostgresPools();
	} finally {
		server.stop();
	}
	return lines;
}

export default async function scaleBench(): Promise<BenchSection> {
	// SCALE_LEADS=100000 runs only the smaller size (a quick look); the full run does 100,000 then 1,000,000.
	const sizes = process.env.SCALE_LEADS ? [Number(process.env.SCALE_LEADS)] : [100_000, 1_000_000];
	const lines: string[] = [];
	if (process.env.SCALE_SIMULATION !== '0')
		lines.push('Apply Decay, 30 nights:', ...(await simulateNights()).map((line) => `  ${line}`));
	if (process.env.SCALE_EMBEDDED !== '0') {
		lines.push(
			'Apply Decay (the defaults), embedded SQLite, one night after the leads were last written:',
		);
		lines.push(...(await embeddedSweeps(sizes)).map((line) => `  ${line}`));
	}
	if (process.env.SCALE_EMBEDDED !== '0' && process.env.SCALE_RESCORE !== '0') {
		lines.push(
			`Hourly pruning and Re-Score (the defaults), embedded SQLite, ${KEPT_EVENTS} kept events a lead:`,
		);
		lines.push(...(await rescoreSweeps(sizes)).map((line) => `  ${line}`));
	}
	if (process.env.SCALE_POSTGRES !== '0') {
		lines.push('Apply Decay (the defaults), PostgreSQL 15:');
		lines.push(...(await postgresSweeps(sizes)).map((line) => `  ${line}`));
	}
	return { title: 'Scale: a million leads (Apply Decay, whole points and Minimum Change)', lines };
}
