/**
 * The Braze Update Profile node run by n8n-core (in-process) against the loopback Braze,
 * through n8n's own authenticated request helper and the package's credential.
 */
import { join } from 'node:path';

import axios from 'axios';
import type {
	ICredentialDataDecryptedObject,
	INodeExecutionData,
	IRun,
	IWorkflowBase,
} from 'n8n-workflow';

import { BrazeApi } from '../../credentials/BrazeApi.credentials';
import { loadWorkflow, outputOf, runWorkflow } from '../../sandbox/n8nWorkflow';
import { type BrazeMock, startBrazeMock } from '../../sandbox/braze/brazeMock';
import { SalesforceMock } from '../../sandbox/salesforce/salesforceMock';
import { checkAndCloseAfterEach } from '../harness/loopbackClient';
import { errorOf, workflowWith } from '../harness/nodeWorkflow';

const NODE = 'Braze Update Profile';

let mock: BrazeMock;
let credentials: ICredentialDataDecryptedObject;

beforeEach(async () => {
	mock = await startBrazeMock();
	credentials = { apiKey: mock.apiKey, baseUrl: `${mock.baseUrl}/` };
});

checkAndCloseAfterEach(() => mock);

const workflow = (parameters: Record<string, unknown> = {}, continueOnFail = false) =>
	workflowWith(
		join(__dirname, 'workflows', 'braze-update-profile.json'),
		NODE,
		parameters,
		continueOnFail,
	);

async function run(wf: IWorkflowBase, input: INodeExecutionData[]): Promise<IRun> {
	return await runWorkflow(wf, { input, credentials: { brazeApi: credentials } });
}

/** An item as Score Event emits it. */
function scored(
	leadId: string,
	score = 42,
	previousScore = score - 10,
	tier = 'warming',
	previousTier = 'nurture',
	extra: Record<string, unknown> = {},
): INodeExecutionData {
	return {
		json: {
			...extra,
			leadScore: {
				leadId,
				event: 'Viewed Page',
				eventId: `evt-${leadId}`,
				score,
				previousScore,
				delta: score - previousScore,
				tier,
				previousTier,
				tierChanged: tier !== previousTier,
				reasons: [{ rule: 'pricing-page', points: score - previousScore }],
				duplicate: false,
				scoredAt: '2026-11-23T07:00:00.000Z',
			},
		},
	};
}

describe('writing scores', () => {
	it('writes lead_score and lead_tier by external ID and adds braze to each item', async () => {
		const result = await run(workflow(), [
			scored('user-1', 42),
			scored('user-2', 61, 40, 'engaged', 'warming'),
		]);
		expect(result.status).toBe('success');
		const items = outputOf(result, NODE);
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(items[0]!.json).toEqual({
			...scored('user-1', 42).json,
			braze: { updated: true, attributes: { lead_score: 42, lead_tier: 'warming' }, event: null },
		});
		expect(mock.user({ externalId: 'user-2' })?.attributes).toEqual({
			lead_score: 61,
			lead_tier: 'engaged',
		});
		expect(mock.calls()).toBe(1);
	});

	it.each([
		[
			'email',
			{ identifyBy: 'email', email: '={{ $json.mail }}' },
			{ mail: 'Ada@Example.com' },
			{ email: 'ada@example.com' },
		],
		[
			'userAlias',
			{ identifyBy: 'userAlias', aliasName: '={{ $json.crmId }}', aliasLabel: 'crm_lead_id' },
			{ crmId: '00Q123' },
			{ alias: ['00Q123', 'crm_lead_id'] as [string, string] },
		],
	])('identifies the user by %s', async (_kind, parameters, extra, lookup) => {
		const result = await run(workflow(parameters), [
			scored('x', 50, 40, 'warming', 'warming', extra),
		]);
		expect(outputOf(result, NODE)[0]!.json.braze).toEqual({
			updated: true,
			attributes: { lead_score: 50 },
			event: null,
		});
		expect(mock.user(lookup)?.attributes).toEqual({ lead_score: 50 });
	});

	it('sends only what changed, and nothing at all for a lead whose score and tier did not change', async () => {
		const result = await run(workflow(), [
			scored('same', 42, 42, 'warming', 'warming'),
			scored('moved', 45, 42, 'warming', 'warming'),
		]);
		const [same, moved] = outputOf(result, NODE);
		expect(same!.json.braze).toEqual({ updated: false, attributes: {}, event: null });
		expect(moved!.json.braze).toEqual({
			updated: true,
			attributes: { lead_score: 45 },
			event: null,
		});
		expect((mock.requests[0]!.body as { attributes: unknown[] }).attributes).toEqual([
			{ lead_score: 45, external_id: 'moved' },
		]);
		expect(mock.state.dataPoints).toBe(1);
	});

	it('with Send Only Changes off, writes both attributes every time', async () => {
		await run(workflow({ sendOnlyChanges: false }), [scored('same', 42, 42, 'warming', 'warming')]);
		expect(mock.user({ externalId: 'same' })?.attributes).toEqual({
			lead_score: 42,
			lead_tier: 'warming',
		});
	});

	it('writes 160 leads in 3 requests (75 per request)', async () => {
		const leads = Array.from({ length: 160 }, (_, index) =>
			scored(`user-${index}`, index % 100, 0, 'warming', 'nurture'),
		);
		const result = await run(workflow(), leads);
		expect(outputOf(result, NODE)).toHaveLength(160);
		expect(mock.calls()).toBe(3);
		expect(mock.state.users).toHaveLength(160);
	});
});

describe('Lead Score Changed event', () => {
	const items = () => [
		scored('same-tier', 60, 55, 'engaged', 'engaged'),
		scored('new-tier', 52, 45, 'engaged', 'warming'),
		scored('crossed', 80, 70, 'hot', 'hot'),
	];

	it('on tier change: records the event with score, previous score, tier and reasons', async () => {
		const result = await run(workflow({ eventOn: 'tierChange' }), items());
		expect(
			outputOf(result, NODE).map((item) => (item.json.braze as { event: string | null }).event),
		).toEqual([null, 'Lead Score Changed', null]);
		expect(mock.eventsOf(mock.user({ externalId: 'new-tier' }))).toEqual([
			{
				brazeId: expect.any(String),
				name: 'Lead Score Changed',
				time: '2026-11-23T07:00:00.000Z',
				properties: {
					score: 52,
					previous_score: 45,
					tier: 'engaged',
					previous_tier: 'warming',
					reasons: [{ rule: 'pricing-page', points: 7 }],
				},
			},
		]);
		expect(mock.state.events).toHaveLength(1);
	});

	it('on crossing: only the lead that rose past the threshold', async () => {
		await run(workflow({ eventOn: 'crossing', threshold: 76 }), items());
		expect(mock.state.events.map((event) => event.properties.score)).toEqual([80]);
	});

	it('refuses to run an event rule without the previous values, naming the parameter', async () => {
		const result = await run(workflow({ eventOn: 'crossing', previousScore: '' }), [
			scored('user-1', 80),
		]);
		expect(errorOf(result).message).toBe(
			'The previous score is empty, so a crossing cannot be told; map it (Score Event gives leadScore.previousScore) (item 0, parameter "Previous Score")',
		);
		expect(mock.calls()).toBe(0);
	});
});

describe('bad items fail alone, and nothing is sent for them', () => {
	const items = () => [
		scored('user-1'),
		{ json: { note: 'no leadScore here' } },
		scored('user-3', Number.NaN),
		scored('undefined'),
	];

	it('with Continue On Fail: an error item naming the item and parameter for each, the others go on', async () => {
		const result = await run(workflow({}, true), items());
		expect(result.status).toBe('success');
		const output = outputOf(result, NODE);
		expect(output.map((item) => item.pairedItem)).toEqual([0, 1, 2, 3].map((item) => ({ item })));
		expect(output[0]!.json.braze).toMatchObject({ updated: true });
		expect(output[1]!.json.error).toBe(
			'The external ID is empty (item 1, parameter "External ID")',
		);
		expect(output[2]!.json.error).toBe(
			'The score is "NaN", not a number (item 2, parameter "Score")',
		);
		expect(output[3]!.json.error).toBe(
			'The external ID is "undefined", a placeholder Braze refuses; the expression found no ID (item 3, parameter "External ID")',
		);
		expect(Object.keys(output[1]!.json).sort()).toEqual(['details', 'error']);
		expect((mock.requests[0]!.body as { attributes: unknown[] }).attributes).toHaveLength(1);
	});

	it('without Continue On Fail: the run fails on the first bad item before anything is sent', async () => {
		const result = await run(workflow(), items());
		expect(errorOf(result)).toMatchObject({
			name: 'NodeOperationError',
			message: 'The external ID is empty (item 1, parameter "External ID")',
			description:
				'Nothing was sent to Braze for item 1. Fix the "External ID" parameter or the data it is mapped from.',
		});
		expect(mock.calls()).toBe(0);
	});
});

describe("Braze's answers", () => {
	it("maps Braze's non-fatal error by index back to its item; the other items are written (Continue On Fail)", async () => {
		mock.blockExternalId('user-blocked');
		const result = await run(workflow({}, true), [
			scored('user-1'),
			scored('user-blocked'),
			scored('user-3'),
		]);
		const output = outputOf(result, NODE);
		expect(
			output.map((item) => item.json.error ?? (item.json.braze as { updated: boolean }).updated),
		).toEqual([
			true,
			'Braze: Braze refused this item: provided external_id is blacklisted and disallowed',
			true,
		]);
		expect(output[1]!.json.details).toMatchObject({
			kind: 'object',
			status: 201,
			errors: [{ inputArray: 'attributes', index: 1 }],
		});
		expect(mock.user({ externalId: 'user-3' })?.attributes.lead_score).toBe(42);
	});

	it('without Continue On Fail the refused item stops the run with a NodeApiError naming it', async () => {
		mock.blockExternalId('user-blocked');
		const result = await run(workflow(), [scored('user-1'), scored('user-blocked')]);
		expect(errorOf(result)).toMatchObject({
			name: 'NodeApiError',
			message: 'Braze: Braze refused this item: provided external_id is blacklisted and disallowed',
			description: expect.stringContaining(
				'attributes[1]: provided external_id is blacklisted and disallowed',
			),
		});
	});

	it('turns a 401 into a NodeApiError that never contains the key', async () => {
		credentials.apiKey = ['0b5e55ed', '0000', '4000', '8000', 'wrongkey0001'].join('-');
		const result = await run(workflow(), [scored('user-1')]);
		expect(errorOf(result)).toMatchObject({
			name: 'NodeApiError',
			httpCode: '401',
			message: 'Braze: Invalid API key: [redacted]',
		});
		expect(JSON.stringify(result.data.resultData)).not.toContain(String(credentials.apiKey));
	});

	it('waits out a 429 and a 503 and then succeeds', async () => {
		mock.fail({ status: 429 });
		mock.fail({ status: 503 });
		const result = await run(workflow(), [scored('user-1')]);
		expect(result.status).toBe('success');
		expect(mock.requests.map((request) => request.status)).toEqual([429, 503, 201]);
	});
});

describe('Braze Canvas example: Score Event → Braze → Check Threshold → Salesforce', () => {
	it('scores the pinned Canvas webhook request, writes the profile, and hands the lead to sales on the crossing', async () => {
		const salesforce = new SalesforceMock();
		await salesforce.start();
		try {
			salesforce.addLead({
				FirstName: 'Grace',
				LastName: 'Hopper',
				Company: 'Cobol Works',
				Email: 'grace@example.com',
			});
			const example = loadWorkflow(
				join(__dirname, '..', '..', 'examples', 'workflows', 'braze-canvas-scoring.json'),
			);
			const [pinned] = (example.pinData as Record<string, INodeExecutionData[]>)[
				'Braze Canvas Webhook'
			]!;
			// A unique lead per run: the embedded store lives as long as the test's n8n user folder.
			const externalId = `user-${Date.now()}`;
			const request = (event: string, eventId: string) => ({
				json: {
					...pinned!.json,
					body: {
						...(pinned!.json.body as object),
						external_id: externalId,
						event,
						event_id: eventId,
					},
				},
			});
			const runExample = async (input: INodeExecutionData) =>
				await runWorkflow(example, {
					input: [input],
					credentials: {
						brazeApi: credentials,
						salesforceClientCredentialsOAuth2Api: salesforce.credentials(),
					},
					startNode: 'Braze Canvas Webhook',
				});

			const first = await runExample(request('Requested Demo', 'evt-1'));
			expect(outputOf(first, 'Braze Update Profile')[0]!.json.braze).toEqual({
				updated: true,
				attributes: { lead_score: 45, lead_tier: 'warming' },
				event: 'Lead Score Changed',
			});
			expect(outputOf(first, 'Check Threshold', 1)).toHaveLength(1);

			await runExample(request('Attended Webinar', 'evt-2'));
			const crossing = await runExample(request('Attended Webinar', 'evt-3'));
			expect(outputOf(crossing, 'Salesforce Mark MQL')[0]!.json.salesforce).toMatchObject({
				status: 'MQL',
				updated: true,
			});
			expect(mock.user({ externalId })?.attributes).toEqual({ lead_score: 85, lead_tier: 'hot' });
			expect(
				mock
					.eventsOf(mock.user({ externalId }))
					.map((event) => [event.properties.previous_tier, event.properties.tier]),
			).toEqual([
				['nurture', 'warming'],
				['warming', 'engaged'],
				['engaged', 'hot'],
			]);
		} finally {
			await salesforce.stop();
		}
	});
});

describe('credential', () => {
	it('authenticates with a bearer key, and its Test request succeeds without changing any user', async () => {
		const credential = new BrazeApi();
		const { headers } = credential.authenticate.properties as { headers: Record<string, string> };
		const request = credential.test.request;
		const response = await axios.request({
			baseURL: mock.baseUrl,
			url: request.url,
			method: request.method,
			data: request.body,
			headers: {
				...(request.headers as Record<string, string>),
				Authorization: headers
					.Authorization!.replace('={{$credentials.apiKey}}'.slice(1), mock.apiKey)
					.replace(/^=/, ''),
			},
			validateStatus: () => true,
		});
		expect(request.baseURL).toBe('={{$credentials.baseUrl}}');
		expect(response.status).toBe(201);
		expect(mock.requests[0]!.headers.authorization).toBe(`Bearer ${mock.apiKey}`);
		expect(mock.state.users).toHaveLength(0);
		expect(mock.state.dataPoints).toBe(0);
	});
});
