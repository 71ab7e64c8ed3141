/**
 * The Klaviyo Trigger run by n8n-core in-process against the loopback Klaviyo, in the example
 * workflow (Klaviyo Trigger → Score Event → Klaviyo Upsert Profile): the editor's metric list
 * and "Fetch Test Event", and polls of a published workflow across a restart.
 */
import { join } from 'node:path';

import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	INodeExecutionData,
	IWorkflowBase,
} from 'n8n-workflow';

import { loadWorkflow, outputOf, runWorkflow } from '../../sandbox/n8nWorkflow';
import { loadOptions, pollOnce } from '../harness/pollTrigger';
import { type KlaviyoMock, startKlaviyoMock } from '../../sandbox/klaviyo/klaviyoMock';

const EXAMPLE = join(
	__dirname,
	'..',
	'..',
	'examples',
	'workflows',
	'klaviyo-trigger-scoring.json',
);
const TRIGGER = 'Klaviyo Trigger';

let mock: KlaviyoMock;
let credentials: Record<string, ICredentialDataDecryptedObject>;
let workflow: IWorkflowBase;

beforeEach(async () => {
	mock = await startKlaviyoMock();
	credentials = {
		klaviyoApi: { apiKey: mock.apiKey, baseUrl: mock.baseUrl, revision: '2026-07-15' },
	};
	workflow = loadWorkflow(EXAMPLE);
});

afterEach(async () => {
	expect(mock.problems).toEqual([]);
	await mock.close();
});

function withTrigger(parameters: Record<string, unknown>): IWorkflowBase {
	const trigger = workflow.nodes.find((node) => node.name === TRIGGER)!;
	Object.assign(trigger.parameters, parameters);
	return workflow;
}

/** What n8n does with a poll's items: an execution of the published workflow in trigger mode. */
async function runWith(emitted: INodeExecutionData[][]) {
	const run = await runWorkflow(workflow, {
		mode: 'trigger',
		startNode: TRIGGER,
		input: emitted[0],
		credentials,
	});
	expect(run.data.resultData.error).toBeUndefined();
	return run;
}

const scoresOf = (run: Awaited<ReturnType<typeof runWith>>) =>
	outputOf(run, 'Score Event').map((item) => {
		const { leadId, event, eventId, score } = item.json.leadScore as IDataObject;
		return { leadId, event, eventId, score };
	});

describe('in the editor', () => {
	it("lists the account's metrics, with their integration, for the Metrics parameter", async () => {
		const options = await loadOptions(workflow, TRIGGER, 'getMetrics', credentials);
		expect(options).toEqual(
			expect.arrayContaining([
				{ name: 'Opened Email (Klaviyo)', value: 'OpnEml' },
				{ name: 'Placed Order (Shopify)', value: 'PlcOrd' },
			]),
		);
	});

	it('"Fetch Test Event" returns the newest event, which Score Event scores with its defaults', async () => {
		mock.addEvent({ metric: 'Opened Email', email: 'old@example.com', time: Date.now() - 120_000 });
		const newest = mock.addEvent({
			metric: 'Placed Order',
			email: 'Ada@Example.com',
			time: Date.now() - 60_000,
			properties: { $value: 120 },
			profile: { title: 'VP Sales' },
		});
		mock.addEvent({
			metric: 'Viewed Product',
			email: 'other-metric@example.com',
			time: Date.now(),
		});
		const run = await runWorkflow(workflow, { mode: 'manual', startNode: TRIGGER, credentials });
		expect(run.data.resultData.error).toBeUndefined();
		const [item] = outputOf(run, TRIGGER);
		expect(item!.json).toMatchObject({
			email: 'Ada@Example.com',
			event: 'Placed Order',
			eventId: newest.id,
			properties: { $value: 120 },
		});
		expect(scoresOf(run)).toEqual([
			{ leadId: 'ada@example.com', event: 'Placed Order', eventId: newest.id, score: 40 },
		]);
		expect(mock.profileByEmail('ada@example.com')?.attributes.properties).toMatchObject({
			Lead_Score: 40,
			Lead_Tier: 'warming',
		});
	});

	it('says so when the chosen metrics have no event yet', async () => {
		const run = await runWorkflow(workflow, { mode: 'manual', startNode: TRIGGER, credentials });
		expect(run.data.resultData.error?.message).toBe(
			'No events of the chosen metrics in Klaviyo yet',
		);
	});
});

describe('published', () => {
	it('starts from now, scores each new event once, and resumes after a restart from the saved position', async () => {
		mock.addEvent({
			metric: 'Opened Email',
			email: 'before@example.com',
			time: Date.now() - 5_000,
		});
		const activation = await pollOnce(workflow, TRIGGER, { credentials });
		expect(activation.emitted).toBeNull();

		const now = Date.now();
		const opened = mock.addEvent({ metric: 'Opened Email', email: 'grace@example.com', time: now });
		const clicked = mock.addEvent({
			metric: 'Clicked Email',
			email: 'grace@example.com',
			time: now + 1_000,
		});
		mock.addEvent({ metric: 'Viewed Product', email: 'grace@example.com', time: now + 1_000 });
		const first = await pollOnce(workflow, TRIGGER, {
			credentials,
			staticData: activation.staticData,
		});
		expect(first.emitted![0]!.map((item) => item.json.eventId)).toEqual([opened.id, clicked.id]);
		expect(scoresOf(await runWith(first.emitted!))).toEqual([
			{ leadId: 'grace@example.com', event: 'Opened Email', eventId: opened.id, score: 2 },
			{ leadId: 'grace@example.com', event: 'Clicked Email', eventId: clicked.id, score: 7 },
		]);

		// n8n restarts from what it saved with those events; meanwhile one event lands in the same
		// second as the last one emitted, and an order arrives.
		const sameSecond = mock.addEvent({
			metric: 'Clicked Email',
			email: 'hopper@example.com',
			time: now + 1_000,
		});
		const order = mock.addEvent({
			metric: 'Placed Order',
			email: 'grace@example.com',
			time: now + 2_000,
			properties: { $value: 640 },
		});
		const afterRestart = await pollOnce(workflow, TRIGGER, {
			credentials,
			staticData: first.staticData,
			activation: 'init',
		});
		expect(afterRestart.emitted![0]!.map((item) => item.json.eventId)).toEqual([
			sameSecond.id,
			order.id,
		]);
		expect(scoresOf(await runWith(afterRestart.emitted!))).toEqual([
			{ leadId: 'hopper@example.com', event: 'Clicked Email', eventId: sameSecond.id, score: 5 },
			{ leadId: 'grace@example.com', event: 'Placed Order', eventId: order.id, score: 42 },
		]);
		expect(mock.profileByEmail('grace@example.com')?.attributes.properties).toMatchObject({
			Lead_Score: 42,
			Lead_Tier: 'warming',
		});

		// A poll from an older save (n8n stopped before saving) repeats events: Score Event counts them once.
		const repeated = await pollOnce(workflow, TRIGGER, {
			credentials,
			staticData: first.staticData,
		});
		const again = await runWith(repeated.emitted!);
		expect(
			outputOf(again, 'Score Event').map((item) => (item.json.leadScore as IDataObject).duplicate),
		).toEqual([true, true]);
		expect(
			await pollOnce(workflow, TRIGGER, { credentials, staticData: afterRestart.staticData }),
		).toMatchObject({ emitted: null });
	});

	it("sends an event without an email down Score Event's error output and scores the rest", async () => {
		const activation = await pollOnce(workflow, TRIGGER, { credentials });
		mock.state.recordEvent({
			properties: {},
			time: new Date().toISOString(),
			metric: { data: { type: 'metric', attributes: { name: 'Opened Email' } } },
			profile: { data: { type: 'profile', attributes: { phone_number: '+15005550006' } } },
		});
		mock.addEvent({ metric: 'Opened Email', email: 'linus@example.com', time: Date.now() });
		const { emitted } = await pollOnce(workflow, TRIGGER, {
			credentials,
			staticData: activation.staticData,
		});
		const run = await runWith(emitted!);
		expect(
			outputOf(run, 'Score Event').map((item) => (item.json.leadScore as IDataObject).leadId),
		).toEqual(['linus@example.com']);
		expect(outputOf(run, 'Skipped (No Email)')).toHaveLength(1);
	});

	it('backfills the chosen days on the first poll', async () => {
		mock.addEvent({
			metric: 'Placed Order',
			email: 'backfill@example.com',
			time: Date.now() - 3 * 86_400_000,
		});
		mock.addEvent({
			metric: 'Placed Order',
			email: 'too-old@example.com',
			time: Date.now() - 9 * 86_400_000,
		});
		const { emitted } = await pollOnce(withTrigger({ backfillDays: 7 }), TRIGGER, { credentials });
		expect(emitted![0]!.map((item) => item.json.email)).toEqual(['backfill@example.com']);
	});

	it("fails with Klaviyo's reason, never the key, when the key is refused; nothing moves", async () => {
		const wrongKey = `${mock.apiKey}_revoked`;
		const refused = { klaviyoApi: { ...credentials.klaviyoApi, apiKey: wrongKey } };
		const error = await pollOnce(workflow, TRIGGER, { credentials: refused }).catch(
			(caught: Error) => caught,
		);
		expect(error).toMatchObject({
			name: 'NodeApiError',
			httpCode: '401',
			message: expect.stringContaining('Incorrect authentication credentials'),
		});
		expect(JSON.stringify(error)).not.toContain(wrongKey);
	});

	it('asks for a metric when none is chosen', async () => {
		const error = await pollOnce(withTrigger({ metrics: [] }), TRIGGER, { credentials }).catch(
			(caught: Error) => caught,
		);
		expect((error as Error).message).toMatch(/Choose at least one metric/);
	});
});
