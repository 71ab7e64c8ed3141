/**
 * The loopback Klaviyo's read side for events and metrics, and its bulk event creation, behave
 * like the real API (the spec's parameters, filter syntax and limits). Raw HTTP here, no client.
 */
import axios, { type AxiosResponse } from 'axios';

import { type VirtualClock, virtualClock } from '../../sandbox/virtualClock';
import { type KlaviyoMock, startKlaviyoMock } from '../../sandbox/klaviyo/klaviyoMock';

let clock: VirtualClock;
let mock: KlaviyoMock;

beforeEach(async () => {
	clock = virtualClock();
	mock = await startKlaviyoMock({ now: clock.now });
});

afterEach(async () => {
	await mock.close();
});

async function get(path: string): Promise<AxiosResponse> {
	return await axios.get(`${mock.baseUrl}${path}`, {
		validateStatus: () => true,
		headers: {
			Authorization: `Klaviyo-API-Key ${mock.apiKey}`,
			revision: '2026-07-15',
			accept: 'application/vnd.api+json',
		},
	});
}

/** Follows a `links.next` (absolute, as Klaviyo gives it). */
const follow = async (link: string) => {
	const url = new URL(link);
	return await get(url.pathname + url.search);
};

const events = (filter: string, extra = '') =>
	get(`/api/events?filter=${encodeURIComponent(filter)}${extra}`);

describe('GET /api/events', () => {
	it('filters by metric and time (and(...) or a comma list), sorts, and pages with links that stay valid as events arrive', async () => {
		const start = clock.now();
		for (let index = 0; index < 5; index++)
			mock.addEvent({
				metric: 'Opened Email',
				email: `e${index}@example.com`,
				time: start + index * 1000,
			});
		mock.addEvent({ metric: 'Clicked Email', email: 'c@example.com', time: start });
		const since = new Date(start + 1000).toISOString();
		const first = await events(
			`and(equals(metric_id,"OpnEml"),greater-or-equal(datetime,${since}))`,
			'&sort=datetime&page[size]=2',
		);
		expect(first.status).toBe(200);
		expect(first.headers['ratelimit-limit']).toBe('3500');
		expect(
			first.data.data.map(
				(event: { attributes: { event_properties: unknown; datetime: string } }) =>
					event.attributes.datetime,
			),
		).toEqual([
			new Date(start + 1000).toISOString().replace('.000Z', '+00:00'),
			new Date(start + 2000).toISOString().replace('.000Z', '+00:00'),
		]);
		mock.addEvent({ metric: 'Opened Email', email: 'late@example.com', time: start + 10_000 });
		const rest = await follow(first.data.links.next as string);
		expect(rest.data.data).toHaveLength(2);
		const last = await follow(rest.data.links.next as string);
		expect(last.data.data).toHaveLength(1);
		expect(last.data.links.next).toBeUndefined();
		const commaList = await events(`equals(metric_id,'ClkEml'),less-than(datetime,${since})`);
		expect(commaList.data.data).toHaveLength(1);
		expect(mock.problems).toEqual([]);
	});

	it('includes the profiles and metrics of the page, with sparse fieldsets', async () => {
		mock.addEvent({
			metric: 'Placed Order',
			email: 'ada@example.com',
			time: clock.now(),
			properties: { $value: 10 },
			profile: { title: 'VP' },
		});
		const response = await events(
			'equals(metric_id,"PlcOrd")',
			'&include=profile,metric&fields[profile]=email,title&fields[metric]=name',
		);
		expect(response.data.included).toEqual([
			expect.objectContaining({
				type: 'profile',
				attributes: { email: 'ada@example.com', title: 'VP' },
			}),
			expect.objectContaining({
				type: 'metric',
				id: 'PlcOrd',
				attributes: { name: 'Placed Order' },
			}),
		]);
		expect(response.data.data[0].relationships.profile.data).toEqual({
			type: 'profile',
			id: response.data.included[0].id,
		});
		expect(mock.problems).toEqual([]);
	});

	it.each([
		['a quoted datetime', 'greater-than(datetime,"2026-11-23T00:00:00Z")'],
		['an operator the field does not take', 'greater-than(metric_id,"OpnEml")'],
		['a field that cannot be filtered', 'equals(email,"a@example.com")'],
		['unbalanced parentheses', 'and(equals(metric_id,"OpnEml")'],
		['an unquoted string', 'equals(metric_id,OpnEml)'],
	])('refuses %s with 400 invalid at the filter parameter', async (_name, filter) => {
		const response = await events(filter);
		expect(response.status).toBe(400);
		expect(response.data.errors[0]).toMatchObject({
			code: 'invalid',
			source: { parameter: 'filter' },
		});
	});

	it('refuses a page size over 1,000 (the spec says so) and a cursor it did not issue', async () => {
		expect((await get('/api/events?page[size]=1001')).status).toBe(400);
		expect(mock.problems).toHaveLength(1);
		mock.problems.splice(0);
		const forged = await get('/api/events?page[cursor]=not-a-cursor');
		expect(forged.status).toBe(400);
		expect(forged.data.errors[0].source).toEqual({ parameter: 'page[cursor]' });
	});
});

describe('GET /api/metrics and /api/profiles/{id}', () => {
	it("answers 429 with only Retry-After past the metrics endpoint's 10 a second", async () => {
		const responses = await Promise.all(Array.from({ length: 11 }, () => get('/api/metrics')));
		const throttled = responses.filter((response) => response.status === 429);
		expect(throttled).toHaveLength(1);
		expect(throttled[0]!.headers['retry-after']).toBe('1');
		expect(throttled[0]!.headers['ratelimit-remaining']).toBeUndefined();
		expect(
			responses
				.find((response) => response.status === 200)!
				.data.data.map((metric: { id: string }) => metric.id),
		).toContain('OpnEml');
	});

	it('returns a profile with sparse fields, and 404 for an unknown one', async () => {
		const { profileId } = mock.addEvent({ metric: 'Opened Email', email: 'ada@example.com' });
		const found = await get(`/api/profiles/${profileId}?fields[profile]=email`);
		expect(found.data.data.attributes).toEqual({ email: 'ada@example.com' });
		expect((await get('/api/profiles/01NOPE0000000000000000000')).status).toBe(404);
		expect(mock.problems).toEqual([]);
	});
});

describe('POST /api/event-bulk-create-jobs', () => {
	const entry = (email: string, time?: string) => ({
		type: 'event-bulk-create',
		attributes: {
			profile: { data: { type: 'profile', attributes: { email } } },
			events: {
				data: [
					{
						type: 'event',
						attributes: {
							properties: {},
							metric: { data: { type: 'metric', attributes: { name: 'Lead Score Changed' } } },
							...(time ? { time } : {}),
						},
					},
				],
			},
		},
	});
	const post = async (entries: unknown[]) =>
		await axios.post(
			`${mock.baseUrl}/api/event-bulk-create-jobs`,
			{
				data: {
					type: 'event-bulk-create-job',
					attributes: { 'events-bulk-create': { data: entries } },
				},
			},
			{
				validateStatus: () => true,
				headers: {
					Authorization: `Klaviyo-API-Key ${mock.apiKey}`,
					revision: '2026-07-15',
					'Content-Type': 'application/vnd.api+json',
				},
			},
		);

	it('accepts with 202 and no body, and records every event', async () => {
		const response = await post([entry('a@example.com'), entry('b@example.com')]);
		expect([response.status, response.data]).toEqual([202, '']);
		expect(mock.state.events.map((event) => event.metric)).toEqual([
			'Lead Score Changed',
			'Lead Score Changed',
		]);
	});

	it('refuses the whole request with one error per bad entry, and records nothing', async () => {
		const response = await post([
			entry('a@example.com'),
			entry('b@example.com', '2031-01-01T00:00:00Z'),
			entry('not-an-email'),
		]);
		expect(response.status).toBe(400);
		expect(
			response.data.errors.map((error: { source: { pointer: string } }) => error.source.pointer),
		).toEqual([
			'/data/attributes/events-bulk-create/data/1/attributes/events/data/0/attributes/time',
			'/data/attributes/events-bulk-create/data/2/attributes/events/data/0/attributes/profile/data/attributes/email',
		]);
		expect(mock.state.events).toHaveLength(0);
	});

	it('refuses more than 1,000 events', async () => {
		const response = await post(
			Array.from({ length: 1001 }, (_, index) => entry(`lead${index}@example.com`)),
		);
		expect(response.status).toBe(400);
		expect(mock.state.events).toHaveLength(0);
	});
});
