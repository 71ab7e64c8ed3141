import { join } from 'node:path';

import type { ApiSandboxes, Sandbox } from '../../scripts/n8n';
import type { KlaviyoMock } from '../../sandbox/klaviyo/klaviyoMock';
import type { SalesforceMock } from '../../sandbox/salesforce/salesforceMock';
import {
	klaviyoAndSalesforce,
	mqlUpdatesPerLead,
	post,
	REPO_ROOT,
	startN8nWithApis,
	START_TIMEOUT,
	stopN8nWithApis,
	type WebhookReply,
} from './harness';

const JOURNEY = join(REPO_ROOT, 'examples', 'workflows', 'lead-journey.json');
const AT = '2026-11-20T09:00:00.000Z';

// The journey example (Webhook → Score Event → Klaviyo → Check Threshold (76) → Salesforce Mark MQL)
// as a webhook sender uses it: when a step after Score Event fails on the event that takes a lead
// over the threshold, the sender re-sends that event with its id until it gets a 2xx. Sales must
// then see the crossing exactly once.
describe('a crossing re-sent after a failed step reaches Salesforce exactly once (real n8n)', () => {
	let apis: ApiSandboxes;
	let sandbox: Sandbox;
	let klaviyo: KlaviyoMock;
	let salesforce: SalesforceMock;
	/** MQL updates each failure test saw, printed at the end for the record. */
	const seen: Record<string, number> = {};

	const url = () => sandbox.webhooks.find((webhook) => webhook.path === 'lead-journey')!.url;
	const send = (
		email: string,
		event: string,
		eventId: string,
		extra: Record<string, unknown> = {},
	) => post(url(), { email, event, event_id: eventId, time: AT, ...extra });
	const status = (email: string) =>
		salesforce.allLeads().find((lead) => lead.Email === email)?.Status;
	const mqlUpdates = (email: string) => mqlUpdatesPerLead(salesforce).get(email) ?? 0;

	/** A new Salesforce lead scored to 75 (45, 65, 75): the next "Opened Email" (+2) crosses 76. */
	async function leadAt75(email: string): Promise<void> {
		salesforce.addLead({ Email: email });
		const replies = [
			await send(email, 'Requested Demo', `${email}-1`, { profile: { title: 'VP Marketing' } }),
			await send(email, 'Started Checkout', `${email}-2`),
			await send(email, 'Viewed Page', `${email}-3`, {
				properties: { url: 'https://shop.example.com/pricing' },
			}),
		];
		expect(replies.map((reply) => [reply.status, reply.body.score, reply.body.crossed])).toEqual([
			[200, 45, false],
			[200, 65, false],
			[200, 75, false],
		]);
	}

	/** The re-sent crossing event's answer: the first outcome, handed to Salesforce. */
	function expectCrossingReplayed(reply: WebhookReply): void {
		expect(reply.status).toBe(200);
		expect(reply.body).toMatchObject({
			score: 77,
			previousScore: 75,
			duplicate: true,
			crossed: true,
			salesforce: { status: 'MQL' },
		});
	}

	beforeAll(async () => {
		({ apis, sandbox } = await startN8nWithApis([JOURNEY]));
		({ klaviyo, salesforce } = klaviyoAndSalesforce(apis));
	}, START_TIMEOUT);

	afterAll(async () => {
		process.stdout.write(`MQL updates per failure test: ${JSON.stringify(seen)}\n`);
		await stopN8nWithApis({ sandbox, apis });
	}, 60_000);

	it('Klaviyo answers 503 beyond the retries on the crossing event: an error, then the re-send hands the lead over once', async () => {
		const email = 'klaviyo-down@example.com';
		await leadAt75(email);
		klaviyo.fail({ status: 503, times: 1000 });
		const failed = await send(email, 'Opened Email', `${email}-4`);
		expect(failed.status).toBeGreaterThanOrEqual(500);
		expect([status(email), mqlUpdates(email)]).toEqual(['Open - Not Contacted', 0]);

		klaviyo.recover();
		const retry = await send(email, 'Opened Email', `${email}-4`);
		expectCrossingReplayed(retry);
		expect(retry.body.salesforce).toMatchObject({
			previousStatus: 'Open - Not Contacted',
			updated: true,
		});
		// A second re-send (the sender never saw the 200) goes out again; Salesforce skips the lead now at MQL.
		const again = await send(email, 'Opened Email', `${email}-4`);
		expectCrossingReplayed(again);
		expect(again.body.salesforce).toMatchObject({ updated: false, skippedReason: 'alreadyMql' });
		seen.klaviyo503 = mqlUpdates(email);
		expect([status(email), mqlUpdates(email)]).toEqual(['MQL', 1]);
	}, 180_000);

	it('Salesforce fails the first hand-off: an error, then the re-send hands the lead over once', async () => {
		const email = 'salesforce-down@example.com';
		await leadAt75(email);
		salesforce.failRequests({ count: 1000, status: 503 });
		const failed = await send(email, 'Opened Email', `${email}-4`);
		expect(failed.status).toBeGreaterThanOrEqual(500);
		expect([status(email), mqlUpdates(email)]).toEqual(['Open - Not Contacted', 0]);

		salesforce.failRequests({ count: 0 });
		const retry = await send(email, 'Opened Email', `${email}-4`);
		expectCrossingReplayed(retry);
		expect(retry.body.salesforce).toMatchObject({ updated: true });
		seen.salesforce503 = mqlUpdates(email);
		expect([status(email), mqlUpdates(email)]).toEqual(['MQL', 1]);
	}, 180_000);

	it('n8n killed (SIGKILL) after Check Threshold, while Salesforce is slow to answer: after the restart the re-send hands the lead over once', async () => {
		const email = 'killed@example.com';
		await leadAt75(email);
		const slow = salesforce.holdRequests();
		// No answer (connection reset: status 0) or an error answer; never a 2xx.
		const inFlight = send(email, 'Opened Email', `${email}-4`).then(
			(reply) => reply.status,
			() => 0,
		);
		// Salesforce Mark MQL has asked for the lead: Score Event, Klaviyo and Check Threshold are done.
		await slow.arrived;
		await sandbox.n8n.stop('SIGKILL');
		slow.release();
		const lost = await inFlight;
		expect(lost === 0 || lost >= 500).toBe(true);
		expect([status(email), mqlUpdates(email)]).toEqual(['Open - Not Contacted', 0]);

		await sandbox.start();
		const retry = await send(email, 'Opened Email', `${email}-4`);
		expectCrossingReplayed(retry);
		seen.n8nKilled = mqlUpdates(email);
		expect([status(email), mqlUpdates(email)]).toEqual(['MQL', 1]);
	}, 300_000);

	it('scores two leads whose sources use the same event id, each once', async () => {
		const first = [
			await send('shop-a@example.com', 'Requested Demo', 'order-1'),
			await send('shop-b@example.com', 'Requested Demo', 'order-1'),
		];
		const again = [
			await send('shop-a@example.com', 'Requested Demo', 'order-1'),
			await send('shop-b@example.com', 'Requested Demo', 'order-1'),
		];
		expect(
			[...first, ...again].map((reply) => [
				reply.status,
				reply.body.leadId,
				reply.body.score,
				reply.body.duplicate,
			]),
		).toEqual([
			[200, 'shop-a@example.com', 30, false],
			[200, 'shop-b@example.com', 30, false],
			[200, 'shop-a@example.com', 30, true],
			[200, 'shop-b@example.com', 30, true],
		]);
	}, 60_000);
});
