import { join } from 'node:path';

import { loadWorkflow, outputOf, runWorkflow } from '../../sandbox/n8nWorkflow';

const workflows = join(__dirname, 'workflows');
let names = 0;
const uniqueScoreName = () => `lifecycle-${process.pid}-${++names}`;

function csvRows(scoreName: string) {
	// As an Extract From File node would give them: one item per row, every value text.
	const rows: Array<[string, string, string]> = [
		['ada@example.com', 'Viewed Pricing', '2026-06-01T10:00:00Z'],
		['ada@example.com', 'Requested Demo', '2026-06-02T10:00:00Z'],
		['ada@example.com', 'Placed Order', '2026-06-10T10:00:00Z'],
		['bob@example.com', 'Viewed Pricing', '2026-06-01T10:00:00Z'],
		['cy@example.com', 'Viewed Pricing', '2026-06-03T10:00:00Z'],
		['cy@example.com', 'Viewed Pricing', '2026-06-04T10:00:00Z'],
		['cy@example.com', 'Requested Demo', '2026-06-05T10:00:00Z'],
		['cy@example.com', 'Placed Order', '2026-06-09T10:00:00Z'],
		['dee@example.com', 'Opened Email', '2026-06-01T10:00:00Z'],
	];
	return rows.map(([email, event, time]) => ({ json: { email, event, time, scoreName } }));
}

describe('Backtest Model in a workflow', () => {
	it('reports each tier of both models as items and attaches an HTML report', async () => {
		const run = await runWorkflow(loadWorkflow(join(workflows, 'backtest-items.json')), {
			input: csvRows(uniqueScoreName()),
		});
		expect(run.status).toBe('success');
		const out = outputOf(run, 'Backtest');
		expect(
			out.map((item) => [
				(item.json.backtest as { model: string }).model,
				(item.json.backtest as { tier: string }).tier,
			]),
		).toEqual([
			['Current model', 'nurture'],
			['Current model', 'warming'],
			['Current model', 'engaged'],
			['Current model', 'hot'],
			['Candidate model', 'nurture'],
			['Candidate model', 'warming'],
			['Candidate model', 'engaged'],
			['Candidate model', 'hot'],
		]);
		// Current model: ada 35 (warming, converted), bob 10, cy 45 (warming, converted), dee 0.
		expect(out[1].json.backtest).toMatchObject({
			leads: 2,
			converted: 2,
			conversionRate: 1,
			lift: 2,
			baseRate: 0.5,
			leadsInBacktest: 4,
		});
		expect((out[0].json.backtest as { atThreshold: unknown }).atThreshold).toMatchObject({
			threshold: 30,
			handedToSales: 2,
			converted: 2,
			precision: 1,
			recall: 1,
		});
		const report = out[0].binary!.report;
		expect(report).toMatchObject({ mimeType: 'text/html', fileName: 'backtest-report.html' });
		const html = Buffer.from(report.data, 'base64').toString('utf8');
		expect(html).toContain('<svg');
		expect(html).toContain('Candidate model');
	});

	it('says what to change when the conversion label matches nothing', async () => {
		const workflow = loadWorkflow(join(workflows, 'backtest-items.json'));
		workflow.nodes[1].parameters.conversionEvent = 'Opportunity Won';
		const run = await runWorkflow(workflow, { input: csvRows(uniqueScoreName()) });
		expect(run.status).toBe('error');
		expect(run.data.resultData.error!.message).toMatch(
			/no event is named "Opportunity Won" among 9 events.*\(item 0, parameter "conversionEvent"\)/,
		);
	});
});

describe('shadow model and re-score in a workflow', () => {
	it('scores a candidate beside the live model without touching the live score, then re-scores every lead under it', async () => {
		const scoreName = uniqueScoreName();
		const events = [
			{ email: 'ada@example.com', event: 'Viewed Pricing', id: 'e1' },
			{ email: 'ada@example.com', event: 'Requested Demo', id: 'e2' },
			{ email: 'bob@example.com', event: 'Viewed Pricing', id: 'e3' },
		].map((json) => ({ json: { ...json, scoreName } }));
		const scored = outputOf(
			await runWorkflow(loadWorkflow(join(workflows, 'shadow-score.json')), { input: events }),
			'Score With Shadow',
		);
		expect(
			scored.map((item) => [
				(item.json.leadScore as { score: number }).score,
				(item.json.shadowScore as { score: number }).score,
			]),
		).toEqual([
			[10, 20],
			[35, 60],
			[10, 20],
		]);
		expect(scored[1].json.shadowScore).toMatchObject({
			tier: 'engaged',
			previousTier: 'nurture',
			tierChanged: true,
			modelVersion: expect.stringMatching(/^candidate@/),
		});
		expect(scored[1].json.leadScore).toMatchObject({
			tier: 'warming',
			modelVersion: expect.stringMatching(/^live@/),
		});

		const rescore = loadWorkflow(join(workflows, 'rescore.json'));
		const changed = outputOf(
			await runWorkflow(rescore, { input: [{ json: { scoreName } }] }),
			'Re-Score',
		);
		expect(changed.map((item) => item.json.leadScore)).toEqual([
			expect.objectContaining({
				leadId: 'ada@example.com',
				previousScore: 35,
				score: 60,
				previousTier: 'warming',
				tier: 'engaged',
				tierChanged: true,
				events: 2,
			}),
			expect.objectContaining({
				leadId: 'bob@example.com',
				previousScore: 10,
				score: 20,
				tierChanged: false,
			}),
		]);
		expect(
			outputOf(await runWorkflow(rescore, { input: [{ json: { scoreName } }] }), 'Re-Score'),
		).toEqual([]);
	});
});
