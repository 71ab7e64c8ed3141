import { join } from 'node:path';

import { startSandbox, type Sandbox } from '../../scripts/n8n';
import { PACKAGE_TARBALL, post, REPO_ROOT, START_TIMEOUT, storedLead } from './harness';

// README's Quick start, published in a real n8n: a Webhook node and a Score Event node whose
// parameters are all left at their defaults (the example model, the Event Data defaults).
describe("README's Quick start in a real n8n", () => {
	let sandbox: Sandbox;

	beforeAll(async () => {
		sandbox = await startSandbox({
			repoRoot: REPO_ROOT,
			packageTarball: PACKAGE_TARBALL,
			workflows: [join(__dirname, 'workflows', 'quick-start.json')],
		});
	}, START_TIMEOUT);

	afterAll(async () => await sandbox?.dispose(), 60_000);

	it("the README's curl gets the 10 points it promises, once", async () => {
		const url = sandbox.webhooks[0].url;
		expect(url).toMatch(/\/webhook\/lead-events$/);
		const event = {
			email: 'ada@example.com',
			event: 'Viewed Page',
			eventId: 'evt-1',
			properties: { url: '/pricing' },
		};
		const reply = await post(url, event);
		expect(reply.status).toBe(200);
		expect(reply.body.leadScore).toMatchObject({
			leadId: 'ada@example.com',
			eventId: 'evt-1',
			score: 10,
			previousScore: 0,
			tier: 'nurture',
			reasons: [{ rule: 'pricing-page', points: 10 }],
			duplicate: false,
		});
		const again = await post(url, event);
		expect(again.body.leadScore).toMatchObject({ score: 10, duplicate: true });
		expect(storedLead(sandbox.n8n.userFolder, 'ada@example.com')).toEqual({
			score: 10,
			tier: 'nurture',
		});

		// An event whose field sits elsewhere scores 0 and says which condition could not be checked.
		const flat = await post(url, {
			email: 'grace@example.com',
			event: 'Viewed Page',
			url: '/pricing',
		});
		expect(flat.body.leadScore).toMatchObject({
			delta: 0,
			reasons: [],
			unmatched: [{ rule: 'pricing-page', path: 'properties.url' }],
		});
	}, 120_000);
});
