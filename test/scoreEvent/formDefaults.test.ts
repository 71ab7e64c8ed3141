import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import {
	NodeHelpers,
	type IDataObject,
	type INodeExecutionData,
	type IWorkflowBase,
} from 'n8n-workflow';

import { parseModel } from '../../lib/scoring/model';
import { modelVersion } from '../../lib/scoring/modelVersion';
import { EXAMPLE_MODEL } from '../../nodes/ScoreEvent/exampleModel';
import { formRulesOf, modelFromEditor } from '../../nodes/ScoreEvent/modelBuilder';
import { ScoreEvent } from '../../nodes/ScoreEvent/ScoreEvent.node';
import { loadWorkflow, outputOf, runWorkflow } from '../../sandbox/n8nWorkflow';

// Version 2 of Score Event: switching a new node to Rules Below shows the example model, ready to
// edit, and scores as the untouched JSON model does. Version 1 nodes keep an empty form.
const workflowFile = join(__dirname, 'workflows', 'score-defaults.json');

let scoreNames = 0;
const uniqueScoreName = () => `form-defaults-${process.pid}-${++scoreNames}`;

function scoreEvent(typeVersion: number, parameters: IDataObject): IWorkflowBase {
	const workflow = loadWorkflow(workflowFile);
	const node = workflow.nodes.find((candidate) => candidate.name === 'Score Event')!;
	node.typeVersion = typeVersion;
	Object.assign(node.parameters, parameters);
	return workflow;
}

const webhookItem = (body: IDataObject): INodeExecutionData => ({
	json: { headers: {}, params: {}, query: {}, body },
});

const at = (day: number, hour = 9) => new Date(Date.UTC(2026, 7, 1 + day, hour)).toISOString();

/** Every kind of rule of the example model: a condition, caps, first time only, fit, negative points, decay, tiers. */
function events(scoreName: string): INodeExecutionData[] {
	const ada = (id: string, event: string, time: string, extra: IDataObject = {}) =>
		webhookItem({ email: 'ada@example.com', eventId: id, event, time, scoreName, ...extra });
	return [
		ada('e1', 'Viewed Page', at(0), {
			properties: { url: '/pricing' },
			profile: { title: 'VP Sales', country: 'CA' },
		}),
		ada('e2', 'Viewed Page', at(0, 10), { properties: { url: '/pricing' } }),
		ada('e3', 'Viewed Page', at(0, 11), { properties: { url: '/pricing' } }),
		ada('e4', 'Viewed Page', at(0, 12), { properties: { url: '/pricing' } }),
		ada('e5', 'Viewed Page', at(0, 13), { properties: { url: '/blog' } }),
		ada('e6', 'Subscribed to List', at(1)),
		ada('e7', 'Subscribed to List', at(2)),
		ada('e8', 'Downloaded Guide', at(3)),
		ada('e9', 'Opened Email', at(10), { profile: { title: 'Analyst', country: 'FR' } }),
		ada('e10', 'Started Checkout', at(40)),
		ada('e11', 'Added to Cart', at(40, 10)),
		ada('e12', 'Unsubscribed', at(41)),
		webhookItem({
			email: 'bob@example.com',
			eventId: 'b1',
			event: 'Clicked Email',
			time: at(5),
			scoreName,
			profile: { title: 'Head of Growth', country: 'US' },
		}),
	];
}

async function leadScores(workflow: IWorkflowBase, items: INodeExecutionData[]) {
	const run = await runWorkflow(workflow, { input: items, startNode: 'Webhook' });
	expect(run.data.resultData.error?.message).toBeUndefined();
	// scoredAt is the wall-clock time of the write; everything else follows from the events and the model.
	return outputOf(run, 'Score Event').map((item) => {
		const { scoredAt, ...leadScore } = item.json.leadScore as IDataObject;
		expect(scoredAt).toEqual(expect.any(String));
		return leadScore;
	});
}

describe('Rules Below in version 2 starts from the example model', () => {
	it('the form holds the whole example model: the same validated model, the same model version', () => {
		const form = formRulesOf(EXAMPLE_MODEL);
		const fromForm = parseModel(
			modelFromEditor({
				rules: form.rules.rule,
				fit: form.fitRules.rule,
				decayType: 'halfLife',
				decayDays: 30,
				boundsMin: 0,
				boundsMax: 100,
				tiers: EXAMPLE_MODEL.tiers,
			}),
		);
		const fromJson = parseModel(EXAMPLE_MODEL);
		expect(fromForm).toEqual(fromJson);
		expect(modelVersion(fromForm)).toBe(modelVersion(fromJson));
	});

	it('the untouched form scores the same events exactly as the untouched JSON model', async () => {
		const fromJson = await leadScores(scoreEvent(2, {}), events(uniqueScoreName()));
		const fromForm = await leadScores(
			scoreEvent(2, { modelSource: 'editor' }),
			events(uniqueScoreName()),
		);
		expect(fromForm).toEqual(fromJson);
		// The events reached every rule, decay and the bounds, so the comparison means something.
		const reasons = fromJson.flatMap((leadScore) =>
			(leadScore.reasons as Array<{ rule: string }>).map((reason) => reason.rule),
		);
		expect(new Set(reasons)).toEqual(
			new Set([
				'pricing-page',
				'senior-title',
				'target-country',
				'signed-up',
				'downloaded-guide',
				'opened-email',
				'started-checkout',
				'added-to-cart',
				'unsubscribed',
				'clicked-email',
				'decay',
				'bounds',
			]),
		);
		expect(fromJson.map((leadScore) => leadScore.tier)).toContain('warming');
	});

	it('an edited rule in the form is what scores: the example rules are a start, not a fixture', async () => {
		const form = formRulesOf(EXAMPLE_MODEL);
		const [pricing] = form.rules.rule;
		const flow = scoreEvent(2, {
			modelSource: 'editor',
			rules: { rule: [{ ...pricing, points: 12 }] },
			fitRules: {},
		});
		const [leadScore] = await leadScores(flow, events(uniqueScoreName()).slice(0, 1));
		expect(leadScore).toMatchObject({
			score: 12,
			reasons: [{ rule: 'pricing-page', points: 12 }],
		});
	});
});

describe('Version 1 nodes keep an empty form', () => {
	it('Rules Below left at its defaults is still an error, not the example model', async () => {
		const run = await runWorkflow(scoreEvent(1, { modelSource: 'editor' }), {
			input: events(uniqueScoreName()).slice(0, 1),
			startNode: 'Webhook',
		});
		expect(run.data.resultData.error?.message).toMatch(/Rules Below has no rules/);
	});

	it('a version 1 node with only fit rules gains no behaviour rules', async () => {
		const flow = scoreEvent(1, {
			modelSource: 'editor',
			fitRules: {
				rule: [
					{
						conditionPath: 'profile.title',
						conditionOp: 'contains',
						conditionValue: 'VP',
						points: 7,
						id: 'vp',
					},
				],
			},
		});
		const [leadScore] = await leadScores(flow, events(uniqueScoreName()).slice(0, 1));
		expect(leadScore).toMatchObject({ score: 7, reasons: [{ rule: 'vp', points: 7 }] });
	});
});

describe('The examples moved to version 2 without a change', () => {
	const examples = join(__dirname, '..', '..', 'examples', 'workflows');
	const description = new ScoreEvent().description;
	const resolved = (node: IWorkflowBase['nodes'][number], typeVersion: number) =>
		NodeHelpers.getNodeParameters(
			description.properties,
			node.parameters,
			true,
			false,
			{ ...node, typeVersion },
			description,
		);

	const scoreEventNodes = readdirSync(examples)
		.filter((file) => file.endsWith('.json'))
		.flatMap((file) =>
			loadWorkflow(join(examples, file))
				.nodes.filter((node) => node.type === 'n8n-nodes-lead-scoring.scoreEvent')
				.map((node) => [`${file}: ${node.name}`, node] as const),
		);

	it.each(scoreEventNodes)(
		'%s is version 2 and runs with the parameters it had as version 1',
		(_, node) => {
			expect(node.typeVersion).toBe(2);
			expect(resolved(node, 2)).toEqual(resolved(node, 1));
		},
	);

	it('the comparison would see a change: Rules Below left at its defaults differs between versions', () => {
		const node = loadWorkflow(workflowFile).nodes.find((n) => n.name === 'Score Event')!;
		node.parameters.modelSource = 'editor';
		expect(resolved(node, 1)?.rules).toEqual({});
		expect(resolved(node, 2)?.rules).toEqual(formRulesOf(EXAMPLE_MODEL).rules);
	});
});
