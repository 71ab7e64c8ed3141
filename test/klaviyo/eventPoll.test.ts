/**
 * The Klaviyo Trigger's poll against the loopback Klaviyo, over axios, on a virtual clock: what
 * each poll emits, what it keeps for the next one, and what survives a restart.
 */
import {
	type PollSettings,
	type PollState,
	latestEvent,
	listMetrics,
	pollEvents,
	readPollState,
	type KlaviyoClient,
} from '../../lib/klaviyo';
import { useLoopbackKlaviyo } from './loopbackKlaviyo';

let client: KlaviyoClient;

const SECOND = 1000;
const MINUTE = 60 * SECOND;

const loopback = useLoopbackKlaviyo();

beforeEach(async () => {
	client = await loopback.setUp();
});

/** Metric ids as the operator picks them in the editor (the metrics exist once an event used them). */
function metricIds(...names: string[]): string[] {
	return names.map((name) => loopback.mock.state.metricNamed(name).id);
}

function settings(metrics: string[], overrides: Partial<PollSettings> = {}): PollSettings {
	return {
		metricIds: metrics,
		backfillDays: 0,
		lateWindowSeconds: 600,
		maxEvents: 10_000,
		budgetMs: 4 * MINUTE,
		...overrides,
	};
}

/** What n8n does with static data between polls and across a restart: JSON in the database. */
const saved = (state: PollState): unknown => JSON.parse(JSON.stringify(state));

const at = (offsetMs: number) => loopback.clock.now() + offsetMs;

describe('listMetrics', () => {
	it("lists the account's metrics by name, with their integration, across pages", async () => {
		for (let index = 0; index < 230; index++)
			loopback.mock.state.metricNamed(`Custom ${String(index).padStart(3, '0')}`);
		loopback.mock.state.metricNamed('Custom Order', 'Shopify');
		const metrics = await listMetrics(client);
		expect(metrics).toHaveLength(231 + 6); // and the six every sandbox account has
		expect(metrics.find((metric) => metric.name === 'Opened Email')).toEqual({
			id: 'OpnEml',
			name: 'Opened Email',
			integration: 'Klaviyo',
		});
		expect(metrics.find((metric) => metric.name === 'Custom Order')).toEqual({
			id: expect.any(String),
			name: 'Custom Order',
			integration: 'Shopify',
		});
		expect(loopback.mock.calls('get_metrics')).toBe(2);
	});
});

describe('pollEvents', () => {
	it('starts from now on the first poll, then emits each new event once, shaped for Score Event', async () => {
		const [opened] = metricIds('Opened Email');
		loopback.mock.addEvent({ metric: 'Opened Email', email: 'old@example.com', time: at(-MINUTE) });
		const state = readPollState(undefined);
		expect((await pollEvents(client, loopback.clock, state, settings([opened!]))).events).toEqual(
			[],
		);

		loopback.clock.advance(MINUTE);
		const event = loopback.mock.addEvent({
			metric: 'Opened Email',
			email: 'ada@example.com',
			time: at(0),
			properties: { Subject: 'Pricing update' },
			profile: { title: 'VP Marketing', first_name: 'Ada' },
		});
		loopback.clock.advance(MINUTE);
		const first = await pollEvents(client, loopback.clock, state, settings([opened!]));
		expect(first.events).toEqual([
			{
				email: 'ada@example.com',
				event: 'Opened Email',
				eventId: event.id,
				time: new Date(event.timestamp * 1000).toISOString().replace('.000Z', '+00:00'),
				properties: { Subject: 'Pricing update' },
				profile: expect.objectContaining({
					id: event.profileId,
					email: 'ada@example.com',
					title: 'VP Marketing',
					first_name: 'Ada',
				}),
			},
		]);
		loopback.clock.advance(MINUTE);
		expect((await pollEvents(client, loopback.clock, state, settings([opened!]))).events).toEqual(
			[],
		);
	});

	it('follows the cursor pages (1,000 events a call, profiles and metric names included)', async () => {
		const [clicked] = metricIds('Clicked Email');
		const state = readPollState(undefined);
		await pollEvents(client, loopback.clock, state, settings([clicked!]));
		for (let index = 0; index < 2500; index++) {
			loopback.mock.addEvent({
				metric: 'Clicked Email',
				email: `lead${index % 300}@example.com`,
				time: at(SECOND + Math.floor(index / 10) * SECOND),
				properties: { n: index },
			});
		}
		loopback.clock.advance(10 * MINUTE);
		const before = loopback.mock.calls();
		const result = await pollEvents(client, loopback.clock, state, settings([clicked!]));
		// Ten events a second: in time order, and within a second in Klaviyo's (id) order.
		const numbers = result.events.map((event) => Number(event.properties.n));
		expect([...numbers].sort((a, b) => a - b)).toEqual(
			Array.from({ length: 2500 }, (_, index) => index),
		);
		expect(
			numbers.every(
				(n, index) => index === 0 || Math.floor(n / 10) >= Math.floor(numbers[index - 1]! / 10),
			),
		).toBe(true);
		expect(
			result.events.every(
				(event) => event.email?.startsWith('lead') && event.event === 'Clicked Email',
			),
		).toBe(true);
		expect(loopback.mock.calls() - before).toBe(3);
		expect(result.requests).toBe(3);
	});

	it('emits events of several metrics in time order, each under its metric name', async () => {
		const [opened, ordered] = metricIds('Opened Email', 'Placed Order');
		const state = readPollState(undefined);
		await pollEvents(client, loopback.clock, state, settings([opened!, ordered!]));
		loopback.mock.addEvent({
			metric: 'Placed Order',
			email: 'ada@example.com',
			time: at(3 * SECOND),
		});
		loopback.mock.addEvent({
			metric: 'Opened Email',
			email: 'ada@example.com',
			time: at(1 * SECOND),
		});
		loopback.mock.addEvent({
			metric: 'Viewed Product',
			email: 'ada@example.com',
			time: at(2 * SECOND),
		});
		loopback.clock.advance(MINUTE);
		const { events } = await pollEvents(
			client,
			loopback.clock,
			state,
			settings([opened!, ordered!]),
		);
		expect(events.map((event) => event.event)).toEqual(['Opened Email', 'Placed Order']);
	});

	it('resumes after a restart from the saved position: nothing lost while down, nothing repeated', async () => {
		const [opened] = metricIds('Opened Email');
		let state = readPollState(undefined);
		await pollEvents(client, loopback.clock, state, settings([opened!]));
		loopback.mock.addEvent({ metric: 'Opened Email', email: 'a@example.com', time: at(SECOND) });
		loopback.clock.advance(MINUTE);
		expect(
			(await pollEvents(client, loopback.clock, state, settings([opened!]))).events,
		).toHaveLength(1);
		const stored = saved(state);

		// n8n is down for two hours; events keep coming.
		for (let minute = 1; minute <= 120; minute++)
			loopback.mock.addEvent({
				metric: 'Opened Email',
				email: `down${minute}@example.com`,
				time: at(minute * MINUTE),
			});
		loopback.clock.advance(121 * MINUTE);
		state = readPollState(stored);
		const afterRestart = await pollEvents(client, loopback.clock, state, settings([opened!]));
		expect(afterRestart.events.map((event) => event.email)).toEqual(
			Array.from({ length: 120 }, (_, index) => `down${index + 1}@example.com`),
		);
		expect((await pollEvents(client, loopback.clock, state, settings([opened!]))).events).toEqual(
			[],
		);
	});

	it('neither repeats nor skips events that share the second of the last event emitted', async () => {
		const [opened] = metricIds('Opened Email');
		const state = readPollState(undefined);
		await pollEvents(client, loopback.clock, state, settings([opened!]));
		const boundary = at(30 * SECOND);
		loopback.mock.addEvent({ metric: 'Opened Email', email: 'first@example.com', time: boundary });
		loopback.mock.addEvent({ metric: 'Opened Email', email: 'second@example.com', time: boundary });
		loopback.clock.advance(MINUTE);
		const first = await pollEvents(client, loopback.clock, state, settings([opened!]));
		expect(first.events.map((event) => event.email)).toEqual(
			expect.arrayContaining(['first@example.com', 'second@example.com']),
		);

		// Filed after the poll, in the same second as the newest event it emitted.
		loopback.mock.addEvent({ metric: 'Opened Email', email: 'third@example.com', time: boundary });
		loopback.clock.advance(MINUTE);
		const restarted = readPollState(saved(state));
		expect(
			(await pollEvents(client, loopback.clock, restarted, settings([opened!]))).events.map(
				(event) => event.email,
			),
		).toEqual(['third@example.com']);
	});

	it('catches an event filed late with an earlier time, within the late-event window', async () => {
		const [ordered] = metricIds('Placed Order');
		const state = readPollState(undefined);
		await pollEvents(
			client,
			loopback.clock,
			state,
			settings([ordered!], { lateWindowSeconds: 600 }),
		);
		loopback.clock.advance(5 * MINUTE);
		loopback.mock.addEvent({ metric: 'Placed Order', email: 'now@example.com', time: at(0) });
		expect(
			(
				await pollEvents(
					client,
					loopback.clock,
					state,
					settings([ordered!], { lateWindowSeconds: 600 }),
				)
			).events,
		).toHaveLength(1);

		// A shop integration files two orders late: one 4 minutes old (caught), one 20 minutes old (outside the window).
		loopback.mock.addEvent({
			metric: 'Placed Order',
			email: 'late@example.com',
			time: at(-4 * MINUTE),
		});
		loopback.mock.addEvent({
			metric: 'Placed Order',
			email: 'too-late@example.com',
			time: at(-20 * MINUTE),
		});
		loopback.clock.advance(MINUTE);
		const { events } = await pollEvents(
			client,
			loopback.clock,
			state,
			settings([ordered!], { lateWindowSeconds: 600 }),
		);
		expect(events.map((event) => event.email)).toEqual(['late@example.com']);
	});

	it('backfills the chosen number of days on the first poll', async () => {
		const [opened] = metricIds('Opened Email');
		loopback.mock.addEvent({
			metric: 'Opened Email',
			email: 'eight-days@example.com',
			time: at(-8 * 24 * 60 * MINUTE),
		});
		loopback.mock.addEvent({
			metric: 'Opened Email',
			email: 'six-days@example.com',
			time: at(-6 * 24 * 60 * MINUTE),
		});
		loopback.mock.addEvent({
			metric: 'Opened Email',
			email: 'yesterday@example.com',
			time: at(-24 * 60 * MINUTE),
		});
		const state = readPollState(undefined);
		const { events } = await pollEvents(
			client,
			loopback.clock,
			state,
			settings([opened!], { backfillDays: 7 }),
		);
		expect(events.map((event) => event.email)).toEqual([
			'six-days@example.com',
			'yesterday@example.com',
		]);
		expect(
			(await pollEvents(client, loopback.clock, state, settings([opened!], { backfillDays: 7 })))
				.events,
		).toEqual([]);
	});

	it('stops after the page that reaches the item cap and goes on from that page next time', async () => {
		const [opened] = metricIds('Opened Email');
		const state = readPollState(undefined);
		await pollEvents(client, loopback.clock, state, settings([opened!]));
		for (let index = 0; index < 2500; index++)
			loopback.mock.addEvent({
				metric: 'Opened Email',
				email: `lead${index}@example.com`,
				time: at(SECOND + index * SECOND),
			});
		loopback.clock.advance(60 * MINUTE);
		const capped = settings([opened!], { maxEvents: 1000 });
		const first = await pollEvents(client, loopback.clock, state, capped);
		expect(first.events).toHaveLength(1000);
		expect(first.more).toBe(true);
		const second = await pollEvents(client, loopback.clock, readPollState(saved(state)), capped);
		// The saved state was read into a fresh object: carry on with what that poll kept.
		const emails = [...first.events, ...second.events].map((event) => event.email);
		expect(second.requests).toBe(1);
		expect(emails).toHaveLength(2000);
		expect(new Set(emails).size).toBe(2000);
	});

	it('rebuilds the query when a saved page link is refused, without repeating events', async () => {
		const [opened] = metricIds('Opened Email');
		let state = readPollState(undefined);
		await pollEvents(client, loopback.clock, state, settings([opened!]));
		for (let index = 0; index < 1500; index++)
			loopback.mock.addEvent({
				metric: 'Opened Email',
				email: `lead${index}@example.com`,
				time: at(SECOND + index * 100),
			});
		loopback.clock.advance(10 * MINUTE);
		const first = await pollEvents(
			client,
			loopback.clock,
			state,
			settings([opened!], { maxEvents: 1000 }),
		);
		state = readPollState(saved(state));
		state.metrics[opened!]!.next = '/api/events?page%5Bcursor%5D=expired&page%5Bsize%5D=1000';
		const second = await pollEvents(client, loopback.clock, state, settings([opened!]));
		expect(new Set([...first.events, ...second.events].map((event) => event.eventId)).size).toBe(
			1500,
		);
		expect(first.events.length + second.events.length).toBe(1500);
	});

	it('waits out a 429 for its Retry-After and loses nothing', async () => {
		const [opened] = metricIds('Opened Email');
		const state = readPollState(undefined);
		await pollEvents(client, loopback.clock, state, settings([opened!]));
		for (let index = 0; index < 1200; index++)
			loopback.mock.addEvent({
				metric: 'Opened Email',
				email: `lead${index}@example.com`,
				time: at(SECOND + index * 100),
			});
		loopback.clock.advance(10 * MINUTE);
		loopback.mock.fail({ status: 429, operationId: 'get_events', retryAfterSeconds: 7 });
		const { events } = await pollEvents(client, loopback.clock, state, settings([opened!]));
		expect(events).toHaveLength(1200);
		expect(loopback.clock.sleeps.some((ms) => ms >= 7 * SECOND)).toBe(true);
	});

	it('forgets the position of a metric no longer chosen', async () => {
		const [opened, clicked] = metricIds('Opened Email', 'Clicked Email');
		const state = readPollState(undefined);
		await pollEvents(client, loopback.clock, state, settings([opened!, clicked!]));
		await pollEvents(client, loopback.clock, state, settings([clicked!]));
		expect(Object.keys(state.metrics)).toEqual([clicked]);
	});

	it('gives email null for a profile without one (a phone-only profile)', async () => {
		const [sms] = metricIds('Received SMS');
		const state = readPollState(undefined);
		await pollEvents(client, loopback.clock, state, settings([sms!]));
		loopback.mock.state.recordEvent({
			properties: {},
			time: new Date(at(SECOND)).toISOString(),
			metric: { data: { type: 'metric', attributes: { name: 'Received SMS' } } },
			profile: { data: { type: 'profile', attributes: { phone_number: '+15005550006' } } },
		});
		loopback.clock.advance(MINUTE);
		const { events } = await pollEvents(client, loopback.clock, state, settings([sms!]));
		expect(events).toEqual([
			expect.objectContaining({
				email: null,
				profile: expect.objectContaining({ phone_number: '+15005550006' }),
			}),
		]);
	});
});

describe('latestEvent', () => {
	it('returns the newest event of the chosen metrics and moves nothing', async () => {
		const [opened, ordered] = metricIds('Opened Email', 'Placed Order');
		loopback.mock.addEvent({
			metric: 'Opened Email',
			email: 'a@example.com',
			time: at(-3 * MINUTE),
		});
		loopback.mock.addEvent({
			metric: 'Placed Order',
			email: 'b@example.com',
			time: at(-2 * MINUTE),
		});
		loopback.mock.addEvent({
			metric: 'Clicked Email',
			email: 'c@example.com',
			time: at(-1 * MINUTE),
		});
		expect(await latestEvent(client, [opened!, ordered!])).toMatchObject({
			email: 'b@example.com',
			event: 'Placed Order',
		});
		expect(await latestEvent(client, metricIds('Never Happened'))).toBeUndefined();
	});
});
