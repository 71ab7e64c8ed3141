/**
 * The Klaviyo Upsert Profile node run by n8n-core (in-process) against the loopback Klaviyo,
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

import { KlaviyoApi } from '../../credentials/KlaviyoApi.credentials';
import { outputOf, runWorkflow } from '../../sandbox/n8nWorkflow';
import { type KlaviyoMock, startKlaviyoMock } from '../../sandbox/klaviyo/klaviyoMock';
import { checkAndCloseAfterEach } from '../harness/loopbackClient';
import { errorOf, workflowWith } from '../harness/nodeWorkflow';

const NODE = 'Klaviyo Upsert Profile';

let mock: KlaviyoMock;
let credentials: ICredentialDataDecryptedObject;

beforeEach(async () => {
	// Jobs finish at once here; their life cycle is the client tests' business.
	mock = await startKlaviyoMock({ bulkJobs: { queuedMs: 0, profilesPerSecond: 1_000_000 } });
	credentials = { apiKey: mock.apiKey, baseUrl: `${mock.baseUrl}/`, revision: '2026-07-15' };
});

checkAndCloseAfterEach(() => mock);

const workflow = (
	parameters: Record<string, unknown> = {},
	continueOnFail = false,
	file = 'klaviyo-upsert-profile.json',
) => workflowWith(join(__dirname, 'workflows', file), NODE, parameters, continueOnFail);

async function run(
	wf: IWorkflowBase,
	input: INodeExecutionData[],
	startNode?: string,
): Promise<IRun> {
	return await runWorkflow(wf, { input, credentials: { klaviyoApi: credentials }, startNode });
}

/** An item as Score Event emits it. */
function scored(
	leadId: string,
	score = 42,
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
				previousScore: score - 10,
				delta: 10,
				engagement: score,
				fit: 0,
				tier: score > 50 ? 'engaged' : 'warming',
				previousTier: 'nurture',
				tierChanged: true,
				reasons: [{ rule: 'pricing-page', points: 10 }],
				duplicate: false,
				scoredAt: '2026-11-23T07:00:00.000Z',
			},
		},
	};
}

describe('Upsert Profile', () => {
	it('writes Lead_Score and Lead_Tier from the Score Event output and adds klaviyo to each item', async () => {
		const first = await run(workflow(), [
			scored('ada@example.com', 42),
			scored('bob@example.com', 61),
		]);
		expect(first.status).toBe('success');
		const items = outputOf(first, NODE);
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(items[0]!.json).toEqual({
			...scored('ada@example.com', 42).json,
			klaviyo: { profileId: expect.any(String), created: true, status: 'created' },
		});
		expect(mock.profileByEmail('bob@example.com')?.attributes.properties).toEqual({
			Lead_Score: 61,
			Lead_Tier: 'engaged',
		});

		const again = await run(workflow(), [scored('ada@example.com', 80)]);
		expect(outputOf(again, NODE)[0]!.json.klaviyo).toEqual({
			profileId:
				items[0]!.json.klaviyo && (items[0]!.json.klaviyo as { profileId: string }).profileId,
			created: false,
			status: 'updated',
		});
		expect(mock.profileByEmail('ada@example.com')?.attributes.properties).toEqual({
			Lead_Score: 80,
			Lead_Tier: 'engaged',
		});
		expect(mock.calls('create_or_update_profile')).toBe(3);
	});

	it.each([
		['phone', '={{ $json.phone }}', { phone: '+15005550006' }, { phone_number: '+15005550006' }],
		['externalId', '={{ $json.crmId }}', { crmId: 'crm-1001' }, { external_id: 'crm-1001' }],
	])('identifies the profile by %s', async (identifyBy, expression, extra, stored) => {
		const result = await run(workflow({ identifyBy, [identifyBy]: expression }), [
			scored('ada@example.com', 42, extra),
		]);
		const { profileId } = outputOf(result, NODE)[0]!.json.klaviyo as { profileId: string };
		expect(mock.state.profiles.get(profileId)?.attributes).toMatchObject({
			...stored,
			properties: { Lead_Score: 42 },
		});
	});

	it('identifies the profile by its Klaviyo profile ID', async () => {
		const created = outputOf(await run(workflow(), [scored('ada@example.com', 30)]), NODE)[0]!.json
			.klaviyo as { profileId: string };
		const result = await run(
			workflow({ identifyBy: 'profileId', profileId: '={{ $json.klaviyoId }}' }),
			[scored('ada@example.com', 90, { klaviyoId: created.profileId })],
		);
		expect(outputOf(result, NODE)[0]!.json.klaviyo).toEqual({
			profileId: created.profileId,
			created: false,
			status: 'updated',
		});
		expect(mock.profileByEmail('ada@example.com')?.attributes.properties.Lead_Score).toBe(90);
	});

	it('writes extra properties mapped from nested data, as key/value pairs or a JSON object', async () => {
		await run(
			workflow({
				extraProperties: {
					property: [
						{ name: 'Company_Size', value: '={{ $json.body.company.size }}' },
						{ name: 'Plan', value: 'pro' },
					],
				},
			}),
			[scored('ada@example.com', 42, { body: { company: { size: 250 } } })],
		);
		await run(
			workflow({
				extraPropertiesInput: 'json',
				extraPropertiesJson: '={{ { Reasons: $json.leadScore.reasons.map(r => r.rule) } }}',
				tierProperty: '',
			}),
			[scored('bob@example.com', 55)],
		);
		expect(mock.profileByEmail('ada@example.com')?.attributes.properties).toEqual({
			Company_Size: 250,
			Plan: 'pro',
			Lead_Score: 42,
			Lead_Tier: 'warming',
		});
		expect(mock.profileByEmail('bob@example.com')?.attributes.properties).toEqual({
			Reasons: ['pricing-page'],
			Lead_Score: 55,
		});
	});
});

describe('Create Event', () => {
	it('records the event with mapped properties, time, value and the Score Event id, once however often it runs', async () => {
		const parameters = {
			operation: 'createEvent',
			metricName: 'Lead Score Changed',
			eventValue: '={{ $json.leadScore.delta }}',
			extraProperties: {
				property: [{ name: 'Page_URL', value: '={{ $json.body.properties.url }}' }],
			},
		};
		const input = [scored('ada@example.com', 42, { body: { properties: { url: '/pricing' } } })];
		const first = await run(workflow(parameters), input);
		await run(workflow(parameters), input);
		expect(outputOf(first, NODE)[0]!.json.klaviyo).toEqual({
			profileId: null,
			created: null,
			status: 'accepted',
			uniqueId: 'evt-ada@example.com',
		});
		expect(mock.state.events).toEqual([
			expect.objectContaining({
				profileId: mock.profileByEmail('ada@example.com')!.id,
				metric: 'Lead Score Changed',
				properties: { Page_URL: '/pricing', Lead_Score: 42, Lead_Tier: 'warming' },
				time: '2026-11-23T07:00:00.000Z',
				value: 10,
				uniqueId: 'evt-ada@example.com',
			}),
		]);
		expect(mock.state.duplicateEventsDropped).toBe(1);
	});
});

describe('bad items fail alone, and nothing is sent for them', () => {
	const items = () => [
		scored('ada@example.com'),
		{ json: { note: 'no leadScore here' } },
		scored('not-an-email'),
		scored('bob@example.com', 42, { weird: true }),
		scored(''),
	];
	const parameters = {
		extraProperties: { property: [{ name: 'Ratio', value: '={{ $json.weird ? 0 / 0 : 1 }}' }] },
	};

	it('with Continue On Fail: an error item naming the item and parameter for each, the others go on', async () => {
		const result = await run(workflow(parameters, true), items());
		expect(result.status).toBe('success');
		const output = outputOf(result, NODE);
		expect(output.map((item) => item.pairedItem)).toEqual(
			[0, 1, 2, 3, 4].map((item) => ({ item })),
		);
		expect(output[0]!.json.klaviyo).toMatchObject({ status: 'created' });
		expect(output[1]!.json.error).toBe('The email address is empty (item 1, parameter "Email")');
		expect(output[2]!.json.error).toBe(
			'"not-an-email" is not a valid email address (item 2, parameter "Email")',
		);
		expect(output[3]!.json.error).toBe(
			'Property Ratio is NaN, which JSON cannot represent (item 3, parameter "Extra Properties")',
		);
		expect(output[4]!.json.error).toBe('The email address is empty (item 4, parameter "Email")');
		expect(Object.keys(output[2]!.json).sort()).toEqual(['details', 'error']);
		expect(mock.calls()).toBe(1);
	});

	it('without Continue On Fail: the run fails on the first bad item before anything is sent', async () => {
		const result = await run(workflow(parameters), items());
		expect(result.status).toBe('error');
		const error = errorOf(result);
		expect(error.name).toBe('NodeOperationError');
		expect(error.message).toBe('The email address is empty (item 1, parameter "Email")');
		expect(error.description).toBe(
			'Nothing was sent to Klaviyo for item 1. Fix the "Email" parameter or the data it is mapped from.',
		);
		expect(mock.calls()).toBe(0);
	});

	it('refuses a phone number that is not E.164', async () => {
		const result = await run(workflow({ identifyBy: 'phone', phone: '={{ $json.phone }}' }), [
			scored('x', 1, { phone: '555-0100' }),
		]);
		expect(errorOf(result).message).toBe(
			'"555-0100" is not a phone number in E.164 format (e.g. +15005550006) (item 0, parameter "Phone Number")',
		);
	});
});

describe('Klaviyo errors', () => {
	async function seedConflict() {
		await run(workflow(), [scored('ada@example.com')]);
		await run(
			workflow({ identifyBy: 'phone', phone: '+15005550006', scoreProperty: '', tierProperty: '' }),
			[{ json: {} }],
		);
	}
	const conflicting = { profileAttributes: { phone: '={{ $json.phone }}' } };

	it('turns a 409 into a NodeApiError with code, title, detail and pointer, and never the API key', async () => {
		await seedConflict();
		const result = await run(workflow(conflicting), [
			scored('ada@example.com', 50, { phone: '+15005550006' }),
		]);
		const error = errorOf(result);
		expect(error).toMatchObject({
			name: 'NodeApiError',
			httpCode: '409',
			message:
				'Klaviyo: Conflict. A profile already exists with one of these identifiers. (at /data/attributes)',
		});
		expect(error.description).toContain('Klaviyo error code: duplicate_profile');
		expect(error.description).toContain('Where: /data/attributes');
		expect(JSON.stringify(result.data.resultData)).not.toContain(mock.apiKey);
	});

	it('with Continue On Fail keeps the other items going', async () => {
		await seedConflict();
		const result = await run(workflow(conflicting, true), [
			scored('new@example.com'),
			scored('ada@example.com', 50, { phone: '+15005550006' }),
			scored('other@example.com'),
		]);
		const output = outputOf(result, NODE);
		expect(
			output.map(
				(item) => (item.json.klaviyo as { status?: string } | undefined)?.status ?? item.json.error,
			),
		).toEqual([
			'created',
			'Klaviyo: Conflict. A profile already exists with one of these identifiers. (at /data/attributes)',
			'created',
		]);
		expect(output[1]!.json.details).toMatchObject({
			code: 'duplicate_profile',
			title: 'Conflict.',
			pointer: '/data/attributes',
			status: 409,
		});
	});

	it('waits out a 429 and a 503 and then succeeds', async () => {
		mock.fail({ status: 429, times: 1, retryAfterSeconds: 1 });
		mock.fail({ status: 503, times: 1 });
		const result = await run(workflow(), [scored('ada@example.com')]);
		expect(result.status).toBe('success');
		expect(mock.requests.map((request) => request.status)).toEqual([429, 503, 201]);
		expect(mock.requests[2]!.at - mock.requests[0]!.at).toBeGreaterThanOrEqual(1000);
	});

	it('fails an item at once when Klaviyo asks to wait longer than Max Wait, naming the wait, and the others go on', async () => {
		mock.fail({ status: 429, times: 1, retryAfterSeconds: 30 });
		const result = await run(workflow({ options: { concurrency: 1, maxWait: 10 } }, true), [
			scored('ada@example.com'),
			scored('bob@example.com'),
		]);
		const output = outputOf(result, NODE);
		expect(output[0]!.json.error).toBe(
			'Klaviyo: Klaviyo asked to wait longer than this node waits. Klaviyo answered 429 and asked to wait 30 s (Retry-After of a 429); the node waits at most 10 s at a time (option Max Wait). Run the item again later, or raise Max Wait.',
		);
		expect(output[0]!.json.details).toMatchObject({ code: 'wait_too_long', status: 429 });
		expect(output[1]!.json.klaviyo).toMatchObject({ status: 'created' });
		expect(mock.requests.map((request) => request.status)).toEqual([429, 201]);
	});

	it('reports a server that keeps failing after the configured retries', async () => {
		mock.fail({ status: 500, times: 10 });
		const result = await run(workflow({ options: { maxRetries: 1 } }), [scored('ada@example.com')]);
		expect(errorOf(result)).toMatchObject({ name: 'NodeApiError', httpCode: '500' });
		expect(mock.calls()).toBe(2);
	});
});

describe('network errors', () => {
	it("retries a dropped connection through n8n's request helper, and reports one that keeps dropping", async () => {
		mock.fail({ status: 'network', times: 1 });
		expect((await run(workflow(), [scored('ada@example.com')])).status).toBe('success');
		mock.fail({ status: 'network', times: 5 });
		const result = await run(workflow({ options: { maxRetries: 1 } }, true), [
			scored('bob@example.com'),
		]);
		const [item] = outputOf(result, NODE);
		expect(item!.json.error).toMatch(/^Klaviyo: No answer from the server\./);
		expect(item!.json.details).toMatchObject({ kind: 'network', code: 'network_error' });
		expect(JSON.stringify(item!.json)).not.toContain(mock.apiKey);
	});
});

describe('bulk import above the threshold', () => {
	const leads = () =>
		Array.from({ length: 150 }, (_, index) =>
			scored(
				`lead${index}@example.com`,
				index % 100,
				index === 42 ? { phone: '+15005550006' } : {},
			),
		);

	it('sends one job instead of 150 requests and outputs imported items without profile IDs', async () => {
		const result = await run(workflow(), leads());
		expect(result.status).toBe('success');
		expect(mock.calls('bulk_import_profiles')).toBe(1);
		expect(mock.calls('create_or_update_profile')).toBe(0);
		const output = outputOf(result, NODE);
		expect(output).toHaveLength(150);
		expect(output[7]!.json.klaviyo).toEqual({
			profileId: null,
			created: null,
			status: 'imported',
			jobId: expect.any(String),
		});
		expect(mock.profileByEmail('lead149@example.com')?.attributes.properties).toEqual({
			Lead_Score: 49,
			Lead_Tier: 'warming',
		});
	});

	it('maps a per-profile import error back to its item (Continue On Fail on and off)', async () => {
		await run(
			workflow({ identifyBy: 'phone', phone: '+15005550006', scoreProperty: '', tierProperty: '' }),
			[{ json: {} }],
		);
		await run(workflow(), [scored('lead42@example.com')]);
		const withContinue = await run(
			workflow({ profileAttributes: { phone: '={{ $json.phone }}' } }, true),
			leads(),
		);
		const output = outputOf(withContinue, NODE);
		expect(output.filter((item) => item.json.error).map((item) => item.pairedItem)).toEqual([
			{ item: 42 },
		]);
		expect(output[42]!.json.details).toMatchObject({ kind: 'import', code: 'duplicate_profile' });
		expect(output[41]!.json.klaviyo).toMatchObject({ status: 'imported' });

		const without = await run(
			workflow({ profileAttributes: { phone: '={{ $json.phone }}' } }),
			leads(),
		);
		expect(errorOf(without)).toMatchObject({
			name: 'NodeApiError',
			message: expect.stringContaining('already exists'),
		});
		expect(mock.calls('bulk_import_profiles')).toBe(2);
	});

	it('stays per item when bulk import is off', async () => {
		await run(workflow({ options: { bulkThreshold: 0, concurrency: 10 } }), leads().slice(0, 120));
		expect(mock.calls('create_or_update_profile')).toBe(120);
		expect(mock.calls('bulk_import_profiles')).toBe(0);
	});
});

describe('Create Event in bulk above the threshold', () => {
	const parameters = { operation: 'createEvent', metricName: 'Lead Score Changed' };
	// Item 42's time is years ahead: the node cannot know Klaviyo's clock, Klaviyo refuses it.
	const leads = () =>
		Array.from({ length: 250 }, (_, index) => {
			const item = scored(`lead${index}@example.com`, index % 100);
			if (index === 42)
				(item.json.leadScore as Record<string, unknown>).scoredAt = '2031-01-01T00:00:00.000Z';
			return item;
		});

	it('sends one bulk request instead of 250 and outputs accepted items in order', async () => {
		const result = await run(
			workflow(parameters),
			leads().filter((_, index) => index !== 42),
		);
		expect(result.status).toBe('success');
		expect(mock.calls('bulk_create_events')).toBe(1);
		expect(mock.calls('create_event')).toBe(0);
		const output = outputOf(result, NODE);
		expect(output).toHaveLength(249);
		expect(output[7]!.json.klaviyo).toEqual({
			profileId: null,
			created: null,
			status: 'accepted',
			uniqueId: 'evt-lead7@example.com',
		});
		expect(output.map((item) => item.pairedItem)).toEqual(
			output.map((_, index) => ({ item: index })),
		);
		expect(mock.state.events).toHaveLength(249);
	});

	it('maps an event Klaviyo refuses back to its item (Continue On Fail on and off)', async () => {
		const withContinue = await run(workflow(parameters, true), leads());
		const output = outputOf(withContinue, NODE);
		expect(output.filter((item) => item.json.error).map((item) => item.pairedItem)).toEqual([
			{ item: 42 },
		]);
		expect(output[42]!.json.details).toMatchObject({
			status: 400,
			code: 'invalid',
			pointer: expect.stringContaining('/events-bulk-create/data/42/'),
		});
		expect(output[43]!.json.klaviyo).toMatchObject({ status: 'accepted' });
		expect(mock.state.events).toHaveLength(249);

		const without = await run(workflow(parameters), leads());
		expect(errorOf(without)).toMatchObject({
			name: 'NodeApiError',
			message: expect.stringContaining('Event time'),
		});
		// The others were sent (and, with the same unique IDs, recorded once).
		expect(mock.state.events).toHaveLength(249);
	});

	it('stays per event when bulk creation is off', async () => {
		await run(
			workflow({ ...parameters, options: { eventBulkThreshold: 0, concurrency: 10 } }),
			leads().slice(100, 220),
		);
		expect(mock.calls('create_event')).toBe(120);
		expect(mock.calls('bulk_create_events')).toBe(0);
	});
});

describe('Score Event → Klaviyo', () => {
	it('writes the score Score Event computed and records the score change as an event', async () => {
		const body = {
			email: 'ada@example.com',
			event: 'Viewed Page',
			id: 'evt-77',
			time: '2026-11-23T06:00:00Z',
			properties: { url: 'https://x.test/pricing' },
			person: { Lead_Score: 20 },
		};
		const result = await run(
			workflow({}, false, 'score-to-klaviyo.json'),
			[{ json: { body } }],
			'Webhook',
		);
		expect(result.status).toBe('success');
		expect(outputOf(result, NODE)[0]!.json.klaviyo).toMatchObject({ created: true });
		expect(mock.profileByEmail('ada@example.com')?.attributes.properties).toEqual({
			Lead_Score: 30,
			Lead_Tier: 'warming',
			Last_Scored_Event: 'Viewed Page',
		});
		expect(mock.state.events).toEqual([
			expect.objectContaining({
				metric: 'Lead Score Changed',
				uniqueId: 'evt-77',
				properties: {
					Previous_Score: 20,
					Page_URL: 'https://x.test/pricing',
					Lead_Score: 30,
					Lead_Tier: 'warming',
				},
			}),
		]);
	});
});

describe('credential', () => {
	it('authenticates with the Klaviyo-API-Key scheme and the revision, and its Test request succeeds', async () => {
		const credential = new KlaviyoApi();
		const { headers } = credential.authenticate.properties as { headers: Record<string, string> };
		const resolve = (template: string) =>
			template
				.replace(/^=/, '')
				.replace(/\{\{\$credentials\.(\w+)\}\}/g, (_match, name: string) =>
					String(credentials[name]),
				);
		const request = credential.test.request;
		const response = await axios.request({
			baseURL: mock.baseUrl,
			url: request.url,
			headers: {
				...(request.headers as Record<string, string>),
				Authorization: resolve(headers.Authorization!),
				revision: resolve(headers.revision!),
			},
			validateStatus: () => true,
		});
		expect(request.baseURL).toBe('={{$credentials.baseUrl}}');
		expect(response.status).toBe(200);
		expect(mock.requests[0]!.headers).toMatchObject({
			authorization: `Klaviyo-API-Key ${mock.apiKey}`,
			revision: '2026-07-15',
		});
	});
});
