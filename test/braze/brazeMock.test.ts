/** The loopback Braze behaves as ../shared/api-facts.md §11 describes, checked with raw HTTP. */
import axios from 'axios';

import { type BrazeMock, startBrazeMock, VALID_DATA_REQUIRED } from '../../sandbox/braze/brazeMock';
import { IDENTIFIER_REQUIRED } from '../../sandbox/braze/brazeState';

let mock: BrazeMock;
let now = Date.UTC(2026, 10, 23, 7, 0, 1);

beforeEach(async () => {
	now = Date.UTC(2026, 10, 23, 7, 0, 1);
	mock = await startBrazeMock({ now: () => now });
});

afterEach(async () => {
	expect(mock.problems).toEqual([]);
	await mock.close();
});

async function track(body: unknown, key = mock.apiKey) {
	return await axios.post(`${mock.baseUrl}/users/track`, body, {
		headers: { Authorization: `Bearer ${key}` },
		validateStatus: () => true,
	});
}

describe('POST /users/track', () => {
	it('answers 201 with counts, and the rate-limit headers (lower-case, reset in epoch seconds)', async () => {
		const response = await track({
			attributes: [{ external_id: 'u1', lead_score: 10 }],
			events: [{ external_id: 'u1', name: 'Scored', time: '2026-11-23T07:00:00Z' }],
		});
		expect(response.status).toBe(201);
		expect(response.data).toEqual({
			message: 'success',
			attributes_processed: 1,
			events_processed: 1,
		});
		expect(response.headers).toMatchObject({
			'x-ratelimit-limit': '3000',
			'x-ratelimit-remaining': '2999',
			'x-ratelimit-reset': String(Date.UTC(2026, 10, 23, 7, 0, 3) / 1000),
		});
	});

	it('applies the valid objects and lists the others by their index in their own array', async () => {
		mock.blockExternalId('blocked');
		const response = await track({
			attributes: [
				{ external_id: 'u1', lead_score: 1 },
				{ lead_score: 2 },
				{ external_id: 'blocked', lead_score: 3 },
			],
			events: [{ external_id: 'u1', name: 'Scored', time: 'later' }],
		});
		expect(response.status).toBe(201);
		expect(response.data).toEqual({
			message: 'success',
			attributes_processed: 1,
			events_processed: 0,
			errors: [
				{ type: IDENTIFIER_REQUIRED, input_array: 'attributes', index: 1 },
				{
					type: 'provided external_id is blacklisted and disallowed',
					input_array: 'attributes',
					index: 2,
				},
				{ type: "'time' must be a valid ISO 8601 datetime", input_array: 'events', index: 0 },
			],
		});
		expect(mock.user({ externalId: 'u1' })?.attributes).toEqual({ lead_score: 1 });
	});

	it('answers 400 when nothing is valid, and when an array holds more than 75 objects', async () => {
		const invalid = await track({ attributes: [{ lead_score: 2 }] });
		expect([invalid.status, invalid.data]).toEqual([
			400,
			{
				message: VALID_DATA_REQUIRED,
				errors: [{ type: IDENTIFIER_REQUIRED, input_array: 'attributes', index: 0 }],
			},
		]);
		const tooMany = await track({
			attributes: Array.from({ length: 76 }, (_, index) => ({
				external_id: `u${index}`,
				lead_score: 1,
			})),
		});
		expect([tooMany.status, tooMany.data]).toEqual([400, { message: 'Max Input Length Exceeded' }]);
		expect(mock.state.users).toHaveLength(0);
	});

	it('answers 401 for an unknown key and 403 for a key without users.track', async () => {
		expect((await track({ attributes: [] }, 'nope')).status).toBe(401);
		expect((await track({ attributes: [] }, 'braze-key-without-users-track')).data).toEqual({
			message: 'Access Denied',
		});
	});

	it('answers 429 over 3,000 requests in a window, with Remaining 0 and the reset, and counts again in the next window', async () => {
		mock.useUpWindow();
		const refused = await track({ attributes: [{ external_id: 'u1', lead_score: 1 }] });
		expect([refused.status, refused.headers['x-ratelimit-remaining']]).toEqual([429, '0']);
		now = Date.UTC(2026, 10, 23, 7, 0, 3);
		expect((await track({ attributes: [{ external_id: 'u1', lead_score: 1 }] })).status).toBe(201);
		expect(mock.throttled).toBe(1);
	});

	it('creates a profile for an unknown external ID or email, but skips an unknown alias unless told not to', async () => {
		await track({
			attributes: [
				{ email: 'Ada@Example.com', lead_score: 5 },
				{ user_alias: { alias_name: 'l1', alias_label: 'crm' }, lead_score: 6 },
			],
		});
		expect(mock.user({ email: 'ada@example.com' })?.attributes).toEqual({ lead_score: 5 });
		expect(mock.user({ alias: ['l1', 'crm'] })).toBeUndefined();
		expect(mock.state.skippedUpdates).toBe(1);
		await track({
			attributes: [
				{
					user_alias: { alias_name: 'l1', alias_label: 'crm' },
					_update_existing_only: false,
					lead_score: 6,
				},
			],
		});
		expect(mock.user({ alias: ['l1', 'crm'] })?.attributes).toEqual({ lead_score: 6 });
	});

	it('updates the profile with an external ID first when several share an email, and counts data points', async () => {
		mock.state.addUser({ email: 'ada@example.com' });
		const known = mock.state.addUser({ email: 'ada@example.com', externalId: 'crm-ada' });
		await track({
			attributes: [{ email: 'ada@example.com', lead_score: 9, lead_tier: 'nurture' }],
		});
		expect(known.attributes).toEqual({ lead_score: 9, lead_tier: 'nurture' });
		expect(mock.state.dataPoints).toBe(2);
	});
});
