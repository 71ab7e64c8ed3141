import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import {
	readWorkflow,
	sampleRequest,
	SANDBOX_KLAVIYO_PROFILES,
	type ApiSandboxes,
	type Sandbox,
} from '../../scripts/n8n';
import type { BrazeMock } from '../../sandbox/braze/brazeMock';
import type { KlaviyoMock } from '../../sandbox/klaviyo/klaviyoMock';
import type { SalesforceMock } from '../../sandbox/salesforce/salesforceMock';
import {
	post,
	REPO_ROOT,
	startN8nWithApis,
	START_TIMEOUT,
	stopN8nWithApis,
	storedLead,
} from './harness';

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

	const workflows = readdirSync(EXAMPLES)
		.filter((file) => file.endsWith('.json'))
		.map((file) => join(EXAMPLES, file));
	const workflowFileOf = (workflowId: string) =>
		workflows.find((file) => readWorkflow(file).id === workflowId)!;

	/** Sends the sample request pinned to a webhook of the examples, as `npm run dev`'s curl does. */
	const sendSample = async (path: string) => {
		const webhook = sandbox.webhooks.find((candidate) => candidate.path === path)!;
		const sample = sampleRequest(workflowFileOf(webhook.workflowId), webhook);
		if (!sample) throw new Error(`${path} has no pinned sample request`);
		return await post(sample.url, sample.body, sample.contentType);
	};

	beforeAll(async () => {
		({ apis, sandbox } = await startN8nWithApis(workflows));
	}, START_TIMEOUT);

	afterAll(async () => await stopN8nWithApis({ sandbox, apis }), 60_000);

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
				const reply = await post(url, {
					email: 'Tier.Walker@Example.com',
					eventId: `tier-${index}`,
					...event,
				});
				expect(reply.status).toBe(200);
				expect(reply.body).toEqual({
					leadId: 'tier.walker@example.com',
					score,
					tier,
					action: branches[tier][1],
				});
			}

			// Each run went through exactly one branch: the one of its tier.
			const runs = (await sandbox.n8n.waitForExecutions(workflowId, before + events.length)).slice(
				before,
			);
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
				post(url, {
					external_id: 'user-1001',
					email: 'grace@example.com',
					event,
					event_id: eventId,
					time: '2026-11-23T06:00:00Z',
					profile: { title: 'Head of Data' },
				});
			const replies = [
				await send('Requested Demo', 'user-1001-d1'),
				await send('Attended Webinar', 'user-1001-d2'),
				await send('Attended Webinar', 'user-1001-d2'),
				await send('Attended Webinar', 'user-1001-d3'),
				await send('Opened Email', 'user-1001-d4'),
			];
			expect(
				replies.map((reply) => [
					reply.status,
					reply.body.score,
					reply.body.tier,
					reply.body.crossed,
				]),
			).toEqual([
				[200, 45, 'warming', false],
				[200, 65, 'engaged', false],
				[200, 65, 'engaged', false],
				[200, 85, 'hot', true],
				[200, 87, 'hot', false],
			]);
			// The retried webhook (same event_id) was not counted again; its score and tier were written
			// again in full (the first attempt may not have reached Braze), without a second event.
			expect(replies.map((reply) => reply.body.braze)).toEqual([
				{
					updated: true,
					attributes: { lead_score: 45, lead_tier: 'warming' },
					event: 'Lead Score Changed',
				},
				{
					updated: true,
					attributes: { lead_score: 65, lead_tier: 'engaged' },
					event: 'Lead Score Changed',
				},
				{ updated: true, attributes: { lead_score: 65, lead_tier: 'engaged' }, event: null },
				{
					updated: true,
					attributes: { lead_score: 85, lead_tier: 'hot' },
					event: 'Lead Score Changed',
				},
				{ updated: true, attributes: { lead_score: 87 }, event: null },
			]);
			expect(replies[3]!.body.salesforce).toMatchObject({
				previousStatus: 'Open - Not Contacted',
				status: 'MQL',
				updated: true,
			});
			expect(salesforce.allLeads().find((lead) => lead.Email === 'grace@example.com')?.Status).toBe(
				'MQL',
			);

			const user = braze.user({ externalId: 'user-1001' });
			expect(user?.attributes).toEqual({ lead_score: 87, lead_tier: 'hot' });
			expect(
				braze
					.eventsOf(user)
					.map((event) => [event.name, event.properties.previous_tier, event.properties.tier]),
			).toEqual([
				['Lead Score Changed', 'nurture', 'warming'],
				['Lead Score Changed', 'warming', 'engaged'],
				['Lead Score Changed', 'engaged', 'hot'],
			]);
			// Only changed attributes are billed: the last event moved the score, not the tier.
			const tracked = braze.requests
				.filter((request) => request.status === 201)
				.map((request) => (request.body as { attributes: unknown[] }).attributes);
			expect(tracked.at(-1)).toEqual([{ lead_score: 87, external_id: 'user-1001' }]);
			expect(storedLead(sandbox.n8n.userFolder, 'user-1001', 'braze-canvas')).toEqual({
				score: 87,
				tier: 'hot',
			});
			expect(braze.problems).toEqual([]);

			const runs = (await sandbox.n8n.waitForExecutions(workflowId, before + replies.length)).slice(
				before,
			);
			expect(runs.map((run) => run.status)).toEqual(replies.map(() => 'success'));
		}, 120_000);

		it('answers 400 with the reason for a Canvas request without an external ID, and writes nothing to Braze', async () => {
			const braze = apis.braze as unknown as BrazeMock;
			const before = braze.calls();
			const reply = await post(webhookUrl('braze-canvas-event'), {
				email: 'nobody@example.com',
				event: 'Requested Demo',
				event_id: 'nobody-1',
			});
			expect(reply.status).toBe(400);
			expect(reply.body.error).toMatch(/lead ID is empty/);
			expect(braze.calls()).toBe(before);
		}, 60_000);
	});

	describe('every example answers the sample request pinned to its webhook', () => {
		it('every webhook of every example has one', () => {
			const missing = sandbox.webhooks.filter((webhook) => {
				const file = workflows.find(
					(candidate) => readWorkflow(candidate).id === webhook.workflowId,
				)!;
				return sampleRequest(file, webhook) === undefined;
			});
			expect(missing.map((webhook) => webhook.path)).toEqual([]);
			expect(sandbox.webhooks.length).toBeGreaterThanOrEqual(7);
		});

		it('decay-now answers with a summary even when nothing changed', async () => {
			const reply = await sendSample('decay-now');
			expect(reply.status).toBe(200);
			expect(reply.body).toEqual({
				operation: 'Apply Decay',
				scoreName: 'journey',
				swept: 0,
				changed: 0,
			});
		}, 60_000);

		it('route-by-tier and lead-journey score their sample event, each in its own score', async () => {
			const routed = await sendSample('route-by-tier');
			expect([routed.status, routed.body]).toEqual([
				200,
				{ leadId: 'ada@example.com', score: 10, tier: 'nurture', action: 'keep-in-nurture-drip' },
			]);
			const journey = await sendSample('lead-journey');
			// The pricing page (10) and the VP title (15), in the journey's own score: not on top of route-by-tier's.
			expect([journey.status, journey.body]).toEqual([
				200,
				{
					leadId: 'ada@example.com',
					score: 25,
					previousScore: 0,
					tier: 'nurture',
					crossed: false,
					duplicate: false,
				},
			]);
			expect(storedLead(sandbox.n8n.userFolder, 'ada@example.com', 'route-by-tier')?.score).toBe(
				10,
			);
			expect(storedLead(sandbox.n8n.userFolder, 'ada@example.com', 'journey')?.score).toBe(25);
			const decay = await sendSample('decay-now');
			expect(decay.body).toMatchObject({ scoreName: 'journey', swept: 1 });
		}, 120_000);

		it('klaviyo-remap-order records every item of the order, each with its own unique id', async () => {
			const klaviyo = apis.klaviyo as unknown as KlaviyoMock;
			const before = klaviyo.requests.length;
			expect((await sendSample('klaviyo-remap-order')).status).toBe(200);
			const events = klaviyo.requests
				.slice(before)
				.filter((request) => request.operationId === 'create_event' && request.status === 202)
				.map(
					(request) =>
						(
							request.body as {
								data: { attributes: { unique_id: string; properties: Record<string, unknown> } };
							}
						).data.attributes,
				);
			// The node sends the order's items side by side, so they may arrive in either order.
			const recorded = events.map((event) => [event.unique_id, event.properties.SKU]).sort();
			expect(recorded).toEqual([
				['ord-1001-item-0', 'SKU-123'],
				['ord-1001-item-1', 'SKU-456'],
			]);
			expect(klaviyo.problems).toEqual([]);
		}, 60_000);

		it('klaviyo-stateless adds the points to the score carried in the request and writes it to the profile', async () => {
			const reply = await sendSample('klaviyo-stateless');
			expect(reply.status).toBe(200);
			expect(reply.body).toMatchObject({
				leadId: 'ada@example.com',
				previousScore: 24,
				score: 26,
				tier: 'warming',
				reasons: [{ rule: 'opened-email', points: 2 }],
			});
			const klaviyo = apis.klaviyo as unknown as KlaviyoMock;
			expect(klaviyo.profileByEmail('ada@example.com')?.attributes.properties).toMatchObject({
				Lead_Score: 26,
				Lead_Tier: 'warming',
			});
		}, 60_000);

		it('klaviyo-profile-id-remap sets the event value on the profile found by its Klaviyo id', async () => {
			const reply = await sendSample('klaviyo-profile-id');
			expect(reply.status).toBe(200);
			const klaviyo = apis.klaviyo as unknown as KlaviyoMock;
			const profile = klaviyo.state.profiles.get(SANDBOX_KLAVIYO_PROFILES[0].id);
			expect(profile?.attributes.properties).toMatchObject({ ShippingRate: 'Express' });
		}, 60_000);

		it('backtest-from-csv answers its sample CSV (examples/data) with the HTML report', async () => {
			const reply = await sendSample('backtest-csv');
			expect(reply.status).toBe(200);
			expect(reply.text).toMatch(/<html[\s\S]*nurture[\s\S]*hot/i);
		}, 120_000);
	});
});
