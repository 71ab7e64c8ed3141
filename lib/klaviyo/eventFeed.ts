/**
 * Reading events back out of Klaviyo: the account's metrics, and pages of events of one metric
 * with their profiles and metric (GET /api/metrics, GET /api/events, GET /api/profiles/{id}).
 */
import type { JsonObject } from '../http/jsonValues';
import { PROFILE_ATTRIBUTES } from './inputs';
import { type KlaviyoClient, pathOfLink } from './klaviyoClient';

export interface Metric {
	id: string;
	name: string;
	/** Where the metric comes from, e.g. "Klaviyo" or "Shopify"; null for API-created metrics. */
	integration: string | null;
}

/** The profile fields an event's item carries, so fit rules can read e.g. `profile.title`. */
export interface EventProfile {
	id: string;
	email: string | null;
	phone_number: string | null;
	external_id: string | null;
	first_name: string | null;
	last_name: string | null;
	organization: string | null;
	title: string | null;
	locale: string | null;
	location: JsonObject | null;
	properties: JsonObject;
}

export interface FeedEvent {
	id: string;
	metricId: string | null;
	/** Whole seconds since the epoch: Klaviyo keeps event times to the second. */
	timestamp: number;
	/** ISO 8601 as Klaviyo gives it. */
	datetime: string;
	properties: JsonObject;
	profileId: string | null;
}

export interface EventPage {
	events: FeedEvent[];
	profiles: Map<string, EventProfile>;
	metricNames: Map<string, string>;
	/** Path and query of the next page, when there is one. */
	next?: string;
}

/** The largest page GET /api/events takes (`page[size]` maximum in the spec). */
export const MAX_EVENT_PAGE_SIZE = 1000;

/** The profile fields the trigger reads: the standard attributes, where the profile is, and its custom properties. */
const PROFILE_FIELDS = [...PROFILE_ATTRIBUTES, 'location', 'properties'];

interface Resource {
	type?: unknown;
	id?: unknown;
	attributes?: Record<string, unknown> | null;
	relationships?: Record<string, { data?: { id?: unknown } | null } | undefined>;
}

interface Collection {
	data?: Resource[];
	included?: Resource[];
	links?: { next?: string | null };
}

/** Datetimes go unquoted into filters, to the second (Klaviyo's precision). */
export function filterDatetime(epochSeconds: number): string {
	return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function query(parameters: Record<string, string>): string {
	return Object.entries(parameters)
		.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
		.join('&');
}

/** The first page of one metric's events from a time on, oldest first (or newest first). */
export function eventsPath(options: {
	metricId: string;
	from?: number;
	newestFirst?: boolean;
	pageSize: number;
}): string {
	const conditions = [`equals(metric_id,"${options.metricId.replace(/"/g, '\\"')}")`];
	if (options.from !== undefined)
		conditions.push(`greater-or-equal(datetime,${filterDatetime(options.from)})`);
	return `/api/events?${query({
		filter: conditions.length === 1 ? conditions[0]! : `and(${conditions.join(',')})`,
		sort: options.newestFirst ? '-datetime' : 'datetime',
		include: 'profile,metric',
		'fields[profile]': PROFILE_FIELDS.join(','),
		'fields[metric]': 'name',
		'page[size]': String(Math.min(MAX_EVENT_PAGE_SIZE, Math.max(1, options.pageSize))),
	})}`;
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const object = (value: unknown): JsonObject | null =>
	value && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : null;

function profileFrom(resource: Resource): EventProfile {
	const attributes = resource.attributes ?? {};
	return {
		id: String(resource.id),
		email: text(attributes.email),
		phone_number: text(attributes.phone_number),
		external_id: text(attributes.external_id),
		first_name: text(attributes.first_name),
		last_name: text(attributes.last_name),
		organization: text(attributes.organization),
		title: text(attributes.title),
		locale: text(attributes.locale),
		location: object(attributes.location),
		properties: object(attributes.properties) ?? {},
	};
}

function eventFrom(resource: Resource): FeedEvent | undefined {
	const attributes = resource.attributes ?? {};
	const datetime = text(attributes.datetime);
	const parsed = datetime === null ? Number.NaN : Date.parse(datetime);
	const timestamp =
		typeof attributes.timestamp === 'number' ? attributes.timestamp : Math.floor(parsed / 1000);
	if (typeof resource.id !== 'string' || !Number.isFinite(timestamp)) return undefined;
	return {
		id: resource.id,
		metricId: text(resource.relationships?.metric?.data?.id),
		timestamp,
		datetime: datetime ?? new Date(timestamp * 1000).toISOString(),
		properties: object(attributes.event_properties) ?? {},
		profileId: text(resource.relationships?.profile?.data?.id),
	};
}

export async function getEventsPage(client: KlaviyoClient, path: string): Promise<EventPage> {
	const response = await client.send('getEvents', { method: 'GET', url: path });
	const body = (response.body ?? {}) as Collection;
	const page: EventPage = { events: [], profiles: new Map(), metricNames: new Map() };
	for (const resource of body.included ?? []) {
		if (resource.type === 'profile' && typeof resource.id === 'string')
			page.profiles.set(resource.id, profileFrom(resource));
		if (resource.type === 'metric' && typeof resource.id === 'string') {
			const name = text(resource.attributes?.name);
			if (name) page.metricNames.set(resource.id, name);
		}
	}
	for (const resource of body.data ?? []) {
		const event = eventFrom(resource);
		if (event) page.events.push(event);
	}
	if (body.links?.next) page.next = pathOfLink(body.links.next);
	return page;
}

/** GET /api/profiles/{id}: for an event whose profile did not come included. Undefined when it is gone. */
export async function getProfile(
	client: KlaviyoClient,
	profileId: string,
): Promise<EventProfile | undefined> {
	try {
		const path = `/api/profiles/${encodeURIComponent(profileId)}?${query({ 'fields[profile]': PROFILE_FIELDS.join(',') })}`;
		const response = await client.send('getProfile', { method: 'GET', url: path });
		const data = (response.body as { data?: Resource } | undefined)?.data;
		return data && typeof data.id === 'string' ? profileFrom(data) : undefined;
	} catch (error) {
		if ((error as { status?: number }).status === 404) return undefined;
		throw error;
	}
}

/** Every metric of the account, by name. */
export async function listMetrics(client: KlaviyoClient): Promise<Metric[]> {
	const metrics: Metric[] = [];
	let path: string | undefined = `/api/metrics?${query({ 'fields[metric]': 'name,integration' })}`;
	while (path) {
		const response = await client.send('getMetrics', { method: 'GET', url: path });
		const body = (response.body ?? {}) as Collection;
		for (const resource of body.data ?? []) {
			if (typeof resource.id !== 'string') continue;
			const integration = object(resource.attributes?.integration);
			metrics.push({
				id: resource.id,
				name: text(resource.attributes?.name) ?? resource.id,
				integration: text(integration?.name),
			});
		}
		path = body.links?.next ? pathOfLink(body.links.next) : undefined;
	}
	return metrics.sort((a, b) => a.name.localeCompare(b.name));
}
