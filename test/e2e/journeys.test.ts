import { join } from 'node:path';

import type { ApiSandboxes, Sandbox } from '../../scripts/n8n';
import type { KlaviyoMock } from '../../sandbox/klaviyo/klaviyoMock';
import type { SalesforceMock } from '../../sandbox/salesforce/salesforceMock';
import {
	klaviyoAndSalesforce,
	post,
	REPO_ROOT,
	startN8nWithApis,
	START_TIMEOUT,
	stopN8nWithApis,
	storedLead,
} from './harness';

const EXAMPLES = join(REPO_ROOT, 'examples', 'workflows');
const AT = '2026-11-20T09:00:00.000Z';

// Examples 1-3 of the README as an operator runs them: imported from their JSON files, published,
// credentials pointing at the loopback Klaviyo and Salesforce, events POSTed to production webhooks.
describe('the lead journey, decay and Klaviyo remap examples in a real n8n', () => {
	let apis: ApiSandboxes;
	let sandbox: Sandbox;
	let klaviyo: KlaviyoMock;
	let salesforce: SalesforceMock;

	const url = (path: string) => sandbox.webhooks.find((webhook) => webhook.path === path)!.url;
	const profileImports = (email: string) =>
		klaviyo.requests
			.filter(
				(request) =>
					request.operationId === 'create_or_update_profile' &&
					request.status !== 'network' &&
					request.status < 300,
			)
			.map(
				(request) =>
					(
						request.body as {
							data: { attributes: { email?: string; properties: Record<string, unknown> } };
						}
					).data.attributes,
			)
			.filter((attributes) => attributes.email === email);
	const leadStatus = (email: string) =>
		salesforce.allLeads().find((lead) => lead.Email === email)?.Status;

	beforeAll(async () => {
		const workflows = ['lead-journey.json', 'decay-schedule.json', 'klaviyo-remap-order.json'].map(
			(file) => join(EXAMPLES, file),
		);
		({ apis, sandbox } = await startN8nWithApis(workflows));
		({ klaviyo, salesforce } = klaviyoAndSalesforce(apis));
	}, START_TIMEOUT);

	afterAll(async () => await stopN8nWithApis({ sandbox, apis }), 60_000);

	it('scores events in order, writes each score to Klaviyo, and marks the lead MQL in Salesforce exactly once', async () => {
		const send = (event: string, id: string, extra: Record<string, unknown> = {}) =>
			post(url('lead-journey'), {
				email: 'Ada@Example.com',
				event,
				event_id: id,
				time: AT,
				...extra,
			});
		const replies = [
			await send('Requested Demo', 'ada-1', { profile: { title: 'VP Marketing' } }),
			await send('Started Checkout', 'ada-2'),
			await send('Viewed Page', 'ada-3', {
				properties: { url: 'https://shop.example.com/pricing' },
			}),
			await send('Opened Email', 'ada-4'),
			await send('Started Checkout', 'ada-5'),
			await send('Opened Email', 'ada-4'),
		];
		expect(
			replies.map((reply) => [reply.status, reply.body.score, reply.body.tier, reply.body.crossed]),
		).toEqual([
			[200, 45, 'warming', false],
			[200, 65, 'engaged', false],
			[200, 75, 'engaged', false],
			[200, 77, 'hot', true],
			[200, 97, 'hot', false],
			// The re-sent ada-4 answers as the first time: the crossing goes out again, and Salesforce skips the lead now at MQL.
			[200, 77, 'hot', true],
		]);
		expect(replies[5].body).toMatchObject({
			previousScore: 75,
			duplicate: true,
			salesforce: { status: 'MQL', updated: false },
		});
		expect(replies[3].body.salesforce).toMatchObject({
			previousStatus: 'Open - Not Contacted',
			status: 'MQL',
			updated: true,
		});
		expect(leadStatus('ada@example.com')).toBe('MQL');
		expect(salesforce.calls.collections + salesforce.calls.patchLead).toBe(1);
		expect(storedLead(sandbox.n8n.userFolder, 'ada@example.com', 'journey')).toEqual({
			score: 97,
			tier: 'hot',
		});
		// Every scored event went to Klaviyo with the score and tier at that moment.
		expect(
			profileImports('ada@example.com').map((attributes) => [
				attributes.properties.Lead_Score,
				attributes.properties.Lead_Tier,
			]),
		).toEqual([
			[45, 'warming'],
			[65, 'engaged'],
			[75, 'engaged'],
			[77, 'hot'],
			[97, 'hot'],
			// The replayed run writes its first outcome again (README: Retries and exactly-once hand-offs).
			[77, 'hot'],
		]);
		expect(klaviyo.problems).toEqual([]);
	}, 120_000);

	it('recovers when Klaviyo throttles (429) and Salesforce fails (503) for a while, losing nothing', async () => {
		klaviyo.fail({ status: 429, times: 2, retryAfterSeconds: 1 });
		salesforce.failRequests({ count: 2, status: 503 });
		const reply = await post(url('lead-journey'), {
			email: 'grace@example.com',
			event: 'Requested Demo',
			event_id: 'grace-1',
			time: AT,
			profile: { title: 'Head of Data' },
		});
		expect([reply.status, reply.body.score]).toEqual([200, 45]);
		const crossing = await post(url('lead-journey'), {
			email: 'grace@example.com',
			event: 'Started Checkout',
			event_id: 'grace-2',
			time: AT,
		});
		const last = await post(url('lead-journey'), {
			email: 'grace@example.com',
			event: 'Started Checkout',
			event_id: 'grace-3',
			time: AT,
		});
		expect([crossing.body.score, last.body.score, last.body.crossed]).toEqual([65, 85, true]);
		expect(leadStatus('grace@example.com')).toBe('MQL');
		expect(
			profileImports('grace@example.com').map((attributes) => attributes.properties.Lead_Score),
		).toEqual([45, 65, 85]);
	}, 120_000);

	it('answers 400 with the reason for an event without an email, and writes nothing', async () => {
		const before = klaviyo.calls();
		const reply = await post(url('lead-journey'), {
			event: 'Requested Demo',
			event_id: 'nobody-1',
		});
		expect(reply.status).toBe(400);
		expect(reply.body.error).toMatch(/lead ID is empty/);
		expect(klaviyo.calls()).toBe(before);
	}, 60_000);

	it('cools down inactive leads on the nightly run and writes their new scores to Klaviyo', async () => {
		const longAgo = new Date(Date.now() - 60 * 86_400_000).toISOString();
		const reply = await post(url('lead-journey'), {
			email: 'idle@example.com',
			event: 'Requested Demo',
			event_id: 'idle-1',
			time: longAgo,
		});
		expect(reply.body.score).toBe(30);
		// What the Schedule Trigger does at 02:00, run now through the workflow's "Run Now" webhook.
		const decay = await post(url('decay-now'), {});
		expect(decay.status).toBe(200);
		expect(decay.body).toMatchObject({
			operation: 'Apply Decay',
			scoreName: 'journey',
			changed: expect.any(Number),
		});
		expect(decay.body.changed).toBeGreaterThanOrEqual(1);
		const idle = storedLead(sandbox.n8n.userFolder, 'idle@example.com', 'journey')!;
		expect(idle.score).toBeCloseTo(7.5, 0);
		expect(idle.tier).toBe('nurture');
		const last = profileImports('idle@example.com').pop()!;
		// Klaviyo gets the whole score (Whole Points, the default); the store keeps the exact one.
		expect([last.properties.Lead_Score, last.properties.Lead_Tier]).toEqual([
			Math.floor(idle.score),
			'nurture',
		]);
	}, 180_000);

	it('records nested order items as a top-level Klaviyo event, once per order', async () => {
		const order = {
			email: 'shopper@example.com',
			event: {
				order_id: 'ord-77',
				time: '2026-11-20T10:00:00Z',
				items: [{ sku: 'SKU-123', item_id: 'item-9', name: 'Desk', quantity: 2 }],
			},
		};
		const first = await post(url('klaviyo-remap-order'), order);
		expect([first.status, first.text]).toEqual([200, expect.any(String)]);
		expect((await post(url('klaviyo-remap-order'), order)).status).toBe(200);
		const events = klaviyo.requests
			.filter((request) => request.operationId === 'create_event' && request.status === 202)
			.map(
				(request) =>
					(
						request.body as {
							data: {
								attributes: {
									properties: Record<string, unknown>;
									unique_id: string;
									metric: { data: { attributes: { name: string } } };
								};
							};
						}
					).data.attributes,
			);
		expect(
			events.map((event) => [event.metric.data.attributes.name, event.unique_id, event.properties]),
		).toEqual([
			[
				'Ordered Item',
				'ord-77-item-0',
				expect.objectContaining({
					SKU: 'SKU-123',
					Item_ID: 'item-9',
					Item_Name: 'Desk',
					Quantity: 2,
				}),
			],
			['Ordered Item', 'ord-77-item-0', expect.objectContaining({ SKU: 'SKU-123' })],
		]);
		expect(klaviyo.problems).toEqual([]);
	}, 60_000);
});
