/**
 * The Klaviyo Trigger's poll: the events of the chosen metrics since the last poll, each once.
 *
 * Position, per metric, in a plain JSON object the caller keeps (n8n's workflow static data):
 * - `since`: the newest event time emitted (seconds). The next poll asks for events from
 *   `since - lateWindow` on, because Klaviyo files some events late: it processes a 202-accepted
 *   event asynchronously, and integrations send events with their own (earlier) time.
 * - `seen`: the ids of events emitted in that window. Asking from an earlier time repeats
 *   events; their ids drop them, including events with the same second as `since`.
 * - `floor`: never emit events older than this (the first activation, or the backfill start).
 * - `next`: the next page link when a poll stopped early (item cap or time budget); the next
 *   poll goes on from there without reading again what it already read.
 */
import type { Clock } from '../http/clock';
import type { JsonObject } from '../http/jsonValues';

import {
	type EventProfile,
	type FeedEvent,
	MAX_EVENT_PAGE_SIZE,
	eventsPath,
	getEventsPage,
	getProfile,
} from './eventFeed';
import type { KlaviyoClient } from './klaviyoClient';

export interface MetricPosition {
	floor: number;
	since: number;
	seen: Record<string, number>;
	next?: string;
}

export interface PollState {
	metrics: Record<string, MetricPosition>;
}

export interface PollSettings {
	metricIds: string[];
	/** Days of past events the first poll of a metric emits (0: from now on). */
	backfillDays: number;
	/** How late an event may be filed and still be caught (seconds). */
	lateWindowSeconds: number;
	/** Once this many events are collected, each metric stops after its current page (every metric reads its first); the rest waits for the next poll. */
	maxEvents: number;
	/** Stop reading pages after this long (ms), e.g. n8n's poll budget. */
	budgetMs: number;
	pageSize?: number;
}

/** One item of the trigger: what Score Event reads by default (`email`, `event`), and more. */
export interface TriggeredEvent {
	email: string | null;
	event: string;
	eventId: string;
	time: string;
	properties: JsonObject;
	profile: EventProfile | null;
}

export interface PollResult {
	events: TriggeredEvent[];
	/** Whether some metric stopped early and has more to read at once. */
	more: boolean;
	requests: number;
}

/** A fresh object for n8n's static data: reads what is there and fixes up what is not. */
export function readPollState(raw: unknown): PollState {
	const metrics = (raw as { metrics?: unknown } | undefined)?.metrics;
	// A copy (n8n hands a watched object): the poll changes it, and writes it back only on success.
	return {
		metrics:
			metrics && typeof metrics === 'object'
				? (JSON.parse(JSON.stringify(metrics)) as Record<string, MetricPosition>)
				: {},
	};
}

/** Looks up each profile once per poll: included with the events, or fetched on its own. */
class ProfileCache {
	private readonly profiles = new Map<string, EventProfile | null>();
	requests = 0;

	constructor(private readonly client: KlaviyoClient) {}

	remember(profiles: Map<string, EventProfile>): void {
		for (const [id, profile] of profiles) this.profiles.set(id, profile);
	}

	async get(profileId: string | null): Promise<EventProfile | null> {
		if (profileId === null) return null;
		if (!this.profiles.has(profileId)) {
			this.requests += 1;
			this.profiles.set(profileId, (await getProfile(this.client, profileId)) ?? null);
		}
		return this.profiles.get(profileId) ?? null;
	}
}

function triggeredEvent(
	event: FeedEvent,
	metricName: string,
	profile: EventProfile | null,
): TriggeredEvent {
	return {
		email: profile?.email ?? null,
		event: metricName,
		eventId: event.id,
		time: event.datetime,
		properties: event.properties,
		profile,
	};
}

/**
 * Reads the new events of every metric in `settings.metricIds`, oldest first per metric, and
 * moves `state` on past them. The caller saves `state` only with the events it hands on, so a
 * crash before that repeats the same events rather than losing them.
 */
export async function pollEvents(
	client: KlaviyoClient,
	clock: Clock,
	state: PollState,
	settings: PollSettings,
): Promise<PollResult> {
	const started = clock.now();
	const nowSeconds = Math.floor(started / 1000);
	const pageSize = settings.pageSize ?? MAX_EVENT_PAGE_SIZE;
	const profiles = new ProfileCache(client);
	const collected: Array<{ event: TriggeredEvent; timestamp: number }> = [];
	let requests = 0;
	let more = false;

	for (const metricId of Object.keys(state.metrics)) {
		if (!settings.metricIds.includes(metricId)) delete state.metrics[metricId];
	}
	for (const metricId of settings.metricIds) {
		let position = state.metrics[metricId];
		if (!position) {
			const floor = nowSeconds - Math.max(0, settings.backfillDays) * 86_400;
			// Read even when starting from now: a refused key or scope shows on activation, not later.
			position = { floor, since: floor, seen: {} };
			state.metrics[metricId] = position;
		}
		const from = Math.max(position.floor, position.since - settings.lateWindowSeconds);
		let path: string | undefined = position.next ?? eventsPath({ metricId, from, pageSize });
		let resumed = position.next !== undefined;
		delete position.next;
		while (path) {
			let page;
			try {
				page = await getEventsPage(client, path);
			} catch (error) {
				// A stored page link can expire; the time and the ids seen rebuild the same query.
				if (!resumed || (error as { status?: number }).status !== 400) throw error;
				resumed = false;
				path = eventsPath({ metricId, from, pageSize });
				continue;
			}
			requests += 1;
			resumed = false;
			profiles.remember(page.profiles);
			for (const event of page.events) {
				if (event.timestamp < position.floor || position.seen[event.id] !== undefined) continue;
				position.seen[event.id] = event.timestamp;
				position.since = Math.max(position.since, event.timestamp);
				const name = page.metricNames.get(event.metricId ?? metricId) ?? metricId;
				collected.push({
					event: triggeredEvent(event, name, await profiles.get(event.profileId)),
					timestamp: event.timestamp,
				});
			}
			path = page.next;
			if (
				path &&
				(collected.length >= settings.maxEvents || clock.now() - started >= settings.budgetMs)
			) {
				position.next = path;
				more = true;
				break;
			}
		}
		const keepFrom = position.since - settings.lateWindowSeconds;
		for (const [id, timestamp] of Object.entries(position.seen))
			if (timestamp < keepFrom) delete position.seen[id];
	}
	// Oldest first across metrics, so scores build up in the order things happened.
	collected.sort((a, b) => a.timestamp - b.timestamp);
	return {
		events: collected.map((entry) => entry.event),
		more,
		requests: requests + profiles.requests,
	};
}

/** The newest event of any of the metrics, for the editor's "Fetch Test Event"; moves nothing. */
export async function latestEvent(
	client: KlaviyoClient,
	metricIds: string[],
): Promise<TriggeredEvent | undefined> {
	let newest:
		| { event: FeedEvent; name: string; page: { profiles: Map<string, EventProfile> } }
		| undefined;
	for (const metricId of metricIds) {
		const page = await getEventsPage(
			client,
			eventsPath({ metricId, newestFirst: true, pageSize: 1 }),
		);
		const [event] = page.events;
		if (event && (!newest || event.timestamp > newest.event.timestamp)) {
			newest = { event, name: page.metricNames.get(metricId) ?? metricId, page };
		}
	}
	if (!newest) return undefined;
	const profiles = new ProfileCache(client);
	profiles.remember(newest.page.profiles);
	return triggeredEvent(newest.event, newest.name, await profiles.get(newest.event.profileId));
}
