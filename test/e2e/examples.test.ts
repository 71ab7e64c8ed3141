import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import { startApiSandboxes, startSandbox, type ApiSandboxes, type Sandbox } from '../../scripts/n8n';
import { PACKAGE_TARBALL, post, REPO_ROOT, START_TIMEOUT } from './harness';

const EXAMPLES = join(REPO_ROOT, 'examples', 'workflows');

// The example workflows as `npm run dev` runs them: every examples/workflows/*.json imported and
// published in a real n8n, with credentials pointing at the loopback Klaviyo and Salesforce.
describe('example workflows in a real n8n', () => {
	let apis: ApiSandboxes;
	let sandbox: Sandbox;

	const webhookUrl = (path: string) => {
		const webhook = sandbox.webhooks.find((candidate) => candidate.path === path);
		if (!webhook) throw new Error(`No published webhook ${path}`);
		return webhook.url;
	};

	beforeAll(async () => {
		apis = await startApiSandboxes(REPO_ROOT);
		const workflows = readdirSync(EXAMPLES)
			.filter((file) => file.endsWith('.json'))
			.map((file) => join(EXAMPLES, file));
		sandbox = await startSandbox({ repoRoot: REPO_ROOT, packageTarball: PACKAGE_TARBALL, workflows, credentials: apis.credentials });
	}, START_TIMEOUT);

	afterAll(async () => {
		await sandbox?.dispose();
		await apis?.close();
	}, 60_000);

	describe('route-by-tier.json', () => {
		const workflowId = 'exRouteByTier001';
		const branches: Record<string, [string, string]> = {
			nurture: ['Nurture: Keep In Drip', 'keep-in-nurture-drip'],
			warming: ['Warming: Send Case Study', 'send-case-study'],
			engaged: ['Engaged: Alert Sales Rep', 'alert-sales-rep'],
			hot: ['Hot: Book A Call', 'book-sales-call'],
		};

		it('sends the lead down the branch of its tier as its score rises', async () => {
			const url = webhookUrl('route-by-tier');
			const before = sandbox.n8n.executions(workflowId).length;
			// Checkout +20 each; the last one brings a VP title in the US: +15 and +5 fit.
			const events = [
				[{ event: 'Started Checkout' }, 20, 'nurture'],
				[{ event: 'Started Checkout' }, 40, 'warming'],
				[{ event: 'Started Checkout' }, 60, 'engaged'],
				[{ event: 'Started Checkout', profile: { title: 'VP Sales', country: 'US' } }, 100, 'hot'],
			] as const;
			for (const [index, [event, score, tier]] of events.entries()) {
				const reply = await post(url, { email: 'Tier.Walker@Example.com', eventId: `tier-${index}`, ...event });
				expect(reply.status).toBe(200);
				expect(reply.body).toEqual({ leadId: 'tier.walker@example.com', score, tier, action: branches[tier][1] });
			}

			// Each run went through exactly one branch: the one of its tier.
			const runs = (await sandbox.n8n.waitForExecutions(workflowId, before + events.length)).slice(before);
			expect(runs.map((run) => run.status)).toEqual(events.map(() => 'success'));
			const branchesTaken = runs.map((run) =>
				Object.values(branches)
					.map(([nodeName]) => nodeName)
					.filter((nodeName) => nodeName in run.data.resultData.runData),
			);
			expect(branchesTaken).toEqual(events.map(([, , tier]) => [branches[tier][0]]));
		}, 120_000);

		it('answers 400 with the reason for an event without an email', async () => {
			const reply = await post(webhookUrl('route-by-tier'), { event: 'Started Checkout' });
			expect(reply.status).toBe(400);
			expect(reply.body.error).toMatch(/lead ID is empty/);
		}, 60_000);
	});
});
