/**
 * The Klaviyo client against the loopback mock, over axios, on a virtual clock: retries and
 * rate-limit waits take no real time.
 */
import {
	KlaviyoApiError,
	KlaviyoClient,
	RateLimiter,
	type ProfileInput,
	type RateLimitBucket,
	checkEventInput,
	checkProfileInput,
} from '../../lib/klaviyo';
import { axiosTransport, klaviyoCredentialHeaders } from '../../sandbox/httpTransport';
import { startKlaviyoMock } from '../../sandbox/klaviyo/klaviyoMock';
import { useLoopbackKlaviyo } from './loopbackKlaviyo';

const loopback = useLoopbackKlaviyo();
const setUp = loopback.setUp;

function profile(
	email: string,
	properties: Record<string, unknown> = { Lead_Score: 42, Lead_Tier: 'warming' },
): ProfileInput {
	const checked = checkProfileInput({
		identifierKind: 'email',
		identifierValue: email,
		properties,
	});
	if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
	return checked.value;
}

async function failure(promise: Promise<unknown>): Promise<KlaviyoApiError> {
	try {
		await promise;
	} catch (error) {
		expect(error).toBeInstanceOf(KlaviyoApiError);
		return error as KlaviyoApiError;
	}
	throw new Error('expected the call to fail');
}

describe('upsertProfile', () => {
	it('reports created for a new profile and updated, with the same id, the second time', async () => {
		const client = await setUp();
		const first = await client.upsertProfile(profile('ada@example.com'));
		const second = await client.upsertProfile(
			profile('ada@example.com', { Lead_Score: 55, Lead_Tier: 'engaged' }),
		);
		expect(first).toMatchObject({ created: true, status: 'created' });
		expect(second).toEqual({ profileId: first.profileId, created: false, status: 'updated' });
		expect(loopback.mock.profileByEmail('ada@example.com')?.attributes.properties).toEqual({
			Lead_Score: 55,
			Lead_Tier: 'engaged',
		});
	});

	it('sends the JSON:API media type, and the transport adds the key and revision', async () => {
		const client = await setUp();
		await client.upsertProfile(profile('ada@example.com'));
		expect(loopback.mock.requests[0]!.headers).toMatchObject({
			accept: 'application/vnd.api+json',
			'content-type': 'application/vnd.api+json',
			authorization: `Klaviyo-API-Key ${loopback.mock.apiKey}`,
			revision: '2026-07-15',
		});
	});

	it.each([
		['phone', '+15005550006', { phone_number: '+15005550006' }],
		['externalId', 'crm-123', { external_id: 'crm-123' }],
	] as const)('identifies a profile by %s', async (kind, value, stored) => {
		const client = await setUp();
		const checked = checkProfileInput({
			identifierKind: kind,
			identifierValue: value,
			properties: { Lead_Score: 1 },
		});
		if (!checked.ok) throw new Error('invalid');
		const first = await client.upsertProfile(checked.value);
		const again = await client.upsertProfile(checked.value);
		expect([first.status, again.status]).toEqual(['created', 'updated']);
		expect(loopback.mock.state.profiles.get(first.profileId!)!.attributes).toMatchObject(stored);
	});

	it('identifies a profile by its Klaviyo id, and reports an unknown id as a 404', async () => {
		const client = await setUp();
		const { profileId } = await client.upsertProfile(profile('ada@example.com'));
		const byId = checkProfileInput({
			identifierKind: 'profileId',
			identifierValue: profileId,
			properties: { Lead_Score: 80 },
		});
		const unknown = checkProfileInput({
			identifierKind: 'profileId',
			identifierValue: '01JUNKNOWN0000000000000000',
			properties: {},
		});
		if (!byId.ok || !unknown.ok) throw new Error('invalid');
		expect(await client.upsertProfile(byId.value)).toEqual({
			profileId,
			created: false,
			status: 'updated',
		});
		expect(loopback.mock.profileByEmail('ada@example.com')?.attributes.properties.Lead_Score).toBe(
			80,
		);
		const error = await failure(client.upsertProfile(unknown.value));
		expect(error).toMatchObject({
			kind: 'api',
			status: 404,
			code: 'not_found',
			pointer: '/data/id',
		});
	});

	it('turns 409 duplicate_profile into an error with code, title, detail and pointer, without retrying', async () => {
		const client = await setUp();
		await client.upsertProfile(profile('ada@example.com'));
		const other = await client.upsertProfile({
			identifier: { kind: 'phone', value: '+15005550006' },
			properties: {},
		});
		const before = loopback.mock.calls();
		const error = await failure(
			client.upsertProfile({
				identifier: { kind: 'email', value: 'ada@example.com' },
				properties: {},
				attributes: { phone_number: '+15005550006' },
			}),
		);
		expect(error).toMatchObject({
			kind: 'api',
			status: 409,
			code: 'duplicate_profile',
			title: 'Conflict.',
			detail: 'A profile already exists with one of these identifiers.',
			pointer: '/data/attributes',
			meta: { duplicate_profile_id: other.profileId },
		});
		expect(loopback.mock.calls() - before).toBe(1);
	});

	it('never puts the API key into an error', async () => {
		const { clock } = await loopback.start();
		const client = new KlaviyoClient({
			transport: loopback.transport('pk_secret_wrong_key'),
			clock,
		});
		const error = await failure(client.upsertProfile(profile('ada@example.com')));
		expect(error).toMatchObject({ status: 401, code: 'authentication_failed' });
		expect(
			JSON.stringify({ ...error.toJSON(), message: error.message, stack: error.stack }),
		).not.toContain('pk_secret_wrong_key');
	});
});

describe('retries', () => {
	it('waits Retry-After after a 429, then succeeds', async () => {
		const client = await setUp();
		loopback.mock.fail({ status: 429, times: 2, retryAfterSeconds: 3 });
		const start = loopback.clock.now();
		await client.upsertProfile(profile('ada@example.com'));
		expect(loopback.mock.requests.map((request) => request.status)).toEqual([429, 429, 201]);
		expect(loopback.clock.now() - start).toBeGreaterThanOrEqual(6000);
	});

	it('gives up after the configured number of 429s with the throttled error', async () => {
		const client = await setUp({}, { retry: { maxThrottleRetries: 2 } });
		loopback.mock.fail({ status: 429, times: 10 });
		const error = await failure(client.upsertProfile(profile('ada@example.com')));
		expect(error).toMatchObject({ status: 429, code: 'throttled' });
		expect(loopback.mock.calls()).toBe(3);
	});

	it.each([
		['a 429 with Retry-After: 86400 (24 h)', 429, 86_400],
		['a 503 with Retry-After: 7200 (2 h)', 503, 7_200],
		['a Retry-After past what setTimeout can hold (2,500,000 s)', 429, 2_500_000],
	] as const)(
		'fails the item at once, naming the wait, after %s',
		async (_, status, retryAfterSeconds) => {
			const client = await setUp();
			loopback.mock.fail({ status, times: 1, retryAfterSeconds });
			const error = await failure(client.upsertProfile(profile('ada@example.com')));
			expect(error).toMatchObject({ kind: 'api', status, code: 'wait_too_long' });
			expect(error.detail).toContain(`asked to wait ${retryAfterSeconds} s (Retry-After`);
			expect(error.detail).toContain('at most 60 s at a time (option Max Wait)');
			expect(loopback.mock.calls()).toBe(1);
			expect(loopback.clock.sleeps).toEqual([]);
			// The bucket is not held back: the next request goes out at once.
			await client.upsertProfile(profile('grace@example.com'));
			expect(loopback.clock.sleeps).toEqual([]);
		},
	);

	it('never holds requests back for more than the one-minute window on a RateLimit-Reset', async () => {
		await setUp();
		const limiter = new RateLimiter(loopback.clock);
		limiter.observe('profileImport', { 'ratelimit-remaining': '0', 'ratelimit-reset': '86400' });
		expect(limiter.pausedFor('profileImport')).toEqual({ ms: 60_000, reason: 'RateLimit-Reset' });
	});

	it('waits what Klaviyo asks within the caps, and fails an item whose waits together pass Max Total Wait', async () => {
		const client = await setUp({}, { waits: { maxWaitMs: 60_000, maxTotalWaitMs: 120_000 } });
		loopback.mock.fail({ status: 429, times: 10, retryAfterSeconds: 50 });
		const error = await failure(client.upsertProfile(profile('ada@example.com')));
		expect(error).toMatchObject({ status: 429, code: 'waited_too_long' });
		expect(error.detail).toBe(
			'Klaviyo answered 429 and asked to wait 50 s more (Retry-After of a 429) after 100 s of waits for this item; the node waits at most 120 s per item (option Max Total Wait). Run the item again later, or raise Max Total Wait.',
		);
		expect(loopback.mock.calls()).toBe(3);
		expect(loopback.clock.sleeps.reduce((sum, ms) => sum + ms, 0)).toBe(100_000);
	});

	it.each([500, 502, 503, 504] as const)(
		'retries a %s with growing, jittered backoff',
		async (status) => {
			const client = await setUp();
			loopback.mock.fail({ status, times: 3 });
			await client.upsertProfile(profile('ada@example.com'));
			expect(loopback.mock.requests.map((request) => request.status)).toEqual([
				status,
				status,
				status,
				201,
			]);
			// random() is 0.5: each wait is 3/4 of 500 ms × 2^attempt
			expect(loopback.clock.sleeps).toEqual([375, 750, 1500]);
		},
	);

	it('stops after maxRetries server errors and reports the last one', async () => {
		const client = await setUp({}, { retry: { maxRetries: 2 } });
		loopback.mock.fail({ status: 500, times: 5 });
		const error = await failure(client.upsertProfile(profile('ada@example.com')));
		expect(error).toMatchObject({ kind: 'api', status: 500 });
		expect(loopback.mock.calls()).toBe(3);
	});

	it('retries a dropped connection, and reports a network error once retries run out', async () => {
		const client = await setUp();
		loopback.mock.fail({ status: 'network', times: 1 });
		expect((await client.upsertProfile(profile('ada@example.com'))).status).toBe('created');
		loopback.mock.fail({ status: 'network', times: 4 });
		const error = await failure(client.upsertProfile(profile('bob@example.com')));
		expect(error).toMatchObject({
			kind: 'network',
			code: 'network_error',
			title: 'No answer from the server.',
		});
		expect(error.detail).not.toContain(loopback.mock.apiKey);
	});

	it('does not retry a 400 and keeps its pointer', async () => {
		const client = await setUp();
		const event = checkEventInput({
			identifierKind: 'email',
			identifierValue: 'ada@example.com',
			metric: 'Lead Score Changed',
			properties: {},
			time: '2030-01-01T00:00:00Z',
		});
		if (!event.ok) throw new Error('invalid');
		const error = await failure(client.createEvent(event.value));
		expect(error).toMatchObject({ status: 400, code: 'invalid', pointer: '/data/attributes/time' });
		expect(loopback.mock.calls()).toBe(1);
	});
});

describe('createEvent', () => {
	function event(
		properties: Record<string, unknown>,
		uniqueId?: string,
		time: unknown = '2026-11-23T06:00:00Z',
	) {
		const checked = checkEventInput({
			identifierKind: 'email',
			identifierValue: 'ada@example.com',
			metric: 'Lead Score Changed',
			properties,
			time,
			uniqueId,
			value: '9.5',
		});
		if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
		return checked.value;
	}

	it('is accepted with 202; a retried execution records the event once', async () => {
		const client = await setUp();
		const first = await client.createEvent(event({ score: 42 }, 'evt-1'));
		await client.createEvent(event({ score: 42 }, 'evt-1'));
		expect(first).toEqual({
			profileId: null,
			created: null,
			status: 'accepted',
			uniqueId: 'evt-1',
		});
		expect(loopback.mock.state.events).toEqual([
			expect.objectContaining({
				metric: 'Lead Score Changed',
				properties: { score: 42 },
				uniqueId: 'evt-1',
				value: 9.5,
			}),
		]);
		expect(loopback.mock.state.duplicateEventsDropped).toBe(1);
	});

	it('derives a stable unique_id from the event when none is given', async () => {
		const client = await setUp();
		await client.createEvent(event({ score: 42 }));
		await client.createEvent(event({ score: 42 }));
		await client.createEvent(event({ score: 43 }));
		expect(loopback.mock.state.events.map((recorded) => recorded.properties.score)).toEqual([
			42, 43,
		]);
		expect(loopback.mock.state.events[0]!.uniqueId).toMatch(/^n8n-[0-9a-f]{32}$/);
	});
});

describe('many profiles', () => {
	it('never exceeds the per-endpoint limits and loses no profile', async () => {
		const client = await setUp();
		const inputs = Array.from({ length: 900 }, (_, index) => profile(`lead${index}@example.com`));
		const { outcomes } = await client.upsertProfiles(inputs, { concurrency: 20 });
		expect(outcomes.every((outcome) => outcome?.ok)).toBe(true);
		expect(loopback.mock.throttled).toBe(0);
		expect(loopback.mock.state.profiles.size).toBe(900);
	});

	it('honours RateLimit-Remaining and Retry-After when the account allows less than the published limits', async () => {
		const client = await setUp({
			rateLimits: { create_or_update_profile: { burst: 3, steady: 10 } },
		});
		const inputs = Array.from({ length: 25 }, (_, index) => profile(`lead${index}@example.com`));
		const { outcomes } = await client.upsertProfiles(inputs, { concurrency: 4 });
		expect(outcomes.every((outcome) => outcome?.ok)).toBe(true);
		expect(loopback.mock.state.profiles.size).toBe(25);
		// 10 a minute: the 25th can only go through in the third minute
		expect(loopback.clock.now() - Date.UTC(2026, 10, 23, 6, 0, 0)).toBeGreaterThanOrEqual(120_000);
	});

	it("writes one profile's items in item order, so Klaviyo keeps the last item's score", async () => {
		const { clock, mock } = await loopback.start();
		const http = axiosTransport(mock.baseUrl, klaviyoCredentialHeaders(mock.apiKey));
		// The first request answers late: after the second one has been answered, if that was sent meanwhile.
		let sent = 0;
		let secondAnswered = () => {};
		const second = new Promise<void>((resolve) => (secondAnswered = resolve));
		const slowFirst: typeof http = async (request) => {
			if (++sent === 1) {
				await Promise.race([second, new Promise((resolve) => setTimeout(resolve, 200))]);
				return await http(request);
			}
			const response = await http(request);
			secondAnswered();
			return response;
		};
		const client = new KlaviyoClient({
			transport: clock.track(slowFirst),
			clock,
			random: () => 0.5,
		});
		const inputs = [2, 7].map((score) => profile('ada@example.com', { Lead_Score: score }));
		const { outcomes } = await client.upsertProfiles(inputs, { concurrency: 5 });
		expect(outcomes.map((outcome) => outcome?.ok)).toEqual([true, true]);
		expect(mock.profileByEmail('ada@example.com')?.attributes.properties).toEqual({
			Lead_Score: 7,
		});
	});

	it('stops starting requests after the first failure when asked to', async () => {
		const client = await setUp();
		loopback.mock.fail({ status: 500, times: 100 });
		const inputs = Array.from({ length: 10 }, (_, index) => profile(`lead${index}@example.com`));
		const { outcomes } = await client.upsertProfiles(inputs, { concurrency: 2, stopOnError: true });
		expect(outcomes.filter((outcome) => outcome?.ok === false).length).toBeLessThanOrEqual(2);
		expect(outcomes.filter((outcome) => outcome === undefined).length).toBeGreaterThanOrEqual(8);
	});
});

describe('bulk import', () => {
	/** Profiles the client's own checks would refuse, to make Klaviyo report per-profile errors. */
	function raw(email: string): ProfileInput {
		return { identifier: { kind: 'email', value: email }, properties: { Lead_Score: 10 } };
	}

	it('uses one job above the threshold and maps every import error back to its profile', async () => {
		const client = await setUp();
		const bad = new Set([3, 77, 140]);
		const inputs = Array.from({ length: 250 }, (_, index) =>
			raw(bad.has(index) ? `broken-${index}` : `lead${index}@example.com`),
		);
		const { outcomes, unmatchedImportErrors } = await client.upsertProfiles(inputs, {
			bulkThreshold: 100,
		});
		expect(loopback.mock.calls('bulk_import_profiles')).toBe(1);
		expect(loopback.mock.calls('create_or_update_profile')).toBe(0);
		expect(unmatchedImportErrors).toEqual([]);
		outcomes.forEach((outcome, index) => {
			if (bad.has(index)) {
				expect(outcome).toMatchObject({
					ok: false,
					error: {
						kind: 'import',
						code: 'invalid',
						pointer: `/data/attributes/profiles/data/${index}/attributes/email`,
					},
				});
			} else {
				expect(outcome).toEqual({
					ok: true,
					value: { profileId: null, created: null, status: 'imported', jobId: expect.any(String) },
				});
			}
		});
		expect(loopback.mock.state.profiles.size).toBe(247);
	});

	it('splits jobs at the profile limit and pages through many import errors', async () => {
		const client = await setUp({}, { bulk: { maxProfilesPerJob: 400 } });
		const inputs = Array.from({ length: 1000 }, (_, index) =>
			raw(index % 5 === 0 ? `broken-${index}` : `lead${index}@example.com`),
		);
		const { outcomes } = await client.importProfiles(inputs);
		expect(loopback.mock.calls('bulk_import_profiles')).toBe(3);
		// 200 errors, 80 in each full job: one page of 100 per job
		expect(loopback.mock.calls('get_errors_for_bulk_import_profiles_job')).toBe(3);
		const failed = outcomes.flatMap((outcome, index) => (outcome?.ok === false ? [index] : []));
		expect(failed).toEqual(Array.from({ length: 200 }, (_, index) => index * 5));
		expect(new Set(outcomes.map((outcome) => outcome?.ok && outcome.value.jobId)).size).toBe(4);
	});

	it('maps a duplicate_profile import error by the identifiers in its original payload', async () => {
		const client = await setUp();
		await client.upsertProfile(raw('ada@example.com'));
		await client.upsertProfile({
			identifier: { kind: 'phone', value: '+15005550006' },
			properties: {},
		});
		const inputs = [
			raw('one@example.com'),
			{ ...raw('ada@example.com'), attributes: { phone_number: '+15005550006' } },
			raw('two@example.com'),
		];
		const { outcomes } = await client.importProfiles(inputs);
		expect(outcomes.map((outcome) => outcome?.ok)).toEqual([true, false, true]);
		expect(outcomes[1]).toMatchObject({ error: { code: 'duplicate_profile' } });
	});

	it('never reports a profile as imported when the job failed profiles it cannot trace', async () => {
		const client = await setUp({ bulkJobs: { untraceableErrors: true } });
		const inputs = [raw('one@example.com'), raw('broken-1'), raw('two@example.com')];
		const { outcomes, unmatchedImportErrors } = await client.importProfiles(inputs);
		expect(unmatchedImportErrors).toHaveLength(1);
		expect(outcomes.map((outcome) => outcome?.ok)).toEqual([false, false, false]);
		expect(outcomes[0]).toMatchObject({ error: { kind: 'import', code: 'import_unconfirmed' } });
		expect(((outcomes[0] as { error: Error }).error as KlaviyoApiError).detail).toMatch(
			/^Klaviyo reported 1 failed profile\(s\) in job \S+ that it did not trace to a profile: this one may not have been imported\. Upserting it again is safe\.$/,
		);
	});

	it('fails the profiles of a job that does not finish in time, saying Klaviyo may still import them', async () => {
		const client = await setUp(
			{ bulkJobs: { profilesPerSecond: 1 } },
			{ bulk: { timeoutMs: 30_000 } },
		);
		const { outcomes } = await client.importProfiles(
			Array.from({ length: 200 }, (_, index) => raw(`lead${index}@example.com`)),
		);
		expect(
			outcomes.every(
				(outcome) => outcome?.ok === false && (outcome.error as KlaviyoApiError).kind === 'timeout',
			),
		).toBe(true);
		expect(((outcomes[0] as { error: Error }).error as KlaviyoApiError).detail).toContain(
			'may still import',
		);
	});

	it("polls within the bulk endpoints' 10/s and 150/min limits", async () => {
		const client = await setUp({ bulkJobs: { profilesPerSecond: 20 } });
		const { outcomes } = await client.importProfiles(
			Array.from({ length: 5000 }, (_, index) => raw(`lead${index}@example.com`)),
		);
		expect(outcomes.every((outcome) => outcome?.ok)).toBe(true);
		expect(loopback.mock.throttled).toBe(0);
		expect(loopback.mock.calls('get_bulk_import_profiles_job')).toBeLessThan(60);
	});
});

describe('rate-limit buckets', () => {
	it('knows the published limits of every endpoint it calls', async () => {
		const { KLAVIYO_RATE_LIMITS } = await import('../../lib/klaviyo');
		const { klaviyoSpec } = await import('../../sandbox/klaviyo/openApiSpec');
		const spec = await klaviyoSpec();
		const operations: Record<RateLimitBucket, string[]> = {
			profileImport: ['create_or_update_profile'],
			events: ['create_event'],
			bulkImportJobs: [
				'bulk_import_profiles',
				'get_bulk_import_profiles_job',
				'get_errors_for_bulk_import_profiles_job',
			],
			accounts: ['get_accounts'],
			getEvents: ['get_events'],
			getMetrics: ['get_metrics'],
			getProfile: ['get_profile'],
			bulkCreateEvents: ['bulk_create_events'],
		};
		for (const [bucket, ids] of Object.entries(operations)) {
			for (const id of ids)
				expect(spec.rateLimits[id]).toEqual(KLAVIYO_RATE_LIMITS[bucket as RateLimitBucket]);
		}
		loopback.mock = await startKlaviyoMock();
	});
});
