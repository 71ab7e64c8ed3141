import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import { startApiSandboxes, startSandbox, type ApiSandboxes, type Sandbox } from '../../scripts/n8n';
import type { BrazeMock } from '../mocks/braze/brazeMock';
import type { SalesforceMock } from '../mocks/salesforce/salesforceMock';
import { PACKAGE_TARBALL, post, REPO_ROOT, START_TIMEOUT, storedLead } from './harness';

const EXAMPLES = join(REPO_ROOT, 'examples', 'workflows');

// The example workflows as `npm run dev` runs them: every examples/workflows/*.json imported and
// published in a real n8n, with credentials pointing at the loopback Klaviyo, Salesforce and Braze.
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
	describe('braze-canvas-scoring.json', () => {
		const workflowId = 'exBrazeCanvas001';

		it("scores a Braze Canvas webhook step's requests, keeps the Braze profile current and marks the lead MQL once", async () => {
			const braze = apis.braze as unknown as BrazeMock;
			const salesforce = apis.salesforce as unknown as SalesforceMock;
			if (!braze || !salesforce) throw new Error(`API stand-ins missing: ${apis.notes.join('; ')}`);
			const url = webhookUrl('braze-canvas-event');
			const before = sandbox.n8n.executions(workflowId).length;
			// What the Canvas webhook step sends (the body pinned on the workflow's webhook node), per Action Path group.
			const send = (event: string, eventId: string) =>
				post(url, { external_id: 'user-1001', email: 'grace@example.com', event, event_id: eventId, time: '2026-11-23T06:00:00Z', profile: { title: 'Head of Data' } });
			const replies = [
				await send('Requested Demo', 'user-1001-d1'),
				await send('Attended Webinar', 'user-1001-d2'),
				await send('Attended Webinar', 'user-1001-d2'),
				await send('Attended Webinar', 'user-1001-d3'),
				await send('Opened Email', 'user-1001-d4'),
			];
			expect(replies.map((reply) => [reply.status, reply.body.score, reply.body.tier, reply.body.crossed])).toEqual([
				[200, 45, 'warming', false],
				[200, 65, 'engaged', false],
				[200, 65, 'engaged', false],
				[200, 85, 'hot', true],
				[200, 87, 'hot', false],
			]);
			// The retried webhook (same event_id) was not counted again; its score and tier were written
			// again in full (the first attempt may not have reached Braze), without a second event.
			expect(replies.map((reply) => reply.body.braze)).toEqual([
				{ updated: true, attributes: { lead_score: 45, lead_tier: 'warming' }, event: 'Lead Score Changed' },
				{ updated: true, attributes: { lead_score: 65, lead_tier: 'engaged' }, event: 'Lead Score Changed' },
				{ updated: true, attributes: { lead_score: 65, lead_tier: 'engaged' }, event: null },
				{ updated: true, attributes: { lead_score: 85, lead_tier: 'hot' }, event: 'Lead Score Changed' },
				{ updated: true, attributes: { lead_score: 87 }, event: null },
			]);
			expect(replies[3]!.body.salesforce).toMatchObject({ previousStatus: 'Open - Not Contacted', status: 'MQL', updated: true });
			expect(salesforce.allLeads().find((lead) => lead.Email === 'grace@example.com')?.Status).toBe('MQL');

			const user = braze.user({ externalId: 'user-1001' });
			expect(user?.attributes).toEqual({ lead_score: 87, lead_tier: 'hot' });
			expect(braze.eventsOf(user).map((event) => [event.name, event.properties.previous_tier, event.properties.tier])).toEqual([
				['Lead Score Changed', 'nurture', 'warming'],
				['Lead Score Changed', 'warming', 'engaged'],
				['Lead Score Changed', 'engaged', 'hot'],
			]);
			// Only changed attributes are billed: the last event moved the score, not the tier.
			const tracked = braze.requests.filter((request) => request.status === 201).map((request) => (request.body as { attributes: unknown[] }).attributes);
			expect(tracked.at(-1)).toEqual([{ lead_score: 87, external_id: 'user-1001' }]);
			expect(storedLead(sandbox.n8n.userFolder, 'user-1001', 'braze-canvas')).toEqual({ score: 87, tier: 'hot' });
			expect(braze.problems).toEqual([]);

			const runs = (await sandbox.n8n.waitForExecutions(workflowId, before + replies.length)).slice(before);
			expect(runs.map((run) => run.status)).toEqual(replies.map(() => 'success'));
		}, 120_000);

		it('answers 400 with the reason for a Canvas request without an external ID, and writes nothing to Braze', async () => {
			const braze = apis.braze as unknown as BrazeMock;
			const before = braze.calls();
			const reply = await post(webhookUrl('braze-canvas-event'), { email: 'nobody@example.com', event: 'Requested Demo', event_id: 'nobody-1' });
			expect(reply.status).toBe(400);
			expect(reply.body.error).toMatch(/lead ID is empty/);
			expect(braze.calls()).toBe(before);
		}, 60_000);
	});
});
