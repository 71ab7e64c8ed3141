import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

import { SANDBOX_CREDENTIALS, startSandbox, type Execution, type Sandbox } from '../../scripts/n8n';
import { type KlaviyoMock, startKlaviyoMock } from '../../sandbox/klaviyo/klaviyoMock';
import type { StoredEvent } from '../../sandbox/klaviyo/klaviyoState';
import { PACKAGE_TARBALL, post, REPO_ROOT, START_TIMEOUT, storedLead } from './harness';

const EXAMPLE = join(REPO_ROOT, 'examples', 'workflows', 'klaviyo-trigger-scoring.json');
const WORKFLOW_ID = 'exKlaviyoTrigger';
const BULK_EVENTS_WORKFLOW = join(__dirname, 'workflows', 'klaviyo-bulk-events.json');

const sleep = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms));

// The example workflow (Klaviyo Trigger → Score Event → Klaviyo Upsert Profile) published in a real
// n8n against the loopback Klaviyo. n8n polls a published trigger once when it activates the
// workflow (on publishing and on every start) and then on its schedule (every minute here), so
// restarts make n8n poll at once; one step waits for a scheduled poll.
describe('Klaviyo Trigger and bulk Create Event in a real n8n', () => {
	let klaviyo: KlaviyoMock;
	let sandbox: Sandbox;

	/** The trigger's position as n8n saved it in its database. */
	const savedPosition = (): string => {
		const db = new DatabaseSync(join(sandbox.n8n.userFolder, '.n8n', 'database.sqlite'), {
			readOnly: true,
		});
		try {
			const row = db
				.prepare('SELECT staticData FROM workflow_entity WHERE id = ?')
				.get(WORKFLOW_ID) as { staticData: string | null } | undefined;
			return row?.staticData ?? '';
		} finally {
			db.close();
		}
	};

	const waitFor = async (what: string, ready: () => boolean, timeoutMs: number) => {
		const deadline = Date.now() + timeoutMs;
		while (!ready()) {
			if (Date.now() > deadline)
				throw new Error(`Timed out waiting for ${what}.\n${sandbox.n8n.logTail()}`);
			await sleep(250);
		}
	};

	/** The events each execution's Score Event scored (by Klaviyo event id), execution by execution. */
	const scoredEventIds = (executions: Execution[]) =>
		executions.map((execution) =>
			(execution.data.resultData.runData['Score Event']?.[0]?.data?.main[0] ?? []).map(
				(item) => (item.json.leadScore as { eventId: string }).eventId,
			),
		);

	const executionsAfter = async (count: number, timeoutMs: number) => {
		await waitFor(
			`${count} execution(s)`,
			() => sandbox.n8n.executions(WORKFLOW_ID).length >= count,
			timeoutMs,
		);
		const executions = await sandbox.n8n.waitForExecutions(WORKFLOW_ID, count);
		expect(executions.map((execution) => [execution.mode, execution.status])).toEqual(
			executions.map(() => ['trigger', 'success']),
		);
		return executions;
	};

	beforeAll(async () => {
		klaviyo = await startKlaviyoMock();
		sandbox = await startSandbox({
			repoRoot: REPO_ROOT,
			packageTarball: PACKAGE_TARBALL,
			workflows: [EXAMPLE, BULK_EVENTS_WORKFLOW],
			credentials: [
				{
					...SANDBOX_CREDENTIALS.klaviyo,
					data: { apiKey: klaviyo.apiKey, baseUrl: klaviyo.baseUrl },
				},
			],
		});
	}, START_TIMEOUT);

	afterAll(async () => {
		await sandbox?.dispose();
		await klaviyo?.close();
	}, 60_000);

	it('scores every event once: none lost while n8n is down, none repeated after a restart', async () => {
		// Activation: the first poll reads each metric from now on and n8n saves that position.
		await waitFor(
			'the activation poll to be saved',
			() => savedPosition().includes('OpnEml'),
			60_000,
		);
		expect(sandbox.n8n.executions(WORKFLOW_ID)).toHaveLength(0);

		const created: StoredEvent[] = [];
		const add = (
			metric: string,
			email: string,
			offsetMs = 0,
			properties: Record<string, unknown> = {},
		) => {
			const event = klaviyo.addEvent({ metric, email, time: Date.now() + offsetMs, properties });
			created.push(event);
			return event;
		};

		// 1. Events come in; n8n restarts and polls at once on start.
		add('Opened Email', 'ada@example.com');
		add('Clicked Email', 'ada@example.com');
		const lastOfFirst = add('Placed Order', 'grace@example.com', 0, { $value: 900 });
		klaviyo.addEvent({ metric: 'Viewed Product', email: 'ada@example.com', time: Date.now() }); // a metric the trigger does not follow
		await sandbox.n8n.restart();
		let executions = await executionsAfter(1, 90_000);
		expect(scoredEventIds(executions)).toEqual([created.slice(0, 3).map((event) => event.id)]);

		// 2. n8n is down while more events come in, one in the same second as the last one emitted.
		await sandbox.stop();
		klaviyo.addEvent({
			metric: 'Placed Order',
			email: 'hopper@example.com',
			time: lastOfFirst.timestamp * 1000,
		});
		created.push(klaviyo.state.events.at(-1)!);
		add('Opened Email', 'grace@example.com', 1_000);
		add('Clicked Email', 'hopper@example.com', 1_000);
		await sandbox.start();
		executions = await executionsAfter(2, 90_000);
		expect(scoredEventIds(executions)[1]).toEqual(created.slice(3).map((event) => event.id));

		// 3. A scheduled poll (every minute) picks up the next event without a restart.
		add('Clicked Email', 'grace@example.com', 2_000);
		executions = await executionsAfter(3, 100_000);
		const scored = scoredEventIds(executions).flat();
		expect(scored).toEqual(created.map((event) => event.id));
		expect(new Set(scored).size).toBe(created.length);

		// The scores are what the example's model gives once per event, in n8n's store and in Klaviyo.
		// ada: opened 2 + clicked 5; grace: order 25 + big order 10, opened 2, clicked 5; hopper: order 25, clicked 5.
		const expected = { 'ada@example.com': 7, 'grace@example.com': 42, 'hopper@example.com': 30 };
		for (const [leadId, score] of Object.entries(expected)) {
			expect(storedLead(sandbox.n8n.userFolder, leadId)?.score).toBe(score);
			expect(klaviyo.profileByEmail(leadId)?.attributes.properties.Lead_Score).toBe(score);
		}
		expect(klaviyo.problems).toEqual([]);
	}, 400_000);

	it('creates 250 events in bulk requests, each refused event failing its own item', async () => {
		const before = klaviyo.state.events.length;
		const events = Array.from({ length: 250 }, (_, index) => ({
			email: `bulk${index}@example.com`,
			id: `bulk-${index}`,
			score: index % 100,
			// More than a year ahead: Klaviyo refuses it.
			time:
				index === 42 ? '2031-01-01T00:00:00Z' : new Date(Date.now() - index * 1000).toISOString(),
		}));
		const reply = await post(sandbox.n8n.webhookUrl('klaviyo-bulk-events'), { events });
		expect(reply.status).toBe(200);
		const items = JSON.parse(reply.text) as Array<Record<string, unknown>>;
		expect(items).toHaveLength(250);
		expect(items.flatMap((item, index) => (item.error ? [index] : []))).toEqual([42]);
		expect(items[41]!.klaviyo).toEqual({
			profileId: null,
			created: null,
			status: 'accepted',
			uniqueId: 'bulk-41',
		});
		expect(klaviyo.calls('bulk_create_events')).toBe(2);
		expect(klaviyo.calls('create_event')).toBe(0);
		expect(klaviyo.state.events.length - before).toBe(249);
		expect(klaviyo.problems).toEqual([]);
	}, 120_000);
});
