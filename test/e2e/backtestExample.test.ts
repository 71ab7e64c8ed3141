import { join } from 'node:path';

import { nodeOutput, startSandbox, type Sandbox } from '../../scripts/n8n';
import { conversionDataSet } from '../../sandbox/backtestData';
import { PACKAGE_TARBALL, post, REPO_ROOT, START_TIMEOUT } from './harness';

const WORKFLOW = join(REPO_ROOT, 'examples', 'workflows', 'backtest-from-csv.json');
const WORKFLOW_ID = 'exBacktestCsv001';

/** The generated data set as the CSV export an operator would POST: email,event,time,url. */
function eventsCsv(): string {
	const rows = conversionDataSet(400, 50, 21).map((event) => {
		const name = event.name === 'Viewed Pricing' ? 'Viewed Page' : event.name;
		const url = event.name === 'Viewed Pricing' ? '/pricing' : '';
		return [event.leadId, name, new Date(event.time).toISOString(), url].join(',');
	});
	return ['email,event,time,url', ...rows].join('\n');
}

describe('backtest-from-csv.json in a real n8n', () => {
	let sandbox: Sandbox;

	beforeAll(async () => {
		sandbox = await startSandbox({
			repoRoot: REPO_ROOT,
			packageTarball: PACKAGE_TARBALL,
			workflows: [WORKFLOW],
		});
	}, START_TIMEOUT);

	afterAll(async () => await sandbox?.dispose(), 60_000);

	it('answers a POSTed CSV export with the HTML report, and shows each tier of both models on the execution', async () => {
		const url = sandbox.webhooks.find((webhook) => webhook.path === 'backtest-csv')!.url;
		const reply = await post(url, eventsCsv(), 'text/csv');
		expect(reply.status).toBe(200);
		expect(reply.text).toMatch(/^<!doctype html>/);
		expect(reply.text).toContain('<svg');
		for (const tier of ['nurture', 'warming', 'engaged', 'hot'])
			expect(reply.text).toContain(`<td>${tier}</td>`);
		expect(reply.text).toMatch(/400 leads/);

		const [execution] = await sandbox.n8n.waitForExecutions(WORKFLOW_ID, 1);
		const tiers = nodeOutput(execution, 'Backtest Model').map(
			(json) => (json as { backtest: { model: string; tier: string; lift: number } }).backtest,
		);
		expect(tiers.map((tier) => `${tier.model}: ${tier.tier}`)).toEqual([
			'Current model: nurture',
			'Current model: warming',
			'Current model: engaged',
			'Current model: hot',
			'Candidate model: nurture',
			'Candidate model: warming',
			'Candidate model: engaged',
			'Candidate model: hot',
		]);
		// Pricing views and demos drive conversion in the data: the top tiers convert above the base rate.
		expect(
			tiers.find((tier) => tier.model === 'Current model' && tier.tier === 'engaged')!.lift,
		).toBeGreaterThan(1);
	}, 120_000);

	it('answers a CSV without the conversion event with the reason, and keeps serving', async () => {
		const url = sandbox.webhooks.find((webhook) => webhook.path === 'backtest-csv')!.url;
		const reply = await post(
			url,
			'email,event,time,url\nada@example.com,Viewed Page,2026-06-01T00:00:00Z,/pricing\n',
			'text/csv',
		);
		expect(reply.status).toBe(400);
		expect(reply.body.error).toMatch(/no event is named "Placed Order" among 1 events/);
		const again = await post(url, eventsCsv(), 'text/csv');
		expect(again.status).toBe(200);
	}, 120_000);
});
