/**
 * Create Event in bulk (POST /api/event-bulk-create-jobs) against the loopback Klaviyo, on a
 * virtual clock: fewer calls, every event accounted for, each refused event on its own item.
 */
import {
	type EventInput,
	KlaviyoApiError,
	checkEventInput,
	rejectedEntries,
	type KlaviyoClient,
} from '../../lib/klaviyo';
import { useLoopbackKlaviyo } from './loopbackKlaviyo';

let client: KlaviyoClient;

const loopback = useLoopbackKlaviyo();

beforeEach(async () => {
	client = await loopback.setUp();
});

function event(index: number, time = '2026-11-23T05:00:00Z'): EventInput {
	const checked = checkEventInput({
		identifierKind: 'email',
		identifierValue: `lead${index}@example.com`,
		metric: 'Lead Score Changed',
		properties: { Lead_Score: index % 100 },
		time,
		uniqueId: `evt-${index}`,
	});
	if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
	return checked.value;
}

const events = (count: number) => Array.from({ length: count }, (_, index) => event(index));

describe('createEvents above the bulk threshold', () => {
	it('records 10,000 events in 10 calls instead of 10,000 (0.1%), within the 10/s limit', async () => {
		const outcomes = await client.createEvents(events(10_000), { bulkThreshold: 100 });
		expect(outcomes.every((outcome) => outcome?.ok && outcome.value.status === 'accepted')).toBe(
			true,
		);
		expect(loopback.mock.calls('bulk_create_events')).toBe(10);
		expect(loopback.mock.calls('create_event')).toBe(0);
		expect(loopback.mock.state.events).toHaveLength(10_000);
		expect(loopback.mock.throttled).toBe(0);
	});

	it('keeps one request per event up to the threshold', async () => {
		await client.createEvents(events(100), { bulkThreshold: 100 });
		expect(loopback.mock.calls('create_event')).toBe(100);
		expect(loopback.mock.calls('bulk_create_events')).toBe(0);
	});

	it('fails only the events Klaviyo refuses and sends the others again without them', async () => {
		const inputs = events(300);
		// More than a year ahead: the client cannot know Klaviyo's clock, Klaviyo refuses it.
		inputs[17] = event(17, '2029-01-01T00:00:00Z');
		inputs[250] = event(250, '2030-01-01T00:00:00Z');
		const outcomes = await client.createEvents(inputs, { bulkThreshold: 100 });
		const failed = outcomes.flatMap((outcome, index) =>
			outcome?.ok === false ? [[index, outcome.error as KlaviyoApiError] as const] : [],
		);
		expect(failed.map(([index]) => index)).toEqual([17, 250]);
		expect(failed[0]![1]).toMatchObject({
			status: 400,
			code: 'invalid',
			pointer: expect.stringMatching(/^\/data\/attributes\/events-bulk-create\/data\/17\//),
		});
		expect(loopback.mock.calls('bulk_create_events')).toBe(2);
		expect(loopback.mock.state.events).toHaveLength(298);
		expect(loopback.mock.state.events.some((recorded) => recorded.uniqueId === 'evt-17')).toBe(
			false,
		);
	});

	it('fails every event of a request refused as a whole, and sends nothing twice', async () => {
		loopback.mock.fail({ status: 500, times: 10, operationId: 'bulk_create_events' });
		const outcomes = await client.createEvents(events(150), { bulkThreshold: 100 });
		expect(
			outcomes.every(
				(outcome) => outcome?.ok === false && (outcome.error as KlaviyoApiError).status === 500,
			),
		).toBe(true);
		expect(loopback.mock.state.events).toHaveLength(0);
	});

	it('waits out a 429 for its Retry-After', async () => {
		loopback.mock.fail({ status: 429, retryAfterSeconds: 3, operationId: 'bulk_create_events' });
		const outcomes = await client.createEvents(events(150), { bulkThreshold: 100 });
		expect(outcomes.every((outcome) => outcome?.ok)).toBe(true);
		expect(loopback.clock.sleeps.some((ms) => ms >= 3000)).toBe(true);
		expect(loopback.mock.state.events).toHaveLength(150);
	});
});

describe('rejectedEntries', () => {
	const error = (pointers: Array<string | undefined>, status = 400) => {
		const [first, ...rest] = pointers.map(
			(pointer) =>
				new KlaviyoApiError({
					kind: 'api',
					status,
					code: 'invalid',
					title: 'Invalid input.',
					detail: 'x',
					pointer,
				}),
		);
		first!.errors = [first!, ...rest];
		return first!;
	};

	it.each([
		[
			'two entries',
			[
				'/data/attributes/events-bulk-create/data/3/attributes/time',
				'/data/attributes/events-bulk-create/data/0',
			],
			5,
			[3, 0],
		],
		['an error about the whole request', ['/data'], 5, undefined],
		[
			'a pointer past the entries',
			['/data/attributes/events-bulk-create/data/5/attributes'],
			5,
			undefined,
		],
		['no pointer', [undefined], 5, undefined],
	])('%s', (_name, pointers, count, expected) => {
		const rejected = rejectedEntries(error(pointers as Array<string | undefined>), count as number);
		expect(rejected === undefined ? undefined : [...rejected.keys()]).toEqual(expected);
	});

	it('only reads a 400 as entries at fault', () => {
		expect(
			rejectedEntries(error(['/data/attributes/events-bulk-create/data/1'], 413), 5),
		).toBeUndefined();
	});
});
