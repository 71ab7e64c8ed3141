import { join } from 'node:path';

import type { IDataObject, INodeExecutionData, IWorkflowBase } from 'n8n-workflow';

import { loadWorkflow, outputOf, runWorkflow } from '../../sandbox/n8nWorkflow';

// README's Quick start: a Webhook node, then Score Event with every field at its default and the example model.
// A fresh copy for every run: n8n fills a workflow's parameters with their defaults as it runs it.
const workflowFile = join(__dirname, 'workflows', 'score-defaults.json');
const quickStart = () => loadWorkflow(workflowFile);

let scoreNames = 0;
const uniqueScoreName = () => `event-data-${process.pid}-${++scoreNames}`;

/** What n8n's Webhook node emits for a JSON POST. */
function webhookItem(body: IDataObject): INodeExecutionData {
	return {
		json: {
			headers: { 'content-type': 'application/json', host: '127.0.0.1:5678' },
			params: {},
			query: {},
			body,
			webhookUrl: 'http://127.0.0.1:5678/webhook/lead-events',
			executionMode: 'production',
		},
	};
}

function withParameters(parameters: IDataObject): IWorkflowBase {
	const copy = quickStart();
	Object.assign(copy.nodes.find((node) => node.name === 'Score Event')!.parameters, parameters);
	return copy;
}

async function scored(items: INodeExecutionData[], flow = quickStart()): Promise<IDataObject[]> {
	const run = await runWorkflow(flow, { input: items, startNode: 'Webhook' });
	expect(run.data.resultData.error?.message).toBeUndefined();
	return outputOf(run, 'Score Event').map((item) => item.json.leadScore as IDataObject);
}

const pricingEvent = (scoreName: string) => ({
	email: 'Ada@Example.com',
	event: 'Viewed Page',
	eventId: 'evt-1',
	time: '2026-11-23T07:00:00Z',
	properties: { url: '/pricing' },
	scoreName,
});

describe('Event Data: the defaults fit the items operators have', () => {
	it('after a Webhook node, the Quick start event earns the 10 points README promises', async () => {
		const [leadScore] = await scored([webhookItem(pricingEvent(uniqueScoreName()))]);
		expect(leadScore).toMatchObject({
			leadId: 'ada@example.com',
			event: 'Viewed Page',
			eventId: 'evt-1',
			score: 10,
			delta: 10,
			reasons: [{ rule: 'pricing-page', points: 10 }],
		});
		expect(leadScore.unmatched).toBeUndefined();
	});

	it('after a Set node (the event is the item), the same defaults give the same points', async () => {
		const [leadScore] = await scored([{ json: pricingEvent(uniqueScoreName()) }]);
		expect(leadScore).toMatchObject({
			leadId: 'ada@example.com',
			eventId: 'evt-1',
			score: 10,
			reasons: [{ rule: 'pricing-page', points: 10 }],
		});
	});

	it('reads the event id and time from the event data: a resent event counts once', async () => {
		const scoreName = uniqueScoreName();
		const out = await scored([
			webhookItem(pricingEvent(scoreName)),
			webhookItem(pricingEvent(scoreName)),
		]);
		expect(out.map((leadScore) => [leadScore.score, leadScore.duplicate])).toEqual([
			[10, false],
			[10, true],
		]);
	});

	it('fit rules read the profile of the webhook body', async () => {
		const [leadScore] = await scored([
			webhookItem({
				...pricingEvent(uniqueScoreName()),
				profile: { title: 'VP Marketing', country: 'US' },
			}),
		]);
		expect(leadScore).toMatchObject({ score: 30, engagement: 10, fit: 20 });
	});

	it('says which condition could not be checked when the event lacks its field', async () => {
		const [leadScore] = await scored([
			webhookItem({
				email: 'ada@example.com',
				event: 'Viewed Page',
				url: '/pricing',
				scoreName: uniqueScoreName(),
			}),
		]);
		expect(leadScore).toMatchObject({ delta: 0, reasons: [] });
		expect(leadScore.unmatched).toEqual([{ rule: 'pricing-page', path: 'properties.url' }]);
	});

	it('says nothing when the field is there and the condition simply does not hold', async () => {
		const [leadScore] = await scored([
			webhookItem({ ...pricingEvent(uniqueScoreName()), properties: { url: '/blog' } }),
		]);
		expect(leadScore).toMatchObject({ delta: 0, reasons: [] });
		expect(leadScore.unmatched).toBeUndefined();
	});

	it('an Event Data mapping chooses what the rules and the defaults read', async () => {
		const [leadScore] = await scored(
			[webhookItem({ data: pricingEvent(uniqueScoreName()) })],
			withParameters({
				eventData: '={{ $json.body.data }}',
				scoreName: '={{ $json.body.data.scoreName }}',
			}),
		);
		expect(leadScore).toMatchObject({ leadId: 'ada@example.com', score: 10 });
	});

	it('Event Data that is not an object names the parameter', async () => {
		const run = await runWorkflow(withParameters({ eventData: '={{ $json.body.email }}' }), {
			input: [webhookItem(pricingEvent(uniqueScoreName()))],
			startNode: 'Webhook',
		});
		expect(run.data.resultData.error?.message).toMatch(
			/event data must be an object.*item 0, parameter "eventData"/,
		);
	});

	it('a mapping the operator set is used even when it finds nothing: the error says so', async () => {
		const run = await runWorkflow(withParameters({ leadId: '={{ $json.body.user_email }}' }), {
			input: [webhookItem(pricingEvent(uniqueScoreName()))],
			startNode: 'Webhook',
		});
		expect(run.data.resultData.error?.message).toMatch(/lead ID is empty.*parameter "leadId"/);
	});

	it('workflows built before Event Data (explicit body mappings, body.* paths) score as before', async () => {
		const model = JSON.stringify({
			version: 1,
			rules: [
				{
					id: 'pricing-page',
					event: 'Viewed Page',
					when: [{ path: 'body.properties.url', op: 'contains', value: '/pricing' }],
					points: 10,
				},
			],
		});
		const [leadScore] = await scored(
			[webhookItem(pricingEvent(uniqueScoreName()))],
			withParameters({
				leadId: '={{ $json.body.email }}',
				eventName: '={{ $json.body.event }}',
				eventId: "={{ $json.body.eventId ?? '' }}",
				model,
			}),
		);
		expect(leadScore).toMatchObject({ score: 10, reasons: [{ rule: 'pricing-page', points: 10 }] });
	});

	it('without a store, the current score defaults to person.Lead_Score of the webhook body', async () => {
		const flow = withParameters({ store: 'none' });
		const [carried, fresh] = await scored(
			[
				webhookItem({ ...pricingEvent('stateless'), person: { Lead_Score: 40 } }),
				webhookItem(pricingEvent('stateless')),
			],
			flow,
		);
		expect(carried).toMatchObject({ previousScore: 40, score: 50 });
		expect(fresh).toMatchObject({ previousScore: 0, score: 10 });
	});
});

describe('Rules Below: the rule form', () => {
	const formRule = (conditions: IDataObject[]) =>
		withParameters({
			modelSource: 'editor',
			rules: {
				rule: [
					{
						event: 'Viewed Page',
						conditions: { condition: conditions },
						points: 10,
						id: 'pricing-page',
					},
				],
			},
		});

	it('a behaviour rule with two conditions scores only when both hold', async () => {
		const flow = formRule([
			{ path: 'properties.url', op: 'contains', value: '/pricing' },
			{ path: 'properties.seconds', op: 'gte', value: '30' },
		]);
		const scoreName = uniqueScoreName();
		const [long, short] = await scored(
			[
				webhookItem({ ...pricingEvent(scoreName), properties: { url: '/pricing', seconds: 45 } }),
				webhookItem({
					...pricingEvent(scoreName),
					eventId: 'evt-2',
					properties: { url: '/pricing', seconds: 5 },
				}),
			],
			flow,
		);
		expect(long).toMatchObject({ score: 10, reasons: [{ rule: 'pricing-page', points: 10 }] });
		expect(short).toMatchObject({ score: 10, delta: 0, reasons: [] });
	});

	it("an error in the form names the form's fields, not the model's JSON paths", async () => {
		const run = await runWorkflow(
			formRule([{ path: 'properties.seconds', op: 'gt', value: 'soon' }]),
			{
				input: [webhookItem(pricingEvent(uniqueScoreName()))],
				startNode: 'Webhook',
			},
		);
		const error = run.data.resultData.error as { message: string; description?: string };
		expect(error.message).toContain('parameter "Behaviour Rules"');
		expect(error.description).toContain(
			'Behaviour Rules → 1 → Condition 1 → Value: "gt" needs a number',
		);
	});

	it('Rules Below without any rule is an error, not a silent 0', async () => {
		const run = await runWorkflow(withParameters({ modelSource: 'editor' }), {
			input: [webhookItem(pricingEvent(uniqueScoreName()))],
			startNode: 'Webhook',
		});
		expect(run.data.resultData.error?.message).toMatch(/Rules Below has no rules/);
	});
});

describe('Editor test runs keep away from the live scores', () => {
	it('a test run scores into "<name>~test" and says so; a published run scores the live score', async () => {
		const scoreName = uniqueScoreName();
		const getFlow = withParameters({ operation: 'get' });
		const testRun = await runWorkflow(quickStart(), {
			input: [webhookItem(pricingEvent(scoreName))],
			startNode: 'Webhook',
			mode: 'manual',
		});
		expect(outputOf(testRun, 'Score Event')[0].json.leadScore).toMatchObject({ score: 10 });
		const hints = testRun.data.resultData.runData['Score Event'][0].hints ?? [];
		expect(hints.map((hint) => hint.message).join('\n')).toContain(
			`test score "${scoreName}~test", the live score "${scoreName}" is unchanged`,
		);

		// The live score never saw the test event: the same event id scores for real, once.
		const [live] = await scored([webhookItem(pricingEvent(scoreName))]);
		expect(live).toMatchObject({ score: 10, previousScore: 0, duplicate: false });
		const [reading] = await scored(
			[webhookItem({ ...pricingEvent(scoreName), eventId: 'x' })],
			getFlow,
		);
		expect(reading).toMatchObject({ found: true, storedScore: 10 });
	});

	it('Options → Editor Test Runs → Use the Live Score makes a test run score the live score', async () => {
		const scoreName = uniqueScoreName();
		const testRun = await runWorkflow(withParameters({ options: { testRuns: 'live' } }), {
			input: [webhookItem(pricingEvent(scoreName))],
			startNode: 'Webhook',
			mode: 'manual',
		});
		expect(outputOf(testRun, 'Score Event')[0].json.leadScore).toMatchObject({ score: 10 });
		const [again] = await scored([webhookItem(pricingEvent(scoreName))]);
		expect(again).toMatchObject({ duplicate: true, score: 10 });
	});
});

describe('Apply Decay and Re-Score can answer with a summary', () => {
	it('one summary item, also when nothing changed, with the changed leads in it', async () => {
		const scoreName = uniqueScoreName();
		const decay = withParameters({ operation: 'applyDecay', sweepOutput: 'summary', scoreName });
		const empty = await runWorkflow(decay, { input: [{ json: {} }], startNode: 'Webhook' });
		expect(outputOf(empty, 'Score Event').map((item) => item.json)).toEqual([
			{ sweep: { operation: 'Apply Decay', scoreName, swept: 0, changed: 0 }, changed: [] },
		]);

		await scored([webhookItem({ ...pricingEvent(scoreName), time: '2026-01-01T00:00:00Z' })]);
		const [summary] = outputOf(
			await runWorkflow(decay, { input: [{ json: {} }], startNode: 'Webhook' }),
			'Score Event',
		).map((item) => item.json);
		expect(summary.sweep).toEqual({ operation: 'Apply Decay', scoreName, swept: 1, changed: 1 });
		expect(summary.changed).toEqual([
			expect.objectContaining({
				leadId: 'ada@example.com',
				event: 'decay',
				previousScore: 10,
				tier: 'nurture',
			}),
		]);

		const rescore = withParameters({ operation: 'rescore', sweepOutput: 'summary', scoreName });
		const [again] = outputOf(
			await runWorkflow(rescore, { input: [{ json: {} }], startNode: 'Webhook' }),
			'Score Event',
		).map((item) => item.json);
		expect(again.sweep).toMatchObject({ operation: 'Re-Score Leads', swept: 1, skipped: 0 });
	});
});

describe('One model per score', () => {
	const otherModel = JSON.stringify({
		version: 1,
		label: 'other',
		rules: [{ id: 'pricing-page', event: 'Viewed Page', points: 50 }],
		decay: { type: 'halfLife', days: 1 },
	});

	it('Apply Decay and Get Score use the model the score was last scored with, unless told otherwise', async () => {
		const scoreName = uniqueScoreName();
		await scored([webhookItem({ ...pricingEvent(scoreName), time: '2026-01-01T00:00:00Z' })]);
		// No model in these nodes: the example model's 30-day half-life, kept with the score, is used.
		const [summary] = outputOf(
			await runWorkflow(
				withParameters({
					operation: 'applyDecay',
					sweepOutput: 'summary',
					asOf: '2026-01-31T00:00:00Z',
				}),
				{
					input: [{ json: { scoreName } }],
					startNode: 'Webhook',
				},
			),
			'Score Event',
		).map((item) => item.json);
		expect(summary.changed).toEqual([
			expect.objectContaining({ leadId: 'ada@example.com', score: 5, previousScore: 10 }),
		]);
		const [reading] = await scored(
			[webhookItem({ ...pricingEvent(scoreName), eventId: 'read' })],
			withParameters({ operation: 'get' }),
		);
		expect(reading).toMatchObject({ found: true, storedScore: 5, tier: 'nurture' });
	});

	it('a Score Event with another model than the score was last scored with says so, naming both versions', async () => {
		const scoreName = uniqueScoreName();
		const first = await runWorkflow(quickStart(), {
			input: [webhookItem(pricingEvent(scoreName))],
			startNode: 'Webhook',
		});
		const firstVersion = outputOf(first, 'Score Event')[0].json.leadScore as IDataObject;
		expect(first.data.resultData.runData['Score Event'][0].hints ?? []).toEqual([]);
		const second = await runWorkflow(withParameters({ model: otherModel }), {
			input: [webhookItem({ ...pricingEvent(scoreName), eventId: 'evt-2' })],
			startNode: 'Webhook',
		});
		const secondVersion = outputOf(second, 'Score Event')[0].json.leadScore as IDataObject;
		const hints = (second.data.resultData.runData['Score Event'][0].hints ?? [])
			.map((hint) => hint.message)
			.join('\n');
		expect(hints).toContain(`last scored with model ${String(firstVersion.modelVersion)}`);
		expect(hints).toContain(`scores it with model ${String(secondVersion.modelVersion)}`);
	});

	it('Get Score of a score that was never scored says how to get a model, instead of guessing one', async () => {
		const scoreName = uniqueScoreName();
		const run = await runWorkflow(withParameters({ operation: 'get' }), {
			input: [webhookItem(pricingEvent(scoreName))],
			startNode: 'Webhook',
		});
		expect(run.data.resultData.error?.message).toMatch(
			new RegExp(`No model is stored for the score "${scoreName}" yet.*parameter "modelSource"`),
		);
	});
});
