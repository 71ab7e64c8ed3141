/**
 * Score Event on what a webhook or an operator's options can send it: the stored event data is the
 * event only, retention options are checked before anything is written, and Re-Score says which
 * leads it left alone and why.
 */
import { join } from 'node:path';

import type { IWorkflowBase } from 'n8n-workflow';

import { EMBEDDED_FILE_NAME } from '../../lib/store/openStore';
import { SqliteStore } from '../../lib/store/sqliteStore';
import { loadWorkflow, outputOf, runWorkflow } from '../../sandbox/n8nWorkflow';

const workflows = join(__dirname, 'workflows');
const embeddedFile = () =>
	join(
		process.env.N8N_USER_FOLDER!,
		'.n8n',
		'storage',
		'n8n-nodes-lead-scoring.scoreEvent',
		EMBEDDED_FILE_NAME,
	);

let scoreNames = 0;
const uniqueScoreName = () => `hostile-${process.pid}-${++scoreNames}`;

const model = {
	version: 1,
	rules: [
		{
			id: 'pricing-page',
			event: 'Viewed Page',
			when: [{ path: 'body.properties.url', op: 'contains', value: '/pricing' }],
			points: 10,
		},
		{
			id: 'from-ads',
			event: 'Viewed Page',
			when: [{ path: 'query.utm_source', op: 'equals', value: 'ads' }],
			points: 5,
		},
	],
	decay: { type: 'none' },
};

/** Score Event reading a Webhook node's item, as the README's quick start maps it. */
function webhookScoring(options: Record<string, unknown> = {}): IWorkflowBase {
	const workflow = structuredClone(loadWorkflow(join(workflows, 'score-events.json')));
	const node = workflow.nodes.find((n) => n.name === 'Score Event')!;
	Object.assign(node.parameters, {
		leadId: '={{ $json.body.email }}',
		eventName: '={{ $json.body.event }}',
		eventId: '={{ $json.body.id }}',
		eventTime: '',
		profile: '',
		model: JSON.stringify(model),
		scoreName: '={{ $json.scoreName }}',
		options,
	});
	return workflow;
}

function webhookItem(scoreName: string, id: string) {
	return {
		json: {
			headers: {
				authorization: 'Bearer sk_live_webhook_secret',
				'x-api-key': 'key-7f3a9',
				cookie: 'session=abc123',
				'content-type': 'application/json',
			},
			params: {},
			query: { utm_source: 'ads', token: 'query-secret-42' },
			body: { email: 'ada@example.com', event: 'Viewed Page', id, properties: { url: '/pricing' } },
			webhookUrl: 'http://localhost:5678/webhook/lead-events',
			executionMode: 'production',
			scoreName,
		},
	};
}

describe('Score Event keeps the event, not the request', () => {
	it("stores a Webhook item's body and the values its rules read, never its headers, cookies or other query values", async () => {
		const scoreName = uniqueScoreName();
		const run = await runWorkflow(webhookScoring(), { input: [webhookItem(scoreName, 'e1')] });
		expect(outputOf(run, 'Score Event')[0].json.leadScore).toMatchObject({ score: 15 });
		const store = new SqliteStore(embeddedFile());
		const { events } = await store.listEvents(
			scoreName,
			{ from: 0, to: Number.MAX_SAFE_INTEGER },
			null,
			10,
		);
		await store.close();
		expect(events.map((event) => event.payload)).toEqual([
			{
				kind: 'event',
				data: {
					body: {
						email: 'ada@example.com',
						event: 'Viewed Page',
						id: 'e1',
						properties: { url: '/pricing' },
					},
					query: { utm_source: 'ads' },
					scoreName,
				},
				hasProfile: false,
			},
		]);
		const stored = JSON.stringify(events);
		for (const secret of [
			'sk_live_webhook_secret',
			'key-7f3a9',
			'session=abc123',
			'query-secret-42',
		])
			expect(stored).not.toContain(secret);
		// What is kept replays to the same score.
		const rescore = loadWorkflow(join(__dirname, '..', 'lifecycle', 'workflows', 'rescore.json'));
		rescore.nodes[1].parameters.model = JSON.stringify(model);
		const rescored = await runWorkflow(rescore, { input: [{ json: { scoreName } }] });
		expect(outputOf(rescored, 'Re-Score')).toEqual([]);
	});
});

describe('Score Event retention options', () => {
	it.each([
		[0, 'Event Retention (Days) must be a whole number of days, 1 or more; got 0.'],
		[0.5, 'Event Retention (Days) must be a whole number of days, 1 or more; got 0.5.'],
		[-3, 'Event Retention (Days) must be a whole number of days, 1 or more; got -3.'],
	])(
		'refuses Event Retention of %s days before anything is scored or deleted',
		async (days, message) => {
			const scoreName = uniqueScoreName();
			const run = await runWorkflow(webhookScoring({ eventRetentionDays: days }), {
				input: [webhookItem(scoreName, 'e1')],
			});
			expect(run.status).toBe('error');
			expect(run.data.resultData.error!.message).toBe(
				`${message} Nothing was scored or deleted. (item 0, parameter "options.eventRetentionDays")`,
			);
			const store = new SqliteStore(embeddedFile());
			expect((await store.getLeads(scoreName, ['ada@example.com'])).size).toBe(0);
			await store.close();
		},
	);

	it('refuses a History Retention that is not a number of days', async () => {
		const run = await runWorkflow(webhookScoring({ ledgerRetentionDays: Number.NaN }), {
			input: [webhookItem(uniqueScoreName(), 'e1')],
		});
		expect(run.data.resultData.error!.message).toMatch(
			/^History Retention \(Days\) must be a whole number of days, 1 or more; got NaN\./,
		);
	});
});

describe('Re-Score Leads in a workflow', () => {
	it('sends out the leads it left as they were, unchanged, with the reason', async () => {
		const scoreName = uniqueScoreName();
		await runWorkflow(webhookScoring({ keepEventData: false }), {
			input: [webhookItem(scoreName, 'e1')],
		});
		const rescore = loadWorkflow(join(__dirname, '..', 'lifecycle', 'workflows', 'rescore.json'));
		const out = outputOf(
			await runWorkflow(rescore, { input: [{ json: { scoreName } }] }),
			'Re-Score',
		);
		expect(out.map((item) => item.json.leadScore)).toEqual([
			{
				leadId: 'ada@example.com',
				score: 15,
				exactScore: 15,
				previousScore: 15,
				delta: 0,
				tier: 'nurture',
				previousTier: 'nurture',
				tierChanged: false,
				skipped: true,
				skippedReason:
					'some of its kept events have no data (Keep Event Data was off), so they cannot be replayed',
			},
		]);
	});
});
