/**
 * The loopback Klaviyo behaves like the real API (../shared/api-facts.md), so tests against it
 * mean something. Raw HTTP here, no client.
 */
import axios, { type AxiosResponse } from 'axios';

import { type KlaviyoMock, startKlaviyoMock } from '../../sandbox/klaviyo/klaviyoMock';
import { type VirtualClock, virtualClock } from '../../sandbox/virtualClock';

let clock: VirtualClock;
let mock: KlaviyoMock;

beforeEach(async () => {
	clock = virtualClock();
	mock = await startKlaviyoMock({ now: clock.now });
});

afterEach(async () => {
	await mock.close();
});

async function call(
	method: 'GET' | 'POST',
	path: string,
	body?: unknown,
	headers: Record<string, string> = {},
): Promise<AxiosResponse> {
	return await axios.request({
		baseURL: mock.baseUrl,
		url: path,
		method,
		data: body,
		validateStatus: () => true,
		headers: {
			Authorization: `Klaviyo-API-Key ${mock.apiKey}`,
			revision: '2026-07-15',
			'Content-Type': 'application/vnd.api+json',
			...headers,
		},
	});
}

const profile = (attributes: Record<string, unknown>) => ({
	data: { type: 'profile', attributes },
});

describe('profile import', () => {
	it('creates a profile with 201, then updates it with 200 under the same id', async () => {
		const first = await call(
			'POST',
			'/api/profile-import',
			profile({ email: 'ada@example.com', properties: { Lead_Score: 10 } }),
		);
		const second = await call(
			'POST',
			'/api/profile-import',
			profile({ email: 'ADA@example.com', properties: { Lead_Tier: 'warming' } }),
		);
		expect(first.status).toBe(201);
		expect(second.status).toBe(200);
		expect(second.data.data.id).toBe(first.data.data.id);
		expect(second.data.data.attributes.properties).toEqual({
			Lead_Score: 10,
			Lead_Tier: 'warming',
		});
		expect(mock.problems).toEqual([]);
	});

	it('answers 409 duplicate_profile when the identifiers belong to two profiles', async () => {
		await call('POST', '/api/profile-import', profile({ email: 'ada@example.com' }));
		const other = await call(
			'POST',
			'/api/profile-import',
			profile({ phone_number: '+15005550006' }),
		);
		const conflict = await call(
			'POST',
			'/api/profile-import',
			profile({ email: 'ada@example.com', phone_number: '+15005550006' }),
		);
		expect(conflict.status).toBe(409);
		expect(conflict.data.errors[0]).toMatchObject({
			status: 409,
			code: 'duplicate_profile',
			title: 'Conflict.',
			source: { pointer: '/data/attributes' },
			meta: { duplicate_profile_id: other.data.data.id },
		});
		expect(mock.problems).toEqual([]);
	});

	it('accepts plain application/json as the official SDK sends it', async () => {
		const response = await call(
			'POST',
			'/api/profile-import',
			profile({ email: 'sdk@example.com' }),
			{ 'Content-Type': 'application/json' },
		);
		expect(response.status).toBe(201);
	});
});

describe('events', () => {
	const event = (uniqueId?: string, time = '2026-11-23T06:00:00+00:00') => ({
		data: {
			type: 'event',
			attributes: {
				properties: { score: 42 },
				time,
				...(uniqueId ? { unique_id: uniqueId } : {}),
				metric: { data: { type: 'metric', attributes: { name: 'Lead Score Changed' } } },
				profile: { data: { type: 'profile', attributes: { email: 'ada@example.com' } } },
			},
		},
	});

	it('answers 202 with no body and silently drops a repeated unique_id', async () => {
		const first = await call('POST', '/api/events', event('evt-1'));
		const repeat = await call('POST', '/api/events', event('evt-1', '2026-11-23T07:00:00+00:00'));
		expect([first.status, repeat.status]).toEqual([202, 202]);
		expect(first.data).toBe('');
		expect(mock.state.events).toHaveLength(1);
		expect(mock.state.duplicateEventsDropped).toBe(1);
	});

	it('without unique_id keeps one event per profile and metric per second', async () => {
		await call('POST', '/api/events', event(undefined, '2026-11-23T06:00:00.100Z'));
		await call('POST', '/api/events', event(undefined, '2026-11-23T06:00:00.900Z'));
		await call('POST', '/api/events', event(undefined, '2026-11-23T06:00:01.000Z'));
		expect(mock.state.events).toHaveLength(2);
	});
});

describe('rate limits', () => {
	it('puts RateLimit-* headers on every answer but a 429, which carries only Retry-After', async () => {
		const ok = await call('GET', '/api/accounts/');
		const throttled = await call('GET', '/api/accounts/');
		expect(ok.status).toBe(200);
		expect(ok.headers).toMatchObject({ 'ratelimit-limit': '15', 'ratelimit-remaining': '14' });
		expect(Number(ok.headers['ratelimit-reset'])).toBeGreaterThan(0);
		expect(throttled.status).toBe(429);
		expect(throttled.headers['retry-after']).toBe('1');
		expect(Object.keys(throttled.headers).filter((name) => name.startsWith('ratelimit'))).toEqual(
			[],
		);
		expect(throttled.data.errors[0]).toMatchObject({
			code: 'throttled',
			title: 'Request was throttled.',
		});
	});

	it('enforces 75/s burst and 750/min steady for profile import, per the spec', async () => {
		const statuses: number[] = [];
		for (let second = 0; second < 11; second++) {
			for (let index = 0; index < 80; index++) {
				statuses.push(
					(
						await call(
							'POST',
							'/api/profile-import',
							profile({ email: `lead${second}-${index}@example.com` }),
						)
					).status,
				);
			}
			clock.advance(1000);
		}
		const accepted = statuses.filter((status) => status < 400).length;
		expect(statuses.slice(0, 80).filter((status) => status === 429)).toHaveLength(5);
		expect(accepted).toBeLessThanOrEqual(750);
		expect(mock.throttled).toBe(statuses.length - accepted);
	});

	it('can be told to answer 429 or 5xx for a while', async () => {
		mock.fail({ status: 503, forMs: 2000 });
		expect((await call('GET', '/api/accounts/')).status).toBe(503);
		clock.advance(2000);
		expect((await call('GET', '/api/accounts/')).status).toBe(200);
		mock.fail({ status: 429, times: 1, retryAfterSeconds: 7 });
		const throttled = await call('GET', '/api/accounts/');
		expect([throttled.status, throttled.headers['retry-after']]).toEqual([429, '7']);
	});
});

describe('bulk import jobs', () => {
	it('go queued, processing, complete, and list per-profile import errors', async () => {
		const profiles = Array.from({ length: 3000 }, (_, index) => ({
			type: 'profile',
			attributes: { email: index % 1000 === 7 ? `broken-${index}` : `bulk${index}@example.com` },
		}));
		const created = await call('POST', '/api/profile-bulk-import-jobs', {
			data: { type: 'profile-bulk-import-job', attributes: { profiles: { data: profiles } } },
		});
		expect(created.status).toBe(202);
		const jobId = created.data.data.id as string;
		const statusNow = async () =>
			(await call('GET', `/api/profile-bulk-import-jobs/${jobId}`)).data.data.attributes;
		expect((await statusNow()).status).toBe('queued');
		clock.advance(1500);
		expect(await statusNow()).toMatchObject({ status: 'processing', total_count: 3000 });
		clock.advance(5000);
		expect(await statusNow()).toMatchObject({
			status: 'complete',
			completed_count: 2997,
			failed_count: 3,
		});
		const errors = await call(
			'GET',
			`/api/profile-bulk-import-jobs/${jobId}/import-errors?page[size]=2`,
		);
		expect(errors.data.data).toHaveLength(2);
		expect(errors.data.data[0].attributes).toMatchObject({
			code: 'invalid',
			source: { pointer: '/data/attributes/profiles/data/7/attributes/email' },
			original_payload: profiles[7],
		});
		expect(errors.data.links.next).toContain('page%5Bcursor%5D=');
		expect(mock.profileByEmail('bulk2999@example.com')).toBeDefined();
		expect(mock.problems).toEqual([]);
	});

	it('refuses more than 10,000 profiles in one job', async () => {
		const profiles = Array.from({ length: 10_001 }, (_, index) => ({
			type: 'profile',
			attributes: { email: `p${index}@example.com` },
		}));
		const response = await call('POST', '/api/profile-bulk-import-jobs', {
			data: { type: 'profile-bulk-import-job', attributes: { profiles: { data: profiles } } },
		});
		expect(response.status).toBe(400);
	});
});

describe('checks against the official OpenAPI spec', () => {
	it.each([
		[
			'a wrong data.type',
			profile({ email: 'a@example.com' }),
			{ data: { type: 'profiles', attributes: { email: 'a@example.com' } } },
		],
		['missing attributes', undefined, { data: { type: 'profile' } }],
		[
			'an event without a metric',
			undefined,
			{
				data: {
					type: 'event',
					attributes: {
						properties: {},
						profile: { data: { type: 'profile', attributes: { email: 'a@example.com' } } },
					},
				},
			},
		],
	])('rejects %s with 400 and records it as a problem', async (_name, _valid, body) => {
		const path =
			(body as { data: { type: string } }).data.type === 'event'
				? '/api/events'
				: '/api/profile-import';
		const response = await call('POST', path, body);
		expect(response.status).toBe(400);
		expect(mock.problems).toHaveLength(1);
		mock.problems.length = 0;
	});

	it('rejects a request without the revision header', async () => {
		const response = await axios.get(`${mock.baseUrl}/api/accounts/`, {
			headers: { Authorization: `Klaviyo-API-Key ${mock.apiKey}` },
			validateStatus: () => true,
		});
		expect(response.status).toBe(400);
		expect(mock.problems[0]).toContain('revision');
		mock.problems.length = 0;
	});

	it('answers 401 without the Klaviyo-API-Key scheme or with a wrong key', async () => {
		const missing = await call('GET', '/api/accounts/', undefined, { Authorization: 'Bearer abc' });
		const wrong = await call('GET', '/api/accounts/', undefined, {
			Authorization: 'Klaviyo-API-Key pk_wrong',
		});
		expect([missing.status, wrong.status]).toEqual([401, 401]);
		expect(missing.data.errors[0].code).toBe('not_authenticated');
		expect(wrong.data.errors[0].code).toBe('authentication_failed');
		expect(JSON.stringify(wrong.data)).not.toContain('pk_wrong');
	});
});
