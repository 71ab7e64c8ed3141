import { join } from 'node:path';

import type { IWorkflowBase } from 'n8n-workflow';

import { readScores } from '../../lib/service/readScores';
import { scoreEvents } from '../../lib/service/scoreBatch';
import { parseModel } from '../../lib/scoring/model';
import { MemoryStore } from '../../lib/store/memoryStore';
import { loadWorkflow, outputOf, runWorkflow } from '../../sandbox/n8nWorkflow';

// Issue 13, finding 2: a time in microseconds or a sloppy date once broke a lead for good.

function continuing(workflow: IWorkflowBase): IWorkflowBase {
	const copy = structuredClone(workflow);
	copy.nodes.find((node) => node.name === 'Score Event')!.onError = 'continueRegularOutput';
	return copy;
}

describe('Score Event with event times outside the accepted range', () => {
	const workflow = continuing(loadWorkflow(join(__dirname, 'workflows', 'score-events.json')));

	it('fails only those items, naming item and field, and writes nothing for them', async () => {
		const scoreName = `times-${process.pid}`;
		const demo = (email: string, id: string, time: string | number) => ({
			json: { email, event: 'Requested Demo', id, time, scoreName },
		});
		const input = [
			demo('ada@example.com', 'a1', Date.now() * 1000),
			demo('bob@example.com', 'b1', 'Page 2'),
			demo('cy@example.com', 'c1', new Date().toISOString()),
			demo('dee@example.com', 'd1', '2026-02-30'),
		];
		const run = await runWorkflow(workflow, { input });
		expect(run.status).toBe('success');
		const out = outputOf(run, 'Score Event');
		expect(
			out.map((item) => item.json.error ?? (item.json.leadScore as { score: number }).score),
		).toEqual([
			expect.stringMatching(
				/outside the accepted range.*microseconds.*\(item 0, parameter "eventTime"\)$/,
			),
			expect.stringMatching(/^"Page 2" is not a time\..*\(item 1, parameter "eventTime"\)$/),
			30,
			expect.stringMatching(/^"2026-02-30" is not a time\..*\(item 3, parameter "eventTime"\)$/),
		]);
		// Nothing was kept of the refused items: sent again with a good time, the same ids score afresh.
		const retry = await runWorkflow(workflow, {
			input: [demo('ada@example.com', 'a1', ''), demo('bob@example.com', 'b1', '')],
		});
		expect(
			outputOf(retry, 'Score Event').map((item) => item.json.leadScore as Record<string, unknown>),
		).toEqual([
			expect.objectContaining({ previousScore: 0, score: 30, duplicate: false }),
			expect.objectContaining({ previousScore: 0, score: 30, duplicate: false }),
		]);
	});
});

describe('Get Score of a lead stored with a time no Date can show (written before times were checked)', () => {
	it('fails that lead alone; the other leads of the batch are read', async () => {
		const model = parseModel({ version: 1, rules: [{ id: 'visit', event: 'Visit', points: 5 }] });
		const store = new MemoryStore();
		const at = Date.parse('2026-11-01T00:00:00Z');
		await scoreEvents(store, model, 'default', [
			{ leadId: 'good@example.com', name: 'Visit', time: at, data: {}, hasProfile: false },
			{ leadId: 'bad@example.com', name: 'Visit', time: at, data: {}, hasProfile: false },
		]);
		// Today the store refuses such a time; a lead written by an older version can still hold one.
		const legacy = (await store.getLeads('default', ['bad@example.com'])).get('bad@example.com')!;
		legacy.state.lastActivityAt = 1e20;
		legacy.state.evaluatedAt = 1e20;
		const readings = await readScores(
			store,
			model,
			'default',
			['good@example.com', 'bad@example.com'],
			at,
			10,
		);
		expect(readings.get('good@example.com')).toMatchObject({
			ok: true,
			value: { score: 5, found: true },
		});
		expect(readings.get('bad@example.com')).toEqual({
			ok: false,
			error: new Error(
				'The stored score of lead "bad@example.com" holds a time that is not a date (100000000000000000000); it was written before event times were checked. Re-score the leads or set the lead\'s score with Adjust Score.',
			),
		});
	});
});
