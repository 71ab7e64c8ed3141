import { nodeOutput, type Sandbox } from '../../scripts/n8n';
import {
	post,
	SCORE_WORKFLOW_ID,
	START_TIMEOUT,
	startScoringSandbox,
	storedLead,
	storeRowCounts,
} from './harness';

// Real n8n 2.x with the packed package installed as a community package, the workflow
// test/e2e/workflows/score-webhook.json imported and published, events POSTed to its production webhook.
// Its model: pricing page +10 (at most 3 a day), guide +15 (first time only), checkout +20,
// unsubscribe -20, ping +1, senior title +15 fit; no decay; tiers nurture 0, warming 26, engaged 51, hot 76.
describe('Webhook → Score Event → Respond to Webhook in a real n8n', () => {
	let sandbox: Sandbox;
	let url: string;
	let userFolder: string;

	beforeAll(async () => {
		sandbox = await startScoringSandbox();
		url = sandbox.webhooks[0].url;
		userFolder = sandbox.n8n.userFolder;
	}, START_TIMEOUT);

	afterAll(async () => {
		await sandbox?.dispose();
	}, 60_000);

	it("scores a lead's events in order as the model says", async () => {
		const lead = ' Ada.Lovelace@Example.com ';
		type Reason = { rule: string; points: number; note?: string };
		const journey: Array<
			[Record<string, unknown>, { score: number; delta: number; tier: string; reasons: Reason[] }]
		> = [
			[
				{ event: 'Viewed Page', properties: { url: 'https://shop.test/pricing' } },
				{ score: 10, delta: 10, tier: 'nurture', reasons: [{ rule: 'pricing-page', points: 10 }] },
			],
			[
				{ event: 'Viewed Page', properties: { url: 'https://shop.test/blog' } },
				{ score: 10, delta: 0, tier: 'nurture', reasons: [] },
			],
			[
				{ event: 'Downloaded Guide' },
				{
					score: 25,
					delta: 15,
					tier: 'nurture',
					reasons: [{ rule: 'downloaded-guide', points: 15 }],
				},
			],
			[
				{ event: 'Downloaded Guide' },
				{
					score: 25,
					delta: 0,
					tier: 'nurture',
					reasons: [
						{ rule: 'downloaded-guide', points: 0, note: 'once: already counted for this lead' },
					],
				},
			],
			[
				{ event: 'Viewed Page', properties: { url: 'https://shop.test/pricing?plan=pro' } },
				{ score: 35, delta: 10, tier: 'warming', reasons: [{ rule: 'pricing-page', points: 10 }] },
			],
			[
				{ event: 'Viewed Page', properties: { url: 'https://shop.test/pricing' } },
				{ score: 45, delta: 10, tier: 'warming', reasons: [{ rule: 'pricing-page', points: 10 }] },
			],
			// The fourth pricing view within a day is over the rule's cap.
			[
				{ event: 'Viewed Page', properties: { url: 'https://shop.test/pricing' } },
				{
					score: 45,
					delta: 0,
					tier: 'warming',
					reasons: [
						{ rule: 'pricing-page', points: 0, note: 'limit: at most 3 per 1 day(s) reached' },
					],
				},
			],
			[
				{ event: 'Started Checkout', profile: { title: 'VP Marketing' } },
				{
					score: 80,
					delta: 35,
					tier: 'hot',
					reasons: [
						{ rule: 'started-checkout', points: 20 },
						{ rule: 'senior-title', points: 15 },
					],
				},
			],
			[
				{ event: 'Unsubscribed' },
				{
					score: 60,
					delta: -20,
					tier: 'engaged',
					reasons: [{ rule: 'unsubscribed', points: -20 }],
				},
			],
		];
		const before = sandbox.n8n.executions(SCORE_WORKFLOW_ID).length;
		let previous = { score: 0, tier: 'nurture' };
		for (const [index, [event, expected]] of journey.entries()) {
			const reply = await post(url, { email: lead, eventId: `journey-${index}`, ...event });
			expect(reply.status).toBe(200);
			expect(reply.body).toMatchObject({
				leadId: 'ada.lovelace@example.com',
				event: event.event,
				eventId: `journey-${index}`,
				score: expected.score,
				previousScore: previous.score,
				delta: expected.delta,
				tier: expected.tier,
				previousTier: previous.tier,
				tierChanged: expected.tier !== previous.tier,
				duplicate: false,
			});
			expect(reply.body.reasons).toEqual(expected.reasons);
			previous = { score: expected.score, tier: expected.tier };
		}
		expect(storedLead(userFolder, 'ada.lovelace@example.com')).toEqual({
			score: 60,
			tier: 'engaged',
		});

		// n8n saved every run as a successful webhook execution whose Score Event output holds the score.
		const executions = await sandbox.n8n.waitForExecutions(
			SCORE_WORKFLOW_ID,
			before + journey.length,
		);
		const journeyRuns = executions.slice(before);
		expect(journeyRuns.map((execution) => [execution.mode, execution.status])).toEqual(
			journey.map(() => ['webhook', 'success']),
		);
		const lastScore = nodeOutput(journeyRuns[journeyRuns.length - 1], 'Score Event')[0].leadScore;
		expect(lastScore).toMatchObject({ score: 60, tier: 'engaged' });
	}, 120_000);

	it('200 concurrent webhook calls for one lead end at the exact score', async () => {
		const send = async (eventId: string) =>
			await post(url, { email: 'burst@example.com', event: 'Ping', eventId });
		const eventIds = Array.from({ length: 200 }, (_, index) => `burst-${index}`);
		const firstReplies = new Map(
			await Promise.all(eventIds.map(async (eventId) => [eventId, await send(eventId)] as const)),
		);
		const replies = new Map(firstReplies);
		// n8n itself may answer 500 when its own SQLite write lock waits over 60 s on an overloaded
		// machine; a sender retries such a call with the same event id, as webhook senders do.
		for (let attempt = 0; attempt < 3; attempt++) {
			for (const [eventId, reply] of replies)
				if (reply.status !== 200) replies.set(eventId, await send(eventId));
		}
		expect([...replies.values()].map((reply) => reply.status)).toEqual(eventIds.map(() => 200));
		expect(storedLead(userFolder, 'burst@example.com')?.score).toBe(200);
		// Every call that counted its event saw a different committed score: no update was lost or
		// applied twice. (A retry answers "duplicate" when the failed attempt had committed.)
		const counted = [...replies.values()].filter((reply) => reply.body.duplicate === false);
		const scores = counted.map((reply) => reply.body.score as number);
		expect(new Set(scores).size).toBe(scores.length);
		expect(scores.every((score) => Number.isInteger(score) && score >= 1 && score <= 200)).toBe(
			true,
		);
		const answeredFirstTime = [...firstReplies.values()].filter((reply) => reply.status === 200);
		expect(answeredFirstTime.every((reply) => reply.body.duplicate === false)).toBe(true);
	}, 300_000);

	it('counts an event id POSTed 5 times once, one after another or all at once', async () => {
		const event = { email: 'repeat@example.com', event: 'Started Checkout', eventId: 'order-1001' };
		const sequential = [];
		for (let attempt = 0; attempt < 5; attempt++) sequential.push(await post(url, event));
		expect(
			sequential.map((reply) => [reply.status, reply.body.score, reply.body.duplicate]),
		).toEqual([
			[200, 20, false],
			[200, 20, true],
			[200, 20, true],
			[200, 20, true],
			[200, 20, true],
		]);

		const concurrent = await Promise.all(
			Array.from({ length: 5 }, async () => await post(url, { ...event, eventId: 'order-1002' })),
		);
		expect(concurrent.map((reply) => reply.status)).toEqual([200, 200, 200, 200, 200]);
		expect(concurrent.filter((reply) => reply.body.duplicate === false)).toHaveLength(1);
		expect(concurrent.map((reply) => reply.body.score)).toEqual([40, 40, 40, 40, 40]);
		expect(storedLead(userFolder, 'repeat@example.com')?.score).toBe(40);
	}, 120_000);

	describe('bad input', () => {
		/** After each bad request, n8n still scores a good event and the store is otherwise unchanged. */
		async function expectStillServing(
			rowsBefore: Record<string, number>,
			leadId: string,
		): Promise<void> {
			expect(storeRowCounts(userFolder)).toEqual(rowsBefore);
			const reply = await post(url, { email: leadId, event: 'Ping' });
			expect(reply.status).toBe(200);
			expect(reply.body).toMatchObject({ leadId, delta: 1 });
		}

		it('answers 400 with the reason when the email is missing, and writes nothing', async () => {
			const rows = storeRowCounts(userFolder);
			const reply = await post(url, { event: 'Started Checkout', eventId: 'no-email-1' });
			expect(reply.status).toBe(400);
			expect(reply.body.error).toMatch(/lead ID is empty.*parameter "leadId"/);
			await expectStillServing(rows, 'after-no-email@example.com');
		}, 60_000);

		it('answers 400 when the event name is missing', async () => {
			const rows = storeRowCounts(userFolder);
			const reply = await post(url, { email: 'no-event@example.com' });
			expect(reply.status).toBe(400);
			expect(reply.body.error).toMatch(/event name is empty/);
			await expectStillServing(rows, 'after-no-event@example.com');
		}, 60_000);

		it('rejects a malformed JSON body before the workflow runs', async () => {
			const rows = storeRowCounts(userFolder);
			const executions = sandbox.n8n.executions(SCORE_WORKFLOW_ID).length;
			const reply = await post(url, '{"email": "broken@example.com", "event": ');
			expect(reply.status).toBe(422);
			expect(reply.body.message).toBe('Failed to parse request body');
			expect(sandbox.n8n.executions(SCORE_WORKFLOW_ID)).toHaveLength(executions);
			await expectStillServing(rows, 'after-malformed@example.com');
		}, 60_000);

		it("rejects a body over n8n's 16 MiB payload limit and keeps serving", async () => {
			const rows = storeRowCounts(userFolder);
			const reply = await post(url, {
				email: 'huge@example.com',
				event: 'Ping',
				padding: 'x'.repeat(17 * 1024 * 1024),
			});
			expect(reply.status).toBeGreaterThanOrEqual(400);
			expect(reply.body.score).toBeUndefined();
			expect(storedLead(userFolder, 'huge@example.com')).toBeUndefined();
			await expectStillServing(rows, 'after-huge@example.com');
		}, 120_000);

		it('answers 400 for a lead id longer than an email can be, inside a 2 MB body', async () => {
			const rows = storeRowCounts(userFolder);
			const email = `${'a'.repeat(2 * 1024 * 1024)}@example.com`;
			const reply = await post(url, { email, event: 'Ping', eventId: 'long-id-1' });
			expect(reply.status).toBe(400);
			expect(reply.body.error).toMatch(/longer than 320 characters/);
			await expectStillServing(rows, 'after-long-id@example.com');
		}, 60_000);

		it('scores an unknown event as a no-op: 200, no points, no reasons, no history entry', async () => {
			const first = await post(url, { email: 'unknown@example.com', event: 'Started Checkout' });
			expect(first.body.score).toBe(20);
			const rows = storeRowCounts(userFolder);
			const reply = await post(url, {
				email: 'unknown@example.com',
				event: 'Watched Webinar',
				eventId: 'webinar-1',
			});
			expect(reply.status).toBe(200);
			expect(reply.body).toMatchObject({
				score: 20,
				previousScore: 20,
				delta: 0,
				reasons: [],
				tierChanged: false,
			});
			expect(storedLead(userFolder, 'unknown@example.com')?.score).toBe(20);
			// The score's history (ledger) has no entry for it; the event itself is kept, so a retry is
			// recognised and a later model can re-score it.
			expect(storeRowCounts(userFolder).ledger).toBe(rows.ledger);
		}, 60_000);
	});
});
