import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { embeddedEventCount, startSandbox, type Sandbox } from '../scripts/n8n';
import { startQueueMode, type QueueMode } from '../scripts/n8n/queueMode';
import {
	startPostgresServer,
	startRedisServer,
	type PostgresServerHandle,
	type RedisServerHandle,
} from '../scripts/services/servers';
import { percentile, sendLoad, type LoadBatch } from './loopbackClient';
import type { BenchSection } from './section';

const REPO_ROOT = resolve(__dirname, '..', '..');
// The scoring workflow of the n8n bench (Webhook → Score Event → Check Threshold → Respond), as is
// for the embedded store and with Score Event switched to `store: postgres` for queue mode.
const SCORING_WORKFLOW = join(REPO_ROOT, 'bench', 'workflows', 'scoring.json');
const POSTGRES_CREDENTIAL = { id: 'benchPostgres001', name: 'Postgres (scores)' };

/** Tunable from the environment; the defaults are what README's figures were measured with. */
const SETTINGS = {
	requestsPerRound: Number(process.env.QUEUE_BENCH_REQUESTS_PER_ROUND ?? 150),
	rounds: Number(process.env.QUEUE_BENCH_ROUNDS ?? 2),
	concurrency: Number(process.env.QUEUE_BENCH_CONCURRENCY ?? 50),
	warmup: 20,
	leads: 200,
	requestTimeoutMs: 120_000,
	batchTimeoutMs: 10 * 60_000,
};

type ConfigKey = 'embedded' | 'queue1' | 'queue2';
const CONFIGS: Record<ConfigKey, string> = {
	embedded: 'one n8n process, store: embedded (SQLite)',
	queue1: 'queue mode, main + 1 worker, store: postgres',
	queue2: 'queue mode, main + 2 workers, store: postgres',
};

const EVENTS = [
	'Viewed Page',
	'Viewed Product',
	'Opened Email',
	'Downloaded Guide',
	'Started Checkout',
];

function eventBody(runTag: string, sequence: number): string {
	const lead = sequence % SETTINGS.leads;
	return JSON.stringify({
		email: `lead-${lead}@customer-${lead % 37}.example.com`,
		event: EVENTS[(sequence * 7 + lead) % EVENTS.length],
		eventId: `${runTag}-${sequence}`,
		time: new Date().toISOString(),
		properties: {
			url: sequence % 3 === 0 ? 'https://www.example.com/pricing' : 'https://www.example.com/docs',
			utm_source: 'newsletter',
		},
		profile: { title: lead % 3 === 0 ? 'VP Marketing' : 'Engineer', country: 'US' },
	});
}

/** The scoring workflow with Score Event on the PostgreSQL store (schema lead_scores, prefix ls_). */
function postgresVariant(folder: string): string {
	const workflow = JSON.parse(readFileSync(SCORING_WORKFLOW, 'utf8')) as {
		nodes: Array<{ type: string; parameters: Record<string, unknown>; credentials?: unknown }>;
	};
	for (const node of workflow.nodes) {
		if (node.type !== 'n8n-nodes-lead-scoring.scoreEvent') continue;
		node.parameters = {
			...node.parameters,
			store: 'postgres',
			postgresSchema: 'lead_scores',
			postgresTablePrefix: 'ls_',
		};
		node.credentials = { postgres: POSTGRES_CREDENTIAL };
	}
	const file = join(folder, 'scoring-postgres.json');
	writeFileSync(file, JSON.stringify(workflow, null, 2));
	return file;
}

/**
 * Queue mode's throughput beside one n8n process: the same scoring workflow on a plain n8n with the
 * embedded store, and in queue mode (main + workers, Redis, PostgreSQL for n8n and the scores) with
 * 1 and 2 workers. All three run at once, idle while another is measured; the order of the three is
 * reversed every round so a busier moment of the shared machine hits them alike.
 */
export default async function queueBench(): Promise<BenchSection> {
	const staging = mkdtempSync(join(tmpdir(), 'lead-scoring-queue-bench-'));
	let postgres: PostgresServerHandle | undefined;
	let redis: RedisServerHandle | undefined;
	let single: Sandbox | undefined;
	let cluster: QueueMode | undefined;
	const packageTarball = process.env.LEAD_SCORING_PACKAGE_TARBALL || undefined;
	try {
		postgres = startPostgresServer(REPO_ROOT);
		await postgres.createDatabase('n8n');
		await postgres.createDatabase('lead_scores');
		redis = startRedisServer(REPO_ROOT);
		const database = {
			host: postgres.host,
			port: postgres.port,
			user: postgres.user,
			password: postgres.password,
		};
		single = await startSandbox({
			repoRoot: REPO_ROOT,
			packageTarball,
			workflows: [SCORING_WORKFLOW],
		});
		cluster = await startQueueMode({
			repoRoot: REPO_ROOT,
			packageTarball,
			workers: 2,
			redis: { host: redis.host, port: redis.port },
			database: { ...database, database: 'n8n' },
			workflows: [postgresVariant(staging)],
			credentials: [
				{
					...POSTGRES_CREDENTIAL,
					type: 'postgres',
					data: {
						...database,
						database: 'lead_scores',
						ssl: 'disable',
						allowUnauthorizedCerts: false,
						sshTunnel: false,
					},
				},
			],
		});
		const [, secondWorker] = cluster.workers;
		const urls: Record<ConfigKey, string> = {
			embedded: single.webhooks[0].url,
			queue1: cluster.webhooks[0].url,
			queue2: cluster.webhooks[0].url,
		};
		const runTag = `queue-bench-${Date.now().toString(36)}`;
		let sequence = 0;
		const nextBody = () => eventBody(runTag, sequence++);
		const sentTo: Record<'embedded' | 'queue', number> = { embedded: 0, queue: 0 };
		const count = (key: ConfigKey, batch: LoadBatch) =>
			(sentTo[key === 'embedded' ? 'embedded' : 'queue'] += batch.requests);

		for (const key of ['embedded', 'queue2'] as const) {
			const warm = await sendLoad(urls[key], SETTINGS.warmup, 1, nextBody, SETTINGS);
			count(key, warm);
			if (warm.failures > 0) throw new Error(`${CONFIGS[key]} fails: ${warm.firstFailure ?? ''}`);
		}

		const batches = new Map<ConfigKey, LoadBatch[]>();
		const order: ConfigKey[] = ['embedded', 'queue1', 'queue2'];
		for (let round = 0; round < SETTINGS.rounds; round++) {
			for (const key of round % 2 === 0 ? order : [...order].reverse()) {
				// One worker: the second stops gracefully (it finishes its jobs) and starts again for two.
				if (key === 'queue1' && secondWorker.running) await secondWorker.stop();
				if (key === 'queue2' && !secondWorker.running) await secondWorker.start();
				const batch = await sendLoad(
					urls[key],
					SETTINGS.requestsPerRound,
					SETTINGS.concurrency,
					nextBody,
					SETTINGS,
				);
				count(key, batch);
				batches.set(key, [...(batches.get(key) ?? []), batch]);
				process.stderr.write(
					`queue bench round ${round + 1} ${key}: ${(batch.requests / batch.seconds).toFixed(1)} req/s` +
						`${batch.failures > 0 ? `, ${batch.failures} failed (${batch.firstFailure ?? ''})` : ''}\n`,
				);
			}
		}

		// Every request carried a new event id: each store must hold one event per request it got.
		const queueEvents = Number(
			(await postgres.sql('SELECT count(*) AS n FROM lead_scores.ls_events', [], 'lead_scores'))[0]
				.n,
		);
		const figures = Object.fromEntries(
			order.map((key) => {
				const list = batches.get(key) ?? [];
				const requests = list.reduce((sum, batch) => sum + batch.requests, 0);
				const latencies = list.flatMap((batch) => batch.latenciesMs).sort((a, b) => a - b);
				return [
					key,
					{
						perSecond: requests / list.reduce((sum, batch) => sum + batch.seconds, 0),
						rounds: list.map((batch) => (batch.requests / batch.seconds).toFixed(1)).join(' / '),
						p50: percentile(latencies, 50),
						p99: percentile(latencies, 99),
						failures: list.reduce((sum, batch) => sum + batch.failures, 0),
						firstFailure: list.find((batch) => batch.firstFailure)?.firstFailure,
					},
				];
			}),
		) as Record<
			ConfigKey,
			{
				perSecond: number;
				rounds: string;
				p50: number;
				p99: number;
				failures: number;
				firstFailure?: string;
			}
		>;

		const ratio = (a: ConfigKey, b: ConfigKey) =>
			`${(figures[a].perSecond / figures[b].perSecond).toFixed(2)}x`;
		const lines = [
			`Webhook → Score Event → Check Threshold → Respond; ${SETTINGS.rounds} rounds x ${SETTINGS.requestsPerRound} POSTs per configuration, ` +
				`${SETTINGS.concurrency} concurrent keep-alive connections, loopback; order reversed every round; n8n defaults otherwise (expression engine vm), ` +
				`workers at n8n's default concurrency of 10 jobs`,
			...order.map((key) => {
				const figure = figures[key];
				const failed =
					figure.failures > 0 ? `, ${figure.failures} failed (${figure.firstFailure ?? ''})` : '';
				return `${CONFIGS[key].padEnd(48)} ${figure.perSecond.toFixed(1)} req/s (rounds ${figure.rounds}), p50 ${figure.p50.toFixed(0)} ms, p99 ${figure.p99.toFixed(0)} ms${failed}`;
			}),
			`ratios: 1 worker / embedded ${ratio('queue1', 'embedded')}, 2 workers / embedded ${ratio('queue2', 'embedded')}, 2 workers / 1 worker ${ratio('queue2', 'queue1')}`,
			`events stored: embedded ${embeddedEventCount(single.n8n.userFolder)} of ${sentTo.embedded} requests, PostgreSQL ${queueEvents} of ${sentTo.queue} requests`,
			'All processes share one machine (2 cores here): queue mode adds Redis, PostgreSQL and a process per worker to it,',
			'so the figures show the overhead of the queue on one machine, not the gain of workers on machines of their own.',
		];
		return {
			title: 'Queue mode: main + workers (Redis, PostgreSQL) beside one n8n process',
			lines,
		};
	} finally {
		await cluster?.dispose();
		if (single) {
			await single.stop();
			rmSync(single.n8n.userFolder, { recursive: true, force: true });
		}
		redis?.stop();
		postgres?.stop();
		rmSync(staging, { recursive: true, force: true });
	}
}
