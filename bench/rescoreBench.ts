import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { scoreEvents } from '../lib/service/scoreBatch';
import type { EventInput } from '../lib/scoring/leadScore';
import { parseModel } from '../lib/scoring/model';
import { rescoreLeads } from '../lib/service/rescore';
import type { ScoreStore } from '../lib/store/scoreStore';
import { PostgresStore } from '../lib/store/postgres/postgresStore';
import { closePostgresPools } from '../lib/store/postgres/pool';
import { SqliteStore } from '../lib/store/sqliteStore';
import { startPostgresServer } from '../scripts/services/servers';
import { EXAMPLE_MODEL } from '../nodes/ScoreEvent/exampleModel';
import type { BenchSection } from './section';

const LEADS = 10_000;
const EVENTS_PER_LEAD = 20;
const NAMES = ['Viewed Page', 'Viewed Product', 'Opened Email', 'Clicked Email', 'Added to Cart'];

/** Leads per second of a full re-score: every lead's 20 kept events replayed under a changed model. */
export async function measureRescore(
	store: ScoreStore,
): Promise<{ leadsPerSecond: number; changed: number }> {
	const live = parseModel(EXAMPLE_MODEL);
	const start = Date.parse('2026-06-01T00:00:00Z');
	const events: EventInput[] = [];
	for (let round = 0; round < EVENTS_PER_LEAD; round++) {
		for (let lead = 0; lead < LEADS; lead++) {
			events.push({
				leadId: `lead-${lead}@example.com`,
				name: NAMES[(lead + round) % NAMES.length],
				eventId: `e-${lead}-${round}`,
				time: start + round * 3_600_000 + lead,
				data: { properties: { url: round % 4 === 0 ? '/pricing' : '/docs' } },
				hasProfile: false,
			});
		}
	}
	for (let i = 0; i < events.length; i += 20_000)
		await scoreEvents(store, live, 'default', events.slice(i, i + 20_000));
	const tuned = parseModel({
		...EXAMPLE_MODEL,
		label: 'tuned',
		rules: EXAMPLE_MODEL.rules.map((rule) => ({ ...rule, points: rule.points + 1 })),
	});
	const began = performance.now();
	const summary = await rescoreLeads(store, tuned, 'default');
	const seconds = (performance.now() - began) / 1000;
	if (summary.leads !== LEADS)
		throw new Error(`re-scored ${summary.leads} leads, expected ${LEADS}`);
	return { leadsPerSecond: LEADS / seconds, changed: summary.changed.length };
}

export default async function rescoreBench(): Promise<BenchSection> {
	const folder = mkdtempSync(join(tmpdir(), 'lead-rescore-bench-'));
	const store = new SqliteStore(join(folder, 'scores.sqlite'));
	const sqlite = await measureRescore(store);
	await store.close();
	rmSync(folder, { recursive: true, force: true });
	const server = startPostgresServer(join(__dirname, '..', '..'));
	let postgres: { leadsPerSecond: number; changed: number };
	try {
		await server.createDatabase('rescore_bench');
		const { host, port, user, password } = server;
		postgres = await measureRescore(
			new PostgresStore({ host, port, user, password, database: 'rescore_bench' }),
		);
		await closePostgresPools();
	} finally {
		server.stop();
	}
	return {
		title: `Re-score (${LEADS.toLocaleString('en-US')} leads x ${EVENTS_PER_LEAD} kept events, replayed under a changed model)`,
		lines: [
			`embedded SQLite: ${Math.round(sqlite.leadsPerSecond).toLocaleString('en-US')} leads re-scored per second (${sqlite.changed} changed)`,
			`PostgreSQL 15: ${Math.round(postgres.leadsPerSecond).toLocaleString('en-US')} leads re-scored per second (${postgres.changed} changed)`,
		],
	};
}
