import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { startQueueMode, type QueueMode } from '../../scripts/n8n/queueMode';
import {
	startPostgresServer,
	startRedisServer,
	type PostgresServerHandle,
	type RedisServerHandle,
} from '../../scripts/services/servers';
import { SalesforceMock } from '../../sandbox/salesforce/salesforceMock';
import { mqlUpdatesPerLead, PACKAGE_TARBALL, REPO_ROOT, START_TIMEOUT } from './harness';

const WORKFLOW_FILE = join(__dirname, 'workflows', 'queue-score.json');
const SCORES_DATABASE = 'lead_scores';
const N8N_DATABASE = 'n8n';
const THRESHOLD = 30;
const POINTS: Record<string, number> = { Ping: 1, 'Viewed Pricing': 2 };

/** How many executions a worker started, from its log. */
function executionsStarted(logFile: string): number {
	return (readFileSync(logFile, 'utf8').match(/Worker started execution/g) ?? []).length;
}

interface ScoringEvent {
	email: string;
	event: string;
	eventId: string;
}

interface Reply {
	status: number;
	body: Record<string, unknown>;
}

/** POSTs one event; a network error or no answer within the limit is status 0 (not acknowledged). */
async function send(url: string, event: ScoringEvent, timeoutMs = 120_000): Promise<Reply> {
	try {
		const response = await fetch(url, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify(event),
			signal: AbortSignal.timeout(timeoutMs),
		});
		const text = await response.text();
		let body: Record<string, unknown> = {};
		try {
			body = JSON.parse(text) as Record<string, unknown>;
		} catch {
			body = { text };
		}
		return { status: response.status, body };
	} catch (error) {
		return { status: 0, body: { error: (error as Error).message } };
	}
}

/** n8n answered 200 with this event's own score: the score is committed. */
const acknowledges = (reply: Reply, event: ScoringEvent) =>
	reply.status === 200 && reply.body.eventId === event.eventId;

/**
 * `perLead` events for each of 20 leads, interleaved: leads 0-14 view pricing (+2 each, crossing
 * the threshold of 30 once on the way to 2 × perLead), leads 15-19 ping (+1 each, staying below).
 */
function eventsFor(tag: string, perLead: number): { events: ScoringEvent[]; leads: string[] } {
	const leads = Array.from({ length: 20 }, (_, index) => `${tag}-${index}@queue.example.com`);
	const events: ScoringEvent[] = [];
	for (let round = 0; round < perLead; round++) {
		for (const [index, email] of leads.entries()) {
			events.push({
				email,
				event: index < 15 ? 'Viewed Pricing' : 'Ping',
				eventId: `${tag}-${index}-${round}`,
			});
		}
	}
	return { events, leads };
}

function pointsOf(events: ScoringEvent[]): Map<string, number> {
	const totals = new Map<string, number>();
	for (const event of events)
		totals.set(event.email, (totals.get(event.email) ?? 0) + POINTS[event.event]);
	return totals;
}

// Queue mode as an operator scales out: a main instance takes the webhooks and puts each execution
// on the Redis queue, two `n8n worker` processes run them, n8n's own data and the scores live in
// PostgreSQL. The scores must come out exact under concurrency across processes, every crossing
// must reach Salesforce once, and a worker killed with SIGKILL must lose neither an acknowledged
// event nor a hand-off: the sender re-sends until acknowledged, and each crossing reaches sales once.
describe('n8n in queue mode (main + 2 workers, Redis, PostgreSQL)', () => {
	let postgres: PostgresServerHandle | undefined;
	let redis: RedisServerHandle | undefined;
	let salesforce: SalesforceMock | undefined;
	let cluster: QueueMode | undefined;
	const leadIds: Record<string, string> = {};

	const webhookUrl = () => cluster!.webhooks[0].url;

	const storedScores = async (leads: string[]): Promise<Map<string, number>> => {
		const rows = await postgres!.sql(
			'SELECT lead_id, score FROM lead_scores.ls_leads WHERE score_name = $1 AND lead_id = ANY($2)',
			['default', leads],
			SCORES_DATABASE,
		);
		return new Map(rows.map((row) => [String(row.lead_id), Number(row.score)]));
	};

	beforeAll(async () => {
		postgres = startPostgresServer(REPO_ROOT);
		await postgres.createDatabase(N8N_DATABASE);
		await postgres.createDatabase(SCORES_DATABASE);
		redis = startRedisServer(REPO_ROOT);
		salesforce = new SalesforceMock();
		await salesforce.start();
		for (const tag of ['burst', 'kill']) {
			for (const email of eventsFor(tag, 1).leads)
				leadIds[email] = salesforce.addLead({ Email: email }).Id;
		}
		const database = {
			host: postgres.host,
			port: postgres.port,
			user: postgres.user,
			password: postgres.password,
		};
		cluster = await startQueueMode({
			repoRoot: REPO_ROOT,
			packageTarball: PACKAGE_TARBALL,
			workers: 2,
			redis: { host: redis.host, port: redis.port },
			database: { ...database, database: N8N_DATABASE },
			workflows: [WORKFLOW_FILE],
			credentials: [
				{
					id: 'queuePostgres001',
					name: 'Postgres (scores)',
					type: 'postgres',
					data: {
						...database,
						database: SCORES_DATABASE,
						ssl: 'disable',
						allowUnauthorizedCerts: false,
						sshTunnel: false,
					},
				},
				{
					id: 'salesforceSandbx',
					name: 'Salesforce sandbox (local)',
					type: 'salesforceClientCredentialsOAuth2Api',
					data: salesforce.credentials(),
				},
			],
			env: {
				// A killed worker's jobs are given up after the lock expires (n8n: 60 s lock, 30 s check).
				QUEUE_WORKER_LOCK_DURATION: '10000',
				QUEUE_WORKER_LOCK_RENEW_TIME: '2000',
				QUEUE_WORKER_STALLED_INTERVAL: '5000',
			},
		});
	}, START_TIMEOUT + 300_000);

	afterAll(async () => {
		try {
			await cluster?.dispose();
		} finally {
			await salesforce?.stop();
			redis?.stop();
			postgres?.stop();
		}
	}, 180_000);

	it('scores 500 concurrent events over 20 leads exactly and hands each crossing to Salesforce once', async () => {
		const { events, leads } = eventsFor('burst', 25);
		expect(events).toHaveLength(500);

		// Two workers run 10 executions each at a time: the last answers come minutes later on a busy 2-core machine.
		const replies = await Promise.all(
			events.map(async (event) => await send(webhookUrl(), event, 540_000)),
		);
		const failed = replies.filter((reply, index) => !acknowledges(reply, events[index]));
		expect(failed).toEqual([]);
		expect(replies.every((reply) => reply.body.duplicate === false)).toBe(true);

		// Every lead's score in PostgreSQL is the sum of its events' points: no update lost or doubled.
		const expected = pointsOf(events);
		expect(Object.fromEntries(await storedScores(leads))).toEqual(Object.fromEntries(expected));

		// Each lead that reached the threshold crossed once; Salesforce was asked to update it once.
		const crossing = leads.filter((email) => expected.get(email)! >= THRESHOLD);
		expect(crossing).toHaveLength(15);
		const handedOver = replies
			.filter((reply) => reply.body.handedOver === true)
			.map((reply) => String(reply.body.leadId));
		expect(handedOver.sort()).toEqual([...crossing].sort());
		const updates = mqlUpdatesPerLead(salesforce!);
		expect(leads.map((email) => [email, updates.get(email) ?? 0])).toEqual(
			leads.map((email) => [email, crossing.includes(email) ? 1 : 0]),
		);
		for (const email of leads) {
			const lead = salesforce!.lead(leadIds[email])!;
			expect([email, lead.Status]).toEqual([
				email,
				crossing.includes(email) ? 'MQL' : 'Open - Not Contacted',
			]);
		}
		// Both workers ran executions (each logs "Worker started execution N").
		expect(cluster!.workers.map((worker) => executionsStarted(worker.logFile) > 0)).toEqual([
			true,
			true,
		]);
	}, 900_000);

	it('keeps every acknowledged event when a worker is killed with SIGKILL, counts re-sent events once, and hands each crossing over exactly once', async () => {
		const { events, leads } = eventsFor('kill', 20);
		const [victim, survivor] = cluster!.workers;
		// Leads 0-14 cross 30 with their 15th event (round 14, events 280-294): killing after 270
		// acknowledged events lands while crossing events are in flight, some on the victim.
		const killAfterAcks = 270;
		const replies = new Map<string, Reply>();
		let next = 0;
		let acks = 0;
		let killed: Promise<void> | undefined;

		// 40 senders keep the queue busy, so the kill lands while the worker runs executions.
		const sender = async () => {
			while (next < events.length) {
				const event = events[next++];
				const reply = await send(webhookUrl(), event, 60_000);
				replies.set(event.eventId, reply);
				if (acknowledges(reply, event)) acks++;
				if (acks >= killAfterAcks && !killed) killed = victim.stop('SIGKILL');
			}
		};
		await Promise.all(Array.from({ length: 40 }, sender));
		await killed;
		expect(victim.running).toBe(false);
		expect(survivor.running).toBe(true);

		const acknowledged = events.filter((event) => acknowledges(replies.get(event.eventId)!, event));
		const unacknowledged = events.filter((event) => !acknowledged.includes(event));
		expect(acknowledged.length).toBeGreaterThanOrEqual(killAfterAcks);
		// The worker was killed in the middle of executions: some requests were not answered with a score.
		expect(unacknowledged.length).toBeGreaterThan(0);

		// Nothing acknowledged was lost; at most the unanswered events were committed besides.
		const ackedPoints = pointsOf(acknowledged);
		const allPoints = pointsOf(events);
		const afterKill = await storedScores(leads);
		for (const email of leads) {
			const score = afterKill.get(email) ?? 0;
			expect([email, score >= (ackedPoints.get(email) ?? 0)]).toEqual([email, true]);
			expect([email, score <= allPoints.get(email)!]).toEqual([email, true]);
		}

		// The sender re-sends what was not acknowledged, with the same event ids, until each is
		// acknowledged: each counts once, whether or not the killed worker had committed it.
		let pending = unacknowledged;
		const resentReplies: Reply[] = [];
		for (let round = 0; round < 5 && pending.length > 0; round++) {
			const resent = await Promise.all(
				pending.map(async (event) => [event, await send(webhookUrl(), event)] as const),
			);
			resentReplies.push(...resent.map(([, reply]) => reply));
			pending = resent
				.filter(([event, reply]) => !acknowledges(reply, event))
				.map(([event]) => event);
		}
		expect(pending).toEqual([]);
		expect(Object.fromEntries(await storedScores(leads))).toEqual(Object.fromEntries(allPoints));

		// Acknowledged events sent again are duplicates and change nothing.
		const repeats = await Promise.all(
			acknowledged.slice(0, 20).map(async (event) => await send(webhookUrl(), event)),
		);
		expect(repeats.map((reply) => [reply.status, reply.body.duplicate])).toEqual(
			repeats.map(() => [200, true]),
		);
		expect(Object.fromEntries(await storedScores(leads))).toEqual(Object.fromEntries(allPoints));

		// Every lead that crossed was handed to Salesforce exactly once: a crossing whose run the kill
		// cut short went out again on its re-send, and Salesforce Mark MQL skipped leads already at MQL.
		const crossing = leads.filter((email) => allPoints.get(email)! >= THRESHOLD);
		expect(crossing).toHaveLength(15);
		const updates = mqlUpdatesPerLead(salesforce!);
		const cutShort = unacknowledged.filter(
			(event) => event.eventId.endsWith('-14') && allPoints.get(event.email)! >= THRESHOLD,
		).length;
		process.stdout.write(
			`Queue mode, worker killed: ${cutShort} crossing events unacknowledged and re-sent; MQL updates per crossing lead ${JSON.stringify(crossing.map((email) => updates.get(email) ?? 0))}\n`,
		);
		expect(leads.map((email) => [email, updates.get(email) ?? 0])).toEqual(
			leads.map((email) => [email, crossing.includes(email) ? 1 : 0]),
		);
		for (const email of leads) {
			expect([email, salesforce!.lead(leadIds[email])!.Status]).toEqual([
				email,
				crossing.includes(email) ? 'MQL' : 'Open - Not Contacted',
			]);
		}
		// The sender saw each crossing lead handed over (the answer it got for some event of the lead).
		const handedOver = new Set(
			[...replies.values(), ...resentReplies]
				.filter((reply) => reply.status === 200 && reply.body.handedOver === true)
				.map((reply) => String(reply.body.leadId)),
		);
		expect([...handedOver].sort()).toEqual([...crossing].sort());
	}, 600_000);
});
