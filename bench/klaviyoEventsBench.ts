/**
 * Klaviyo events in and out, against the loopback Klaviyo with the spec's rate limits, on a
 * simulated clock (the waits the limits force are counted, not sat through):
 * - the Klaviyo Trigger catching up on 100,000 events of three metrics (a 7-day backfill, or
 *   an outage), in one poll and with the default cap of 10,000 events a poll;
 * - creating 10,000 events one request each versus in bulk requests.
 */
import {
	type EventInput,
	KlaviyoClient,
	checkEventInput,
	pollEvents,
	readPollState,
} from '../lib/klaviyo';
import { axiosTransport, klaviyoCredentialHeaders } from '../sandbox/httpTransport';
import { virtualClock } from '../sandbox/virtualClock';
import { startKlaviyoMock } from '../sandbox/klaviyo/klaviyoMock';
import type { BenchSection } from './section';

const POLLED_EVENTS = 100_000;
const CREATED_EVENTS = 10_000;
const METRICS = ['Opened Email', 'Clicked Email', 'Placed Order'];
const DAY = 86_400_000;

function duration(ms: number): string {
	return ms >= 60_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 1000).toFixed(1)} s`;
}

/** The loopback Klaviyo and a client for it on a virtual clock: waits take no real time. */
async function klaviyoOnVirtualClock() {
	const clock = virtualClock();
	const mock = await startKlaviyoMock({ now: clock.now });
	const client = new KlaviyoClient({
		transport: clock.track(axiosTransport(mock.baseUrl, klaviyoCredentialHeaders(mock.apiKey))),
		clock,
	});
	return { clock, mock, client };
}

async function pollBacklog(maxEvents: number) {
	const { clock, mock, client } = await klaviyoOnVirtualClock();
	try {
		const metricIds = METRICS.map((name) => mock.state.metricNamed(name).id);
		const start = clock.now() - 7 * DAY;
		for (let index = 0; index < POLLED_EVENTS; index++) {
			mock.addEvent({
				metric: METRICS[index % METRICS.length]!,
				email: `lead${index % 5000}@example.com`,
				time: start + Math.floor((index * 7 * DAY) / POLLED_EVENTS),
				properties: { n: index },
			});
		}
		const settings = {
			metricIds,
			backfillDays: 8,
			lateWindowSeconds: 600,
			maxEvents,
			budgetMs: 4 * 60_000,
		};
		const before = mock.calls();
		const startedAt = clock.now();
		const realStart = performance.now();
		const seen = new Set<string>();
		// What n8n saves with the emitted events (JSON) is what the next poll starts from.
		let saved: unknown;
		let emitted = 0;
		let polls = 0;
		for (let more = true; more; polls++) {
			const state = readPollState(saved);
			const result = await pollEvents(client, clock, state, settings);
			saved = JSON.parse(JSON.stringify(state));
			emitted += result.events.length;
			for (const event of result.events) seen.add(event.eventId);
			more = result.more;
		}
		if (mock.problems.length > 0)
			throw new Error(`requests the spec rejects: ${mock.problems.slice(0, 3).join('; ')}`);
		return {
			calls: mock.calls() - before,
			polls,
			emitted,
			unique: seen.size,
			throttled: mock.throttled,
			simulatedMs: clock.now() - startedAt,
			realMs: performance.now() - realStart,
		};
	} finally {
		await mock.close();
	}
}

function events(): EventInput[] {
	return Array.from({ length: CREATED_EVENTS }, (_, index) => {
		const checked = checkEventInput({
			identifierKind: 'email',
			identifierValue: `lead${index}@example.com`,
			metric: 'Lead Score Changed',
			properties: { Lead_Score: index % 101 },
			time: new Date(Date.UTC(2026, 10, 23, 5) + index * 1000).toISOString(),
		});
		if (!checked.ok) throw new Error(`bench event ${index} is invalid`);
		return checked.value;
	});
}

async function createEvents(bulkThreshold: number) {
	const { clock, mock, client } = await klaviyoOnVirtualClock();
	try {
		const startedAt = clock.now();
		const realStart = performance.now();
		const outcomes = await client.createEvents(events(), { concurrency: 10, bulkThreshold });
		if (mock.problems.length > 0)
			throw new Error(`requests the spec rejects: ${mock.problems.slice(0, 3).join('; ')}`);
		return {
			calls: mock.calls(),
			recorded: mock.state.events.length,
			failed: outcomes.filter((outcome) => !outcome?.ok).length,
			throttled: mock.throttled,
			simulatedMs: clock.now() - startedAt,
			realMs: performance.now() - realStart,
		};
	} finally {
		await mock.close();
	}
}

export default async function klaviyoEventsBench(): Promise<BenchSection> {
	const onePoll = await pollBacklog(Number.MAX_SAFE_INTEGER);
	const capped = await pollBacklog(10_000);
	const perEvent = await createEvents(0);
	const bulk = await createEvents(100);
	const pollLine = (name: string, run: Awaited<ReturnType<typeof pollBacklog>>) =>
		`${name}: ${run.calls} API calls in ${run.polls} poll(s) (target <= 110), ${run.emitted.toLocaleString('en-US')} events emitted, ` +
		`${run.unique.toLocaleString('en-US')} distinct; ${duration(run.simulatedMs)} at Klaviyo's limits (${duration(run.realMs)} real on loopback), 429s ${run.throttled}`;
	const createLine = (name: string, run: Awaited<ReturnType<typeof createEvents>>) =>
		`${name}: ${run.calls.toLocaleString('en-US')} API calls, ${run.recorded.toLocaleString('en-US')} recorded, failed ${run.failed}; ` +
		`${duration(run.simulatedMs)} at Klaviyo's limits (${duration(run.realMs)} real on loopback), 429s ${run.throttled}`;
	return {
		title: `Klaviyo events: the trigger polling ${POLLED_EVENTS.toLocaleString('en-US')} events, and creating ${CREATED_EVENTS.toLocaleString('en-US')} (spec rate limits, simulated clock)`,
		lines: [
			pollLine(
				'Klaviyo Trigger, one poll (no cap; pages of 1,000 with profiles and metric included)',
				onePoll,
			),
			pollLine('Klaviyo Trigger, default cap of 10,000 events a poll', capped),
			createLine('Create Event per item (POST /api/events, concurrency 10)', perEvent),
			createLine('Create Event in bulk (POST /api/event-bulk-create-jobs, 1,000 a request)', bulk),
			`bulk / per item: ${((100 * bulk.calls) / perEvent.calls).toFixed(2)}% of the API calls (target <= 1%)`,
		],
	};
}
