import { randomUUID } from 'node:crypto';
import { join } from 'node:path';

import type { INodeExecutionData, IRun, IWorkflowBase } from 'n8n-workflow';

import { loadWorkflow, outputOf, runWorkflow } from '../harness/n8nWorkflow';

const workflowPath = (name: string) => join(__dirname, 'workflows', `${name}.json`);

/** A copy of a workflow file whose Score Event keeps its leads apart from every other test. */
function workflowWithFreshScore(name: string): IWorkflowBase {
	const workflow = loadWorkflow(workflowPath(name));
	const scoreEvent = workflow.nodes.find((node) => node.name === 'Score Event');
	if (scoreEvent) scoreEvent.parameters.scoreName = `threshold-test-${randomUUID()}`;
	workflow.id = `${workflow.id}-${randomUUID()}`;
	return workflow;
}

const event = (email: string, name: string): INodeExecutionData => ({ json: { email, event: name } });

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
	outputOf(run, node).map((item) => `${(item.json.leadScore as { leadId: string }).leadId} ${(item.json.threshold as { score: number }).score}`);

describe('Score Event -> Check Threshold, default tiers', () => {
	it('routes a batch of leads to the output of the tier each score is in', async () => {
		const run = await runWorkflow(workflowWithFreshScore('score-event-default-tiers'), { input: batch });
		expect(run.data.resultData.error).toBeUndefined();
		expect(leadsAt(run, 'nurture')).toEqual(['a@example.com 25', 'b@example.com 25']);
		expect(leadsAt(run, 'warming')).toEqual(['b@example.com 26', 'c@example.com 50', 'd@example.com 50', 'e@example.com 50', 'f@example.com 50']);
		expect(leadsAt(run, 'engaged')).toEqual(['d@example.com 51', 'e@example.com 75', 'f@example.com 71']);
		expect(leadsAt(run, 'hot')).toEqual(['e@example.com 76', 'f@example.com 100', 'f@example.com 101']);
	});

	it('keeps the input and adds why the item went where it went', async () => {
		const run = await runWorkflow(workflowWithFreshScore('score-event-default-tiers'), { input: [event('Ada@Example.com', 'Requested Demo')] });
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
