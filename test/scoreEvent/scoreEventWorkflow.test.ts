import { join } from 'node:path';

import type { INodeParameters, IWorkflowBase } from 'n8n-workflow';

import { loadWorkflow, outputOf, runWorkflow } from '../../sandbox/n8nWorkflow';

const workflows = join(__dirname, 'workflows');

function withOnError(
	workflow: IWorkflowBase,
	nodeName: string,
	onError?: 'continueRegularOutput' | 'continueErrorOutput',
): IWorkflowBase {
	const copy = structuredClone(workflow);
	const node = copy.nodes.find((n) => n.name === nodeName)!;
	if (onError) node.onError = onError;
	return copy;
}

let scoreNames = 0;
/** Each test scores into its own score name, so tests share the store file without sharing leads. */
function uniqueScoreName(): string {
	return `test-${process.pid}-${++scoreNames}`;
}

const at = (day: number) => new Date(Date.UTC(2026, 10, 1 + day)).toISOString();

describe('Score Event in a workflow (in-process n8n)', () => {
	const workflow = loadWorkflow(join(workflows, 'score-events.json'));

	it('scores a batch of events in order and outputs the leadScore contract for every item', async () => {
		const scoreName = uniqueScoreName();
		const events = [
			{
				email: ' Ada@Example.com ',
				event: 'Viewed Page',
				id: 'e1',
				time: at(0),
				properties: { url: '/pricing' },
				profile: { title: 'VP Marketing' },
			},
			{ email: 'ada@example.com', event: 'Requested Demo', id: 'e2', time: at(0) },
			{ email: 'ada@example.com', event: 'Requested Demo', id: 'e3', time: at(0) },
			{
				email: 'bob@example.com',
				event: 'Viewed Page',
				id: 'e4',
				time: at(0),
				properties: { url: '/blog' },
			},
			{
				email: 'ada@example.com',
				event: 'Viewed Page',
				id: 'e1',
				time: at(0),
				properties: { url: '/pricing' },
			},
			{ email: 'ada@example.com', event: 'Unsubscribed', id: 'e5', time: at(0) },
		].map((json) => ({ json: { ...json, scoreName } }));
		const run = await runWorkflow(workflow, { input: events });
		expect(run.status).toBe('success');
		const out = outputOf(run, 'Score Event');
		expect(out.map((item) => item.pairedItem)).toEqual(events.map((_, item) => ({ item })));
		expect(out[0].json.leadScore).toEqual({
			leadId: 'ada@example.com',
			event: 'Viewed Page',
			eventId: 'e1',
			score: 25,
			exactScore: 25,
			previousScore: 0,
			delta: 25,
			engagement: 10,
			fit: 15,
			tier: 'nurture',
			previousTier: 'nurture',
			tierChanged: false,
			reasons: [
				{ rule: 'pricing-page', points: 10 },
				{ rule: 'senior-title', points: 15 },
			],
			duplicate: false,
			replayed: false,
			scoredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
			modelVersion: expect.stringMatching(/^[0-9a-f]{12}$/),
			revision: 1,
		});
		const summary = out.map((item) => {
			const s = item.json.leadScore as Record<string, unknown>;
			return [s.leadId, s.score, s.tier, s.duplicate];
		});
		expect(summary).toEqual([
			['ada@example.com', 25, 'nurture', false],
			['ada@example.com', 55, 'engaged', false],
			['ada@example.com', 55, 'engaged', false], // demo counts once per lead
			['bob@example.com', 0, 'nurture', false],
			['ada@example.com', 25, 'nurture', true], // event id e1 again: its first outcome
			['ada@example.com', 35, 'warming', false],
		]);
		// The input item's fields stay on the output.
		expect(out[3].json.properties).toEqual({ url: '/blog' });
	});

	it('stops on the first bad item without writing anything when Continue On Fail is off', async () => {
		const scoreName = uniqueScoreName();
		const input = [
			{ json: { email: 'ada@example.com', event: 'Requested Demo', id: 'x1', scoreName } },
			{ json: { email: '', event: 'Requested Demo', id: 'x2', scoreName } },
		];
		const run = await runWorkflow(workflow, { input });
		expect(run.status).toBe('error');
		const error = run.data.resultData.error!;
		expect(error.message).toBe(
			'The lead ID is empty. Map "Lead ID" to a field that holds the lead\'s email or ID. (item 1, parameter "leadId")',
		);
		// Nothing was committed for the good item either: scoring it now starts from 0.
		const retry = await runWorkflow(workflow, { input: [input[0]] });
		expect(
			outputOf(retry, 'Score Event')[0].json.leadScore as { score: number; duplicate: boolean },
		).toMatchObject({ score: 30, duplicate: false });
	});

	it('with Continue On Fail, sends each bad item out with its error and scores the others', async () => {
		const scoreName = uniqueScoreName();
		const input = [
			{ json: { email: 'ada@example.com', event: 'Requested Demo', scoreName } },
			{ json: { email: 'bob@example.com', scoreName } },
			{
				json: { email: 'cy@example.com', event: 'Requested Demo', time: 'last tuesday', scoreName },
			},
			{ json: { email: 'dee@example.com', event: 'Requested Demo', profile: 'VP', scoreName } },
			{ json: { email: 'eve@example.com', event: 'Requested Demo', scoreName } },
		];
		const run = await runWorkflow(withOnError(workflow, 'Score Event', 'continueRegularOutput'), {
			input,
		});
		expect(run.status).toBe('success');
		const out = outputOf(run, 'Score Event');
		expect(
			out.map((item) => item.json.error ?? (item.json.leadScore as { score: number }).score),
		).toEqual([
			30,
			'The event name is empty. (item 1, parameter "eventName")',
			'"last tuesday" is not a time. Use ISO 8601 with a time zone (2026-11-23T07:00:00Z), a date (2026-11-23), or epoch seconds or milliseconds. (item 2, parameter "eventTime")',
			'The profile is not an object or valid JSON; map an object such as {{ $json.profile }}. (item 3, parameter "profile")',
			30,
		]);
		expect(out.map((item) => item.pairedItem)).toEqual(input.map((_, item) => ({ item })));
	});

	it('routes bad items to the error output with "On Error: Continue (using error output)"', async () => {
		const scoreName = uniqueScoreName();
		const input = [
			{ json: { email: 'ada@example.com', event: 'Requested Demo', scoreName } },
			{ json: { event: 'Requested Demo', scoreName } },
		];
		const run = await runWorkflow(withOnError(workflow, 'Score Event', 'continueErrorOutput'), {
			input,
		});
		expect(run.status).toBe('success');
		expect(
			outputOf(run, 'Score Event', 0).map(
				(item) => (item.json.leadScore as { leadId: string }).leadId,
			),
		).toEqual(['ada@example.com']);
		const errors = outputOf(run, 'Score Event', 1);
		expect(errors).toHaveLength(1);
		expect(errors[0].json.error).toMatch(/lead ID is empty.*item 1/);
	});

	it('names every problem of a malformed model by its JSON path', async () => {
		const broken = structuredClone(workflow);
		const node = broken.nodes.find((n) => n.name === 'Score Event')!;
		node.parameters.model = JSON.stringify({
			version: 1,
			rules: [{ id: 'a', event: 'E', points: 'ten' }],
			decay: { type: 'halfLife' },
		});
		const run = await runWorkflow(broken, {
			input: [{ json: { email: 'ada@example.com', event: 'E' } }],
		});
		expect(run.status).toBe('error');
		const error = run.data.resultData.error!;
		expect(error.message).toBe('The scoring model is invalid (item 0, parameter "model")');
		expect(error.description).toBe(
			'rules[0].points: Expected number, received string\ndecay.days: Required',
		);
	});
});

describe('Score Event without a store, with rules built in the editor', () => {
	const workflow = loadWorkflow(join(workflows, 'score-stateless-editor.json'));

	it('adds the points to the score the item carries (as the Klaviyo recipe does), and rejects a non-numeric one', async () => {
		const input = [
			{
				json: {
					email: 'ada@example.com',
					event: 'Viewed Page',
					properties: { url: '/pricing' },
					person: { Lead_Score: 20 },
				},
			},
			{
				json: {
					email: 'bob@example.com',
					event: 'Requested Demo',
					person: { Lead_Score: '70' },
					profile: { title: 'Head of Ops' },
				},
			},
			{
				json: { email: 'cy@example.com', event: 'Requested Demo', person: { Lead_Score: 'high' } },
			},
		];
		const run = await runWorkflow(withOnError(workflow, 'Score Event', 'continueRegularOutput'), {
			input,
		});
		const out = outputOf(run, 'Score Event');
		expect(
			out.map(
				(item) =>
					item.json.error ?? [
						(item.json.leadScore as { previousScore: number }).previousScore,
						(item.json.leadScore as { score: number }).score,
						(item.json.leadScore as { tier: string }).tier,
					],
			),
		).toEqual([
			[20, 30, 'warming'],
			[70, 100, 'hot'],
			'The current score must be a number, got "high". (item 2, parameter "currentScore")',
		]);
	});
});

describe('Adjust, Apply Decay and Get', () => {
	it('adjusts a score by hand, cools it down with a decay sweep, and reads it back with its history', async () => {
		const workflow = loadWorkflow(join(workflows, 'score-lifecycle.json'));
		const run = await runWorkflow(workflow, { input: [{ json: { email: 'Grace@Example.com' } }] });
		expect(run.status).toBe('success');
		expect(outputOf(run, 'Adjust')[0].json.leadScore).toMatchObject({
			leadId: 'grace@example.com',
			score: 40,
			tier: 'warming',
			reasons: [{ rule: 'adjust', points: 40, note: 'Met at trade show' }],
		});
		const decayed = outputOf(run, 'Apply Decay');
		expect(decayed.map((item) => item.json.leadScore)).toEqual([
			expect.objectContaining({
				leadId: 'grace@example.com',
				previousScore: 40,
				score: 20,
				tier: 'nurture',
				tierChanged: true,
			}),
		]);
		const reading = outputOf(run, 'Get')[0].json.leadScore as Record<string, unknown>;
		expect(reading).toMatchObject({
			leadId: 'grace@example.com',
			found: true,
			storedScore: 20,
			tier: 'nurture',
		});
		expect(
			(reading.history as Array<{ event: string; score: number }>).map((entry) => [
				entry.event,
				entry.score,
			]),
		).toEqual([
			['decay', 20],
			['adjust', 40],
		]);
	});

	it('counts a retried adjustment with the same Adjustment ID once, answering with its first outcome', async () => {
		const workflow = loadWorkflow(join(workflows, 'score-lifecycle.json'));
		const scoreName = uniqueScoreName();
		for (const node of workflow.nodes)
			if (node.parameters.scoreName) node.parameters.scoreName = scoreName;
		workflow.nodes.find((node) => node.name === 'Adjust')!.parameters.adjustmentId =
			'={{ $json.requestId }}';
		const request = (requestId: string) => ({ json: { email: 'Linus@Example.com', requestId } });
		const first = await runWorkflow(workflow, { input: [request('req-1'), request('req-1')] });
		const retry = await runWorkflow(workflow, { input: [request('req-1'), request('req-2')] });
		const adjusted = [...outputOf(first, 'Adjust'), ...outputOf(retry, 'Adjust')].map((item) => {
			const { score, previousScore, duplicate, replayed, eventId } = item.json.leadScore as Record<
				string,
				unknown
			>;
			return [eventId, previousScore, score, duplicate, replayed];
		});
		// Between the runs the decay sweep halved 40 to 20; the new adjustment adds to that.
		expect(adjusted).toEqual([
			['adjust:req-1', 0, 40, false, false],
			['adjust:req-1', 0, 40, true, true],
			['adjust:req-1', 0, 40, true, true],
			['adjust:req-2', 20, 60, false, false],
		]);
	});
});

describe('Apply Decay with whole points (the defaults)', () => {
	/** Adjust to 40, then two sweeps: 0.2 days on (39.82) and 0.4 days on (39.64). */
	function twoSweeps(scoreName: string, options: INodeParameters): IWorkflowBase {
		const workflow = structuredClone(loadWorkflow(join(workflows, 'score-lifecycle.json')));
		const adjust = workflow.nodes.find((node) => node.name === 'Adjust')!;
		const decay = workflow.nodes.find((node) => node.name === 'Apply Decay')!;
		adjust.parameters = { ...adjust.parameters, scoreName };
		// Keeps the workflow's own options (it allows Decay Up To hours ahead of now).
		decay.parameters = {
			...decay.parameters,
			scoreName,
			options: { ...(decay.parameters.options as INodeParameters), ...options },
		};
		decay.parameters.asOf = '={{ $now.plus({ hours: 4.8 }).toISO() }}';
		const later = structuredClone(decay);
		later.name = 'Later Decay';
		later.id = `${decay.id}-later`;
		later.parameters.asOf = '={{ $now.plus({ hours: 9.6 }).toISO() }}';
		workflow.nodes = [...workflow.nodes.filter((node) => node.name !== 'Get'), later];
		workflow.connections = {
			...workflow.connections,
			'Apply Decay': { main: [[{ node: 'Later Decay', type: 'main' as never, index: 0 }]] },
		};
		return workflow;
	}

	it('outputs a lead when its whole score drops, and nothing while it stays within that point', async () => {
		const run = await runWorkflow(twoSweeps(uniqueScoreName(), {}), {
			input: [{ json: { email: 'grace@example.com' } }],
		});
		expect(run.status).toBe('success');
		const [first] = outputOf(run, 'Apply Decay');
		expect(first.json.leadScore).toMatchObject({
			previousScore: 40,
			score: 39,
			delta: -1,
			tier: 'warming',
			exactScore: 39.82,
		});
		expect(outputOf(run, 'Later Decay')).toEqual([]);
	});

	it('outputs every exact change with Whole Points off and a Minimum Change of 0', async () => {
		const options = { wholePoints: false, minimumChange: 0 };
		const run = await runWorkflow(twoSweeps(uniqueScoreName(), options), {
			input: [{ json: { email: 'grace@example.com' } }],
		});
		expect(
			outputOf(run, 'Apply Decay').map((item) => (item.json.leadScore as { score: number }).score),
		).toEqual([39.82]);
		expect(
			outputOf(run, 'Later Decay').map((item) => (item.json.leadScore as { score: number }).score),
		).toEqual([39.63]);
	});

	it('fails the sweep on a Minimum Change below 0, naming the option', async () => {
		const run = await runWorkflow(twoSweeps(uniqueScoreName(), { minimumChange: -1 }), {
			input: [{ json: { email: 'grace@example.com' } }],
		});
		expect(run.status).toBe('error');
		expect(run.data.resultData.error?.message).toMatch(
			/Minimum Change must be a number of points, 0 or more/,
		);
	});
});
