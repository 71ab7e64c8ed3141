/**
 * The mock's read side for events and metrics: GET /api/events (Klaviyo's filter syntax,
 * sort, sparse fieldsets, `include=profile,metric`, keyset `page[cursor]`) and GET /api/metrics.
 */
import {
	type KlaviyoState,
	type MockError,
	type StoredEvent,
	type StoredProfile,
} from './klaviyoState';

export interface Condition {
	operator: string;
	field: string;
	value: string | number;
}

/** Fields and operators GET /api/events allows (the spec's filter description). */
const EVENT_FILTERS: Record<string, string[]> = {
	metric_id: ['equals'],
	profile_id: ['equals'],
	datetime: ['greater-or-equal', 'greater-than', 'less-or-equal', 'less-than'],
	timestamp: ['greater-or-equal', 'greater-than', 'less-or-equal', 'less-than'],
};

const invalidFilter = (detail: string): MockError => ({
	status: 400,
	code: 'invalid',
	title: 'Invalid input.',
	detail,
	parameter: 'filter',
});

/** Splits `a(b,c),d` at the top-level commas. */
function splitTopLevel(text: string): string[] | undefined {
	const parts: string[] = [];
	let depth = 0;
	let quote: string | undefined;
	let start = 0;
	for (let index = 0; index < text.length; index++) {
		const char = text[index]!;
		if (quote) {
			if (char === quote) quote = undefined;
			continue;
		}
		if (char === '"' || char === "'") quote = char;
		else if (char === '(') depth += 1;
		else if (char === ')') depth -= 1;
		else if (char === ',' && depth === 0) {
			parts.push(text.slice(start, index).trim());
			start = index + 1;
		}
		if (depth < 0) return undefined;
	}
	if (depth !== 0 || quote) return undefined;
	parts.push(text.slice(start).trim());
	return parts;
}

/**
 * Parses Klaviyo's filter syntax as GET /api/events takes it: `and(...)` or a comma-separated
 * list of conditions; strings quoted, datetimes unquoted (a quoted datetime is refused, as by Klaviyo).
 */
export function parseEventFilter(text: string): Condition[] | MockError {
	const parts = splitTopLevel(text);
	if (!parts) return invalidFilter('Invalid filter provided. Verify your parentheses match.');
	const conditions: Condition[] = [];
	for (const part of parts) {
		const call = /^([a-z-]+)\(([\s\S]*)\)$/.exec(part);
		if (!call) return invalidFilter(`Invalid filter provided: ${part}`);
		const [, operator, inside] = call as unknown as [string, string, string];
		if (operator === 'and') {
			const nested = parseEventFilter(inside);
			if (!Array.isArray(nested)) return nested;
			conditions.push(...nested);
			continue;
		}
		const args = splitTopLevel(inside);
		if (!args || args.length !== 2) return invalidFilter(`Invalid filter provided: ${part}`);
		const [field, raw] = args as [string, string];
		if (!EVENT_FILTERS[field]?.includes(operator)) {
			return invalidFilter(
				`'${operator}' operator for filter on field '${field}' is not supported.`,
			);
		}
		const quoted = /^(["'])([\s\S]*)\1$/.exec(raw);
		if (field === 'datetime') {
			const time = Date.parse(raw);
			if (quoted || !Number.isFinite(time))
				return invalidFilter(`Invalid datetime in filter: ${raw}`);
			conditions.push({ operator, field: 'timestamp', value: time / 1000 });
		} else if (field === 'timestamp') {
			if (!/^\d+$/.test(raw)) return invalidFilter(`Invalid timestamp in filter: ${raw}`);
			conditions.push({ operator, field, value: Number(raw) });
		} else {
			if (!quoted) return invalidFilter(`Invalid filter provided: ${raw} must be quoted`);
			conditions.push({ operator, field, value: quoted[2]! });
		}
	}
	return conditions;
}

function matches(event: StoredEvent, condition: Condition): boolean {
	const actual =
		condition.field === 'metric_id'
			? event.metricId
			: condition.field === 'profile_id'
				? event.profileId
				: event.timestamp;
	switch (condition.operator) {
		case 'equals':
			return actual === condition.value;
		case 'greater-than':
			return actual > condition.value;
		case 'greater-or-equal':
			return actual >= condition.value;
		case 'less-than':
			return actual < condition.value;
		default:
			return actual <= condition.value;
	}
}

interface PageCursor {
	timestamp: number;
	id: string;
}

const encodeCursor = (cursor: PageCursor) =>
	Buffer.from(JSON.stringify(cursor)).toString('base64url');

function decodeCursor(text: string): PageCursor | undefined {
	try {
		const cursor = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as PageCursor;
		return typeof cursor.timestamp === 'number' && typeof cursor.id === 'string'
			? cursor
			: undefined;
	} catch {
		return undefined;
	}
}

/** Klaviyo writes event datetimes with an offset, e.g. 2022-11-08T01:23:45+00:00. */
const klaviyoDatetime = (timestamp: number) =>
	new Date(timestamp * 1000).toISOString().replace(/\.\d{3}Z$/, '+00:00');

function sparse(
	attributes: Record<string, unknown>,
	fields: string | null,
): Record<string, unknown> {
	if (!fields) return attributes;
	const wanted = fields.split(',');
	return Object.fromEntries(Object.entries(attributes).filter(([name]) => wanted.includes(name)));
}

function nextLink(url: URL, cursor: string): string {
	const next = new URL(url.toString());
	next.searchParams.set('page[cursor]', cursor);
	return next.toString();
}

export interface ReadContext {
	state: KlaviyoState;
	baseUrl: string;
	profileResource: (profile: StoredProfile) => {
		type: string;
		id: string;
		attributes: Record<string, unknown>;
		links: unknown;
		relationships?: unknown;
	};
}

/** GET /api/events: one page, in `sort` order with the event id breaking ties, after the cursor's event. */
export function eventsPage(context: ReadContext, url: URL): { body: unknown } | MockError {
	const { state, baseUrl } = context;
	const filter = url.searchParams.get('filter');
	const conditions = filter ? parseEventFilter(filter) : [];
	if (!Array.isArray(conditions)) return conditions;
	const descending = (url.searchParams.get('sort') ?? 'datetime').startsWith('-');
	const size = Number(url.searchParams.get('page[size]') ?? 200);
	const cursorText = url.searchParams.get('page[cursor]');
	const cursor = cursorText === null ? undefined : decodeCursor(cursorText);
	if (cursorText !== null && !cursor) {
		return {
			status: 400,
			code: 'invalid',
			title: 'Invalid input.',
			detail: 'Invalid page cursor.',
			parameter: 'page[cursor]',
		};
	}
	const direction = descending ? -1 : 1;
	const compare = (a: PageCursor, b: PageCursor) =>
		direction * (a.timestamp - b.timestamp || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
	const selected = state.events
		.filter((event) => conditions.every((condition) => matches(event, condition)))
		.filter((event) => !cursor || compare(event, cursor) > 0)
		.sort(compare);
	const page = selected.slice(0, size);
	const include = (url.searchParams.get('include') ?? '').split(',').filter(Boolean);
	const included: unknown[] = [];
	if (include.includes('profile')) {
		for (const id of new Set(page.map((event) => event.profileId))) {
			const profile = state.profiles.get(id);
			if (!profile) continue;
			const resource = context.profileResource(profile);
			included.push({
				...resource,
				attributes: sparse(resource.attributes, url.searchParams.get('fields[profile]')),
			});
		}
	}
	if (include.includes('metric')) {
		for (const id of new Set(page.map((event) => event.metricId))) {
			const metric = state.metrics.get(id);
			if (metric)
				included.push(metricResource(metric, baseUrl, url.searchParams.get('fields[metric]')));
		}
	}
	const last = page.at(-1);
	return {
		body: {
			data: page.map((event) => {
				const self = `${baseUrl}/api/events/${event.id}/`;
				return {
					type: 'event',
					id: event.id,
					attributes: sparse(
						{
							timestamp: event.timestamp,
							event_properties: event.properties,
							datetime: klaviyoDatetime(event.timestamp),
							uuid: event.id,
						},
						url.searchParams.get('fields[event]'),
					),
					relationships: {
						profile: {
							data: { type: 'profile', id: event.profileId },
							links: { self: `${self}relationships/profile/`, related: `${self}profile/` },
						},
						metric: {
							data: { type: 'metric', id: event.metricId },
							links: { self: `${self}relationships/metric/`, related: `${self}metric/` },
						},
					},
					links: { self },
				};
			}),
			links: {
				self: url.toString(),
				...(last && selected.length > page.length
					? { next: nextLink(url, encodeCursor(last)) }
					: {}),
			},
			...(include.length > 0 ? { included } : {}),
		},
	};
}

function metricResource(
	metric: { id: string; name: string; integration: string | null; created: string },
	baseUrl: string,
	fields: string | null,
) {
	return {
		type: 'metric',
		id: metric.id,
		attributes: sparse(
			{
				name: metric.name,
				created: metric.created,
				updated: metric.created,
				integration:
					metric.integration === null
						? null
						: {
								object: 'integration',
								id: metric.integration.toLowerCase(),
								name: metric.integration,
								category: 'eCommerce',
							},
			},
			fields,
		),
		links: { self: `${baseUrl}/api/metrics/${metric.id}/` },
	};
}

/** GET /api/metrics: up to 200 a page, by creation. */
export function metricsPage(context: ReadContext, url: URL): { body: unknown } {
	const metrics = [...context.state.metrics.values()];
	const offset = Number(
		Buffer.from(url.searchParams.get('page[cursor]') ?? '', 'base64url').toString() || 0,
	);
	const page = metrics.slice(offset, offset + 200);
	const more = offset + page.length < metrics.length;
	return {
		body: {
			data: page.map((metric) =>
				metricResource(metric, context.baseUrl, url.searchParams.get('fields[metric]')),
			),
			links: {
				self: url.toString(),
				...(more
					? { next: nextLink(url, Buffer.from(String(offset + page.length)).toString('base64url')) }
					: {}),
			},
		},
	};
}
