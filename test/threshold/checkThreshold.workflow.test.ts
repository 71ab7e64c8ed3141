import { randomUUID } from 'node:crypto';
import { join } from 'node:path';

import {
	NodeHelpers,
	Workflow,
	type INode,
	type INodeExecutionData,
	type INodeParameters,
	type IRun,
	type IWorkflowBase,
} from 'n8n-workflow';

import { DEFAULT_TIERS } from '../../lib/scoring/model';
import { EMBEDDED_FILE_NAME } from '../../lib/store/openStore';
import type { ThresholdState } from '../../lib/scoring/crossing';
import { SqliteStore } from '../../lib/store/sqliteStore';
import { loadWorkflow, outputOf, runWorkflow } from '../../sandbox/n8nWorkflow';
import { packageNodeTypes } from '../../sandbox/packageTypes';

const workflowPath = (name: string) => join(__dirname, 'workflows', `${name}.json`);

/** A copy of a workflow file whose Score Event keeps its leads apart from every other test. */
function workflowWithFreshScore(name: string): IWorkflowBase {
	const workflow = loadWorkflow(workflowPath(name));
	const scoreEvent = workflow.nodes.find((node) => node.name === 'Score Event');
	if (scoreEvent) scoreEvent.parameters.scoreName = `threshold-test-${randomUUID()}`;
	workflow.id = `${workflow.id}-${randomUUID()}`;
	return workflow;
}

const event = (email: string, name: string): INodeExecutionData => ({
	json: { email, event: name },
});

/** A lead's events; scores: pricing 25, email 1, demo 50, unsubscribed -30. */
const batch: INodeExecutionData[] = [
	event('a@example.com', 'Viewed Pricing'), // 25
	event('b@example.com', 'Viewed Pricing'), // 25
	event('b@example.com', 'Opened Email'), // 26
	event('c@example.com', 'Requested Demo'), // 50
	event('d@example.com', 'Requested Demo'), // 50
	event('d@example.com', 'Opened Email'), // 51
	event('e@example.com', 'Requested Demo'), // 50
	event('e@example.com', 'Viewed Pricing'), // 75
	event('e@example.com', 'Opened Email'), // 76
	event('f@example.com', 'Requested Demo'), // 50
	event('f@example.com', 'Requested Demo'), // 100
	event('f@example.com', 'Opened Email'), // 101: above every tier
	event('f@example.com', 'Unsubscribed'), // 71
];

const leadsAt = (run: IRun, node: string) =>
	outputOf(run, node).map(
		(item) =>
			`${(item.json.leadScore as { leadId: string }).leadId} ${(item.json.threshold as { score: number }).score}`,
	);

describe('Score Event -> Check Threshold, default tiers', () => {
	it('routes a batch of leads to the output of the tier each score is in', async () => {
		const run = await runWorkflow(workflowWithFreshScore('score-event-default-tiers'), {
			input: batch,
		});
		expect(run.data.resultData.error).toBeUndefined();
		expect(leadsAt(run, 'nurture')).toEqual(['a@example.com 25', 'b@example.com 25']);
		expect(leadsAt(run, 'warming')).toEqual([
			'b@example.com 26',
			'c@example.com 50',
			'd@example.com 50',
			'e@example.com 50',
			'f@example.com 50',
		]);
		expect(leadsAt(run, 'engaged')).toEqual([
			'd@example.com 51',
			'e@example.com 75',
			'f@example.com 71',
		]);
		expect(leadsAt(run, 'hot')).toEqual([
			'e@example.com 76',
			'f@example.com 100',
			'f@example.com 101',
		]);
	});

	it('keeps the input and adds why the item went where it went', async () => {
		const run = await runWorkflow(workflowWithFreshScore('score-event-default-tiers'), {
			input: [event('Ada@Example.com', 'Requested Demo')],
		});
		const [item] = outputOf(run, 'warming');
		expect(item.json).toMatchObject({
			email: 'Ada@Example.com',
			event: 'Requested Demo',
			leadScore: { leadId: 'ada@example.com', score: 50, tier: 'warming' },
			threshold: { mode: 'tiers', tier: 'warming', score: 50 },
		});
		expect(item.pairedItem).toEqual({ item: 0 });
	});
});

const CROSSING_OUTPUTS = ['Crossed', 'Not Crossed', 'Dropped Below'];

/** What Check Threshold itself sent out of the output with this name (whether or not a node is connected). */
const routed = (run: IRun, name: string, names = CROSSING_OUTPUTS) =>
	outputOf(run, 'Check Threshold', names.indexOf(name));

const crossingAt = (run: IRun, name: string) =>
	routed(run, name).map((item) => {
		const { score, previousScore } = item.json.threshold as {
			score: number;
			previousScore: number;
		};
		return `${(item.json.leadScore as { leadId: string }).leadId} ${previousScore}->${score}`;
	});

describe('Score Event -> Check Threshold, tier from the item', () => {
	const workflowWithTierSource = (tiers?: INodeParameters) => {
		const workflow = workflowWithFreshScore('score-event-default-tiers');
		const node = workflow.nodes.find((candidate) => candidate.name === 'Check Threshold')!;
		node.parameters = { tierSource: 'item', ...(tiers ? { tiers } : {}) };
		return workflow;
	};

	it('routes by the tier Score Event gave each lead, the same as by score', async () => {
		const run = await runWorkflow(workflowWithTierSource(), { input: batch });
		expect(run.data.resultData.error).toBeUndefined();
		const tiersOf = (node: string) =>
			outputOf(run, node).map((item) => (item.json.threshold as { tier: string }).tier);
		expect(outputOf(run, 'nurture')).toHaveLength(2);
		expect(outputOf(run, 'warming')).toHaveLength(5);
		expect(outputOf(run, 'engaged')).toHaveLength(3);
		expect(tiersOf('hot')).toEqual(['hot', 'hot', 'hot']);
		expect(outputOf(run, 'hot')[0].json.threshold).toEqual({ mode: 'tiers', tier: 'hot' });
	});

	it("fails an item whose tier is not one of the node's tiers, naming the field", async () => {
		const run = await runWorkflow(
			workflowWithTierSource({
				tier: [
					{ name: 'cold', min: 0 },
					{ name: 'warm', min: 50 },
				],
			}),
			{
				input: [event('a@example.com', 'Viewed Pricing')],
			},
		);
		expect(run.data.resultData.error?.message).toBe(
			'The tier "nurture" is not one of this node\'s tiers ("cold", "warm"). Use the same tier names as the scoring model. (item 0, parameter "tier")',
		);
	});
});

describe('Score Event -> Check Threshold, crossing 76', () => {
	it('sends a lead to "Crossed" once per rise, and a fall to "Dropped Below"', async () => {
		const run = await runWorkflow(workflowWithFreshScore('score-event-crossing'), { input: batch });
		expect(run.data.resultData.error).toBeUndefined();
		expect(crossingAt(run, 'Crossed')).toEqual(['e@example.com 75->76', 'f@example.com 50->100']);
		expect(crossingAt(run, 'Dropped Below')).toEqual(['f@example.com 101->71']);
		expect(crossingAt(run, 'Not Crossed')).toHaveLength(batch.length - 3);
		expect(crossingAt(run, 'Not Crossed')).toContain('f@example.com 100->101');
		const [crossed] = routed(run, 'Crossed');
		expect(crossed.json.threshold).toEqual({
			mode: 'crossing',
			crossed: true,
			droppedBelow: false,
			threshold: 76,
			hysteresis: 0,
			score: 76,
			previousScore: 75,
			output: 'Crossed',
		});
		expect(crossed.pairedItem).toEqual({ item: 8 });
	});

	const wobble = [
		// First execution: up to 76, then a bounce to 71.
		[
			event('g@example.com', 'Requested Demo'),
			event('g@example.com', 'Viewed Pricing'),
			event('g@example.com', 'Opened Email'),
			event('g@example.com', 'Email Bounced'),
		],
		// Second execution: back up to 76 a point at a time.
		Array.from({ length: 5 }, () => event('g@example.com', 'Opened Email')),
	];

	it('without hysteresis, a score wobbling around the threshold crosses on every rise', async () => {
		const workflow = workflowWithFreshScore('score-event-crossing');
		const crossed = [];
		for (const input of wobble)
			crossed.push(...crossingAt(await runWorkflow(workflow, { input }), 'Crossed'));
		expect(crossed).toEqual(['g@example.com 75->76', 'g@example.com 75->76']);
	});

	it('with hysteresis 10, the wobbling lead is handed over once across executions, and again after it fell below 66', async () => {
		const workflow = workflowWithFreshScore('score-event-crossing-hysteresis');
		const crossed = [];
		for (const input of wobble)
			crossed.push(...crossingAt(await runWorkflow(workflow, { input }), 'Crossed'));
		expect(crossed).toEqual(['g@example.com 75->76']);

		const fall = await runWorkflow(workflow, {
			input: [event('g@example.com', 'Unsubscribed'), event('g@example.com', 'Requested Demo')],
		});
		expect(crossingAt(fall, 'Dropped Below')).toEqual(['g@example.com 76->46']);
		expect(crossingAt(fall, 'Crossed')).toEqual(['g@example.com 46->96']);
		expect(routed(fall, 'Crossed')[0].json.threshold).toMatchObject({
			crossed: true,
			hysteresis: 10,
			threshold: 76,
		});

		// The crossing state is kept beside the scores, in Score Event's embedded store file.
		const file = join(
			process.env.N8N_USER_FOLDER!,
			'.n8n',
			'storage',
			'n8n-nodes-lead-scoring.scoreEvent',
			EMBEDDED_FILE_NAME,
		);
		const store = new SqliteStore(file);
		let states = new Map<string, ThresholdState>();
		await store.updateThresholdStates(
			`node:${workflow.id}/Check Threshold`,
			['g@example.com'],
			(stored) => {
				states = stored;
				return new Map();
			},
		);
		await store.close();
		// With the score revision Score Event gave the last of the lead's 11 events.
		expect(states.get('g@example.com')).toEqual({
			crossed: true,
			score: 96,
			revision: 11,
			transitionRevision: 11,
		});
	});
});

describe('Score Event -> Check Threshold, a crossing event re-sent by its sender', () => {
	const sent = (id: string, name: string): INodeExecutionData => ({
		json: { email: 'h@example.com', event: name, id },
	});

	it.each([
		['without hysteresis', 'score-event-crossing'],
		['with hysteresis 10', 'score-event-crossing-hysteresis'],
	])(
		'%s, goes out of "Crossed" again marked replayed, also after a later event; other re-sent events do not',
		async (_case, name) => {
			const workflow = workflowWithFreshScore(name);
			workflow.nodes.find((node) => node.name === 'Score Event')!.parameters.eventId =
				'={{ $json.id }}';
			const first = await runWorkflow(workflow, {
				input: [
					sent('h-1', 'Requested Demo'),
					sent('h-2', 'Viewed Pricing'),
					sent('h-3', 'Opened Email'),
				],
			});
			expect(crossingAt(first, 'Crossed')).toEqual(['h@example.com 75->76']);
			expect(routed(first, 'Crossed')[0].json.threshold).not.toHaveProperty('replayed');

			// The step after Check Threshold failed: the sender re-sends the crossing event (and an earlier one).
			const retry = await runWorkflow(workflow, {
				input: [sent('h-3', 'Opened Email'), sent('h-2', 'Viewed Pricing')],
			});
			expect(crossingAt(retry, 'Crossed')).toEqual(['h@example.com 75->76']);
			const [again] = routed(retry, 'Crossed');
			expect(again.json.threshold).toMatchObject({
				crossed: true,
				replayed: true,
				output: 'Crossed',
			});
			expect(again.json.leadScore).toMatchObject({
				score: 76,
				previousScore: 75,
				duplicate: true,
				replayed: true,
				revision: 3,
			});
			expect(crossingAt(retry, 'Not Crossed')).toEqual(['h@example.com 50->75']);

			const later = await runWorkflow(workflow, {
				input: [sent('h-4', 'Opened Email'), sent('h-3', 'Opened Email')],
			});
			expect(crossingAt(later, 'Not Crossed')).toEqual(['h@example.com 76->77']);
			expect(crossingAt(later, 'Crossed')).toEqual(['h@example.com 75->76']);
			expect(routed(later, 'Crossed')[0].json.threshold).toMatchObject({ replayed: true });
		},
	);
});

/** The error-output workflow with Check Threshold's settings changed for one test. */
function errorWorkflow(change: {
	onError?: INode['onError'];
	parameters?: INodeParameters;
}): IWorkflowBase {
	const workflow = loadWorkflow(workflowPath('tiers-error-output'));
	const node = workflow.nodes.find((candidate) => candidate.name === 'Check Threshold')!;
	node.onError = change.onError;
	Object.assign(node.parameters, change.parameters ?? {});
	return workflow;
}

const scores: INodeExecutionData[] = [
	{ json: { score: 10 } },
	{ json: { score: 'high' } },
	{ json: {} },
	{ json: { score: '80' } },
	{ json: { score: 30.5 } },
];
const scoresIn = (run: IRun, node: string) =>
	outputOf(run, node).map((item) => (item.json.threshold as { score: number }).score);

describe('bad input', () => {
	it('with "Continue (using error output)", sends bad items to the error output and routes the rest', async () => {
		const run = await runWorkflow(errorWorkflow({ onError: 'continueErrorOutput' }), {
			input: scores,
		});
		expect(run.data.resultData.error).toBeUndefined();
		expect(scoresIn(run, 'nurture')).toEqual([10]);
		expect(scoresIn(run, 'warming')).toEqual([30.5]);
		expect(scoresIn(run, 'hot')).toEqual([80]);
		const failed = outputOf(run, 'Check Threshold', 4);
		expect(outputOf(run, 'Failed')).toHaveLength(2);
		expect(failed.map((item) => item.json.error)).toEqual([
			'The score must be a number, got "high". (item 1, parameter "score")',
			'The score is missing. Map it to a number, e.g. {{ $json.leadScore.score }} from Score Event. (item 2, parameter "score")',
		]);
		expect(failed.map((item) => item.pairedItem)).toEqual([{ item: 1 }, { item: 2 }]);
	});

	it('with "Continue" (regular output), error items go to the lowest tier', async () => {
		const run = await runWorkflow(errorWorkflow({ onError: 'continueRegularOutput' }), {
			input: scores,
		});
		expect(run.data.resultData.error).toBeUndefined();
		const nurture = outputOf(run, 'nurture');
		expect(nurture.map((item) => item.json)).toEqual([
			expect.objectContaining({ score: 10 }),
			{
				error: expect.stringContaining('(item 1, parameter "score")'),
				details: { description: null },
			},
			{
				error: expect.stringContaining('(item 2, parameter "score")'),
				details: { description: null },
			},
		]);
		expect(scoresIn(run, 'hot')).toEqual([80]);
	});

	it('without Continue On Fail, the first bad item stops the workflow naming the item and the field', async () => {
		const run = await runWorkflow(errorWorkflow({}), { input: scores });
		expect(run.data.resultData.error).toMatchObject({
			name: 'NodeOperationError',
			message: 'The score must be a number, got "high". (item 1, parameter "score")',
		});
		expect(run.data.resultData.lastNodeExecuted).toBe('Check Threshold');
	});

	it('rejects tiers that are out of order, with every problem in the description', async () => {
		const tiers = {
			tier: [
				{ name: 'nurture', min: 0 },
				{ name: 'hot', min: 76 },
				{ name: 'warming', min: 26 },
			],
		};
		const run = await runWorkflow(errorWorkflow({ parameters: { tiers } }), {
			input: [{ json: { score: 30 } }],
		});
		expect(run.data.resultData.error).toMatchObject({
			message: 'The tiers are invalid (item 0, parameter "tiers")',
			description: 'tiers[2].min: tiers must be in ascending order of min: 26 is not above 76',
		});
	});

	it('in crossing mode, a threshold that is not a number fails the item, and Continue sends it to "Not Crossed", never to "Crossed"', async () => {
		const parameters = {
			mode: 'crossing',
			threshold: '={{ $json.threshold }}',
			previousScore: '={{ $json.previousScore }}',
		};
		const input = [
			{ json: { score: 80, previousScore: 70, threshold: 76 } },
			{ json: { score: 80, previousScore: 70, threshold: 'seventy' } },
			{ json: { score: 80, previousScore: 'n/a', threshold: 76 } },
		];
		const stopped = await runWorkflow(errorWorkflow({ parameters }), { input });
		expect(stopped.data.resultData.error?.message).toBe(
			'The threshold must be a number, got "seventy". (item 1, parameter "threshold")',
		);

		const continued = await runWorkflow(
			errorWorkflow({ onError: 'continueRegularOutput', parameters }),
			{ input },
		);
		// Outputs of this workflow are wired for tiers: output 0 ("nurture") is "Crossed", 1 ("warming") "Not Crossed".
		expect(outputOf(continued, 'nurture').map((item) => item.json.threshold)).toEqual([
			expect.objectContaining({ crossed: true }),
		]);
		expect(outputOf(continued, 'warming').map((item) => item.json.error)).toEqual([
			'The threshold must be a number, got "seventy". (item 1, parameter "threshold")',
			'The previous score must be a number, got "n/a". (item 2, parameter "previousScore")',
		]);
	});
});

describe('outputs in the editor', () => {
	const outputsOf = (parameters: INodeParameters, onError?: INode['onError']) => {
		const node: INode = {
			id: 'check',
			name: 'Check Threshold',
			type: 'n8n-nodes-lead-scoring.checkThreshold',
			typeVersion: 1,
			position: [0, 0],
			parameters,
			onError,
		};
		const types = packageNodeTypes();
		const nodeTypes = {
			getByName: (type: string) => types[type],
			getByNameAndVersion: (type: string) => types[type],
			getKnownTypes: () => ({}),
		};
		const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes });
		const type = types['n8n-nodes-lead-scoring.checkThreshold'];
		return NodeHelpers.getNodeOutputs(workflow, workflow.getNode(node.name)!, type.description).map(
			(output) => (typeof output === 'string' ? output : output.displayName),
		);
	};

	it.each<[string, INodeParameters, string[]]>([
		['the default tiers', {}, ['nurture', 'warming', 'engaged', 'hot']],
		[
			'an added tier',
			{ tiers: { tier: [...DEFAULT_TIERS, { name: 'sales-ready', min: 90 }] } },
			['nurture', 'warming', 'engaged', 'hot', 'sales-ready'],
		],
		['a removed tier', { tiers: { tier: DEFAULT_TIERS.slice(0, 2) } }, ['nurture', 'warming']],
		['crossing mode', { mode: 'crossing' }, ['Crossed', 'Not Crossed']],
		[
			'crossing mode with "Dropped Below"',
			{ mode: 'crossing', droppedBelowOutput: true },
			['Crossed', 'Not Crossed', 'Dropped Below'],
		],
	])('with %s, the outputs are named after them', (_case, parameters, names) => {
		expect(outputsOf(parameters)).toEqual(names);
	});

	it('adds an error output after the configured ones for "Continue (using error output)"', () => {
		expect(outputsOf({ mode: 'crossing' }, 'continueErrorOutput')).toEqual([
			'Crossed',
			'Not Crossed',
			'Error',
		]);
	});
});
