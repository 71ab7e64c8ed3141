/**
 * The Braze client against the loopback Braze, over axios, on a virtual clock: retries and
 * rate-limit waits take no real time.
 */
import { BrazeClient, type BrazeClientOptions, type ProfileUpdate } from '../../lib/braze';
import { brazeCredentialHeaders } from '../../sandbox/httpTransport';
import { startBrazeMock } from '../../sandbox/braze/brazeMock';
import { useLoopbackClient } from '../harness/loopbackClient';

const loopback = useLoopbackClient(
	startBrazeMock,
	brazeCredentialHeaders,
	(options: BrazeClientOptions) => new BrazeClient(options),
);
const setUp = loopback.setUp;

const SCORED_AT = '2026-11-23T07:00:00.000Z';

function lead(externalId: string, score = 42, tier = 'warming', event = false): ProfileUpdate {
	return {
		identifier: { kind: 'externalId', externalId },
		attributes: { lead_score: score, lead_tier: tier },
		...(event
			? { event: { name: 'Lead Score Changed', time: SCORED_AT, properties: { score, tier } } }
			: {}),
	};
}

describe('updateProfiles', () => {
	it('writes the attributes of 200 leads in 3 requests of at most 75, and creates missing profiles', async () => {
		const client = await setUp();
		const updates = Array.from({ length: 200 }, (_, index) => lead(`crm-${index}`, index % 100));
		const result = await client.updateProfiles(updates);
		expect(result.outcomes.every((outcome) => outcome?.ok)).toBe(true);
		expect(result.requests).toBe(3);
		expect(
			loopback.mock.requests.map(
				(request) => (request.body as { attributes: unknown[] }).attributes.length,
			),
		).toEqual([75, 75, 50]);
		expect(loopback.mock.user({ externalId: 'crm-199' })?.attributes).toEqual({
			lead_score: 99,
			lead_tier: 'warming',
		});
	});

	it('sends the JSON content type and the bearer key the credential adds', async () => {
		const client = await setUp();
		await client.updateProfiles([lead('crm-1')]);
		expect(loopback.mock.requests[0]!.headers).toMatchObject({
			'content-type': 'application/json',
			authorization: `Bearer ${loopback.mock.apiKey}`,
		});
	});

	it('identifies users by email and by user alias; an alias that is not in Braze yet gets a profile, not a silent skip', async () => {
		const client = await setUp();
		loopback.mock.state.addUser({ email: 'ada@example.com', externalId: 'crm-ada' });
		const result = await client.updateProfiles([
			{ identifier: { kind: 'email', email: 'ada@example.com' }, attributes: { lead_score: 70 } },
			{
				identifier: { kind: 'userAlias', aliasName: 'lead-77', aliasLabel: 'crm' },
				attributes: { lead_score: 12 },
			},
		]);
		expect(result.outcomes.map((outcome) => outcome?.ok)).toEqual([true, true]);
		expect(loopback.mock.user({ externalId: 'crm-ada' })?.attributes).toEqual({ lead_score: 70 });
		expect(loopback.mock.user({ alias: ['lead-77', 'crm'] })?.attributes).toEqual({
			lead_score: 12,
		});
		expect((loopback.mock.requests[0]!.body as { attributes: unknown[] }).attributes[1]).toEqual({
			lead_score: 12,
			user_alias: { alias_name: 'lead-77', alias_label: 'crm' },
			_update_existing_only: false,
		});
	});

	it('with Update Existing Only, Braze skips an unknown user without an error, and says nothing about it', async () => {
		const client = await setUp();
		const result = await client.updateProfiles([{ ...lead('crm-new'), updateExistingOnly: true }]);
		expect(result.outcomes[0]).toEqual({
			ok: true,
			value: { attributesWritten: true, eventWritten: false },
		});
		expect(loopback.mock.user({ externalId: 'crm-new' })).toBeUndefined();
		expect(loopback.mock.state.skippedUpdates).toBe(1);
	});

	it('records the event after the attributes, in the same request', async () => {
		const client = await setUp();
		const result = await client.updateProfiles([lead('crm-1', 80, 'hot', true)]);
		expect(result.outcomes[0]).toEqual({
			ok: true,
			value: { attributesWritten: true, eventWritten: true },
		});
		expect(loopback.mock.eventsOf(loopback.mock.user({ externalId: 'crm-1' }))).toEqual([
			expect.objectContaining({
				name: 'Lead Score Changed',
				time: SCORED_AT,
				properties: { score: 80, tier: 'hot' },
			}),
		]);
	});

	it('sends nothing for an update with no attributes and no event', async () => {
		const client = await setUp();
		const result = await client.updateProfiles([
			{ identifier: { kind: 'externalId', externalId: 'crm-1' }, attributes: {} },
		]);
		expect(result.outcomes[0]).toEqual({
			ok: true,
			value: { attributesWritten: false, eventWritten: false },
		});
		expect(loopback.mock.calls()).toBe(0);
	});
});

describe("Braze's non-fatal errors by index", () => {
	it('fails only the update whose object Braze refused; the rest of the request is applied', async () => {
		const client = await setUp();
		loopback.mock.blockExternalId('crm-blocked');
		const result = await client.updateProfiles([lead('crm-1'), lead('crm-blocked'), lead('crm-3')]);
		expect(loopback.mock.requests[0]!.status).toBe(201);
		expect(result.outcomes.map((outcome) => outcome?.ok)).toEqual([true, false, true]);
		expect(result.outcomes[1]).toMatchObject({
			ok: false,
			error: {
				kind: 'object',
				status: 201,
				errors: [
					{
						type: 'provided external_id is blacklisted and disallowed',
						inputArray: 'attributes',
						index: 1,
					},
				],
			},
		});
		expect(loopback.mock.user({ externalId: 'crm-3' })?.attributes.lead_score).toBe(42);
		expect(result.unmatchedErrors).toEqual([]);
	});

	it('maps event indexes through updates that sent no event, and keeps applied attributes as done with the event error', async () => {
		const client = await setUp();
		const badTime = {
			...lead('crm-2', 60, 'engaged'),
			event: { name: 'Lead Score Changed', time: 'yesterday', properties: {} },
		};
		const result = await client.updateProfiles([
			lead('crm-1'),
			lead('crm-1b', 30, 'warming', true),
			badTime,
		]);
		expect(result.outcomes[1]).toEqual({
			ok: true,
			value: { attributesWritten: true, eventWritten: true },
		});
		expect(result.outcomes[2]).toEqual({
			ok: true,
			value: {
				attributesWritten: true,
				eventWritten: false,
				errors: [
					{ type: "'time' must be a valid ISO 8601 datetime", inputArray: 'events', index: 1 },
				],
			},
		});
		expect(loopback.mock.user({ externalId: 'crm-2' })?.attributes.lead_score).toBe(60);
	});

	it('a 400 because nothing was valid fails every update, each with its own error', async () => {
		const client = await setUp();
		loopback.mock.blockExternalId('bad-1');
		loopback.mock.blockExternalId('bad-2');
		const result = await client.updateProfiles([lead('bad-1'), lead('bad-2')]);
		expect(loopback.mock.requests[0]!.status).toBe(400);
		expect(result.outcomes).toEqual([
			{
				ok: false,
				error: expect.objectContaining({
					kind: 'object',
					status: 400,
					errors: [expect.objectContaining({ index: 0 })],
				}),
			},
			{
				ok: false,
				error: expect.objectContaining({
					kind: 'object',
					status: 400,
					errors: [expect.objectContaining({ index: 1 })],
				}),
			},
		]);
	});

	it('stopOnError sends no batch after one with a refused object', async () => {
		const client = await setUp({}, { batchSize: 2 });
		loopback.mock.blockExternalId('crm-blocked');
		const result = await client.updateProfiles(
			[lead('crm-1'), lead('crm-blocked'), lead('crm-3'), lead('crm-4')],
			{ stopOnError: true },
		);
		expect(result.outcomes.map((outcome) => outcome?.ok)).toEqual([
			true,
			false,
			undefined,
			undefined,
		]);
		expect(loopback.mock.calls()).toBe(1);
	});
});

describe('fatal errors', () => {
	it('401: every update fails, the key is never in the error, and no later batch is sent', async () => {
		const { clock, mock } = await loopback.start();
		const wrongKey = ['f00dbabe', '1234', '4321', 'abcd', '0123456789ab'].join('-');
		const client = new BrazeClient({
			transport: loopback.transport(wrongKey),
			clock,
			batchSize: 1,
		});
		const result = await client.updateProfiles([lead('crm-1'), lead('crm-2')]);
		expect(result.outcomes.map((outcome) => outcome?.ok)).toEqual([false, false]);
		const error = (result.outcomes[0] as { error: Error }).error;
		expect(error).toMatchObject({
			kind: 'api',
			status: 401,
			message: 'Invalid API key: [redacted]',
		});
		expect(JSON.stringify(result)).not.toContain(wrongKey);
		expect(mock.calls()).toBe(1);
	});

	it('403: a key without the users.track permission', async () => {
		const { clock } = await loopback.start();
		const client = new BrazeClient({
			transport: loopback.transport('braze-key-without-users-track'),
			clock,
		});
		const result = await client.updateProfiles([lead('crm-1')]);
		expect(result.outcomes[0]).toMatchObject({
			ok: false,
			error: { kind: 'api', status: 403, message: 'Access Denied' },
		});
	});

	it('retries 5xx and dropped connections with backoff, then succeeds', async () => {
		const client = await setUp();
		loopback.mock.fail({ status: 503 });
		loopback.mock.fail({ status: 'network' });
		const result = await client.updateProfiles([lead('crm-1')]);
		expect(result.outcomes[0]!.ok).toBe(true);
		expect(loopback.mock.requests.map((request) => request.status)).toEqual([503, 'network', 201]);
		expect(loopback.clock.sleeps).toEqual([500 * 0.75, 1000 * 0.75]);
	});

	it('reports a server that keeps failing after the retries, naming no secret', async () => {
		const client = await setUp({}, { retry: { maxRetries: 1 } });
		loopback.mock.fail({ status: 500, times: 5 });
		const result = await client.updateProfiles([lead('crm-1')]);
		expect(result.outcomes[0]).toMatchObject({
			ok: false,
			error: { kind: 'api', status: 500, message: 'Internal Server Error' },
		});
		expect(loopback.mock.calls()).toBe(2);
	});
});

describe('rate limit', () => {
	it('waits out a 429 until X-RateLimit-Reset when another app used up the window, and sends the batch again', async () => {
		const client = await setUp({}, { batchSize: 10 });
		loopback.mock.useUpWindow();
		const started = loopback.clock.now();
		const result = await client.updateProfiles(
			Array.from({ length: 50 }, (_, index) => lead(`crm-${index}`)),
		);
		expect(result.outcomes.every((outcome) => outcome?.ok)).toBe(true);
		expect(loopback.mock.requests.map((request) => request.status)).toEqual([
			429, 201, 201, 201, 201, 201,
		]);
		expect([result.throttled, loopback.mock.throttled]).toEqual([1, 1]);
		// The retry went out when the 3-second window ended (reset in whole epoch seconds), not before.
		expect(loopback.mock.requests[1]!.at).toBeGreaterThanOrEqual(
			Math.ceil((started - (started % 3000) + 3000) / 1000) * 1000,
		);
		expect(loopback.mock.state.users).toHaveLength(50);
	});

	it('stops at X-RateLimit-Remaining 0 before Braze has to refuse anything', async () => {
		const client = await setUp({ rateLimit: { requests: 3, windowMs: 3000 } }, { batchSize: 1 });
		await client.updateProfiles(Array.from({ length: 7 }, (_, index) => lead(`crm-${index}`)));
		expect(loopback.mock.throttled).toBe(0);
		expect(loopback.mock.requests.every((request) => request.status === 201)).toBe(true);
	});

	it('gives up after the throttle retries with the 429', async () => {
		const client = await setUp({}, { retry: { maxThrottleRetries: 2 } });
		loopback.mock.fail({ status: 429, times: 5 });
		const result = await client.updateProfiles([lead('crm-1')]);
		expect(result.outcomes[0]).toMatchObject({ ok: false, error: { status: 429 } });
		expect(loopback.mock.calls()).toBe(3);
	});
});
