/**
 * Events in bulk through POST /api/event-bulk-create-jobs, the pure parts: up to 1,000 events and
 * 5 MB a request, instead of one POST /api/events each. Klaviyo answers 202 with no job to poll,
 * or refuses the whole request with one error per bad entry, which {@link rejectedEntries} reads.
 */
import type { KlaviyoApiError } from './errors';
import type { EventInput } from './inputs';
import { eventBody } from './payloads';

export const MAX_EVENTS_PER_BULK_REQUEST = 1000;
export const MAX_BULK_REQUEST_BYTES = 5 * 1024 * 1024;

/** One `event-bulk-create` entry: the event's profile and the event itself, as POST /api/events has them. */
export function bulkEventEntry(input: EventInput) {
	const { profile, ...event } = eventBody(input).data.attributes;
	return {
		type: 'event-bulk-create',
		attributes: { profile, events: { data: [{ type: 'event', attributes: event }] } },
	};
}

export function bulkCreateEventsBody(entries: Array<ReturnType<typeof bulkEventEntry>>) {
	return {
		data: {
			type: 'event-bulk-create-job',
			attributes: { 'events-bulk-create': { data: entries } },
		},
	};
}

const ENTRY_POINTER = /^\/data\/attributes\/events-bulk-create\/data\/(\d+)(\/|$)/;

/**
 * Which entries of a refused request each error names, by position; undefined when an error
 * names no entry (the request as a whole was refused), so that nothing is sent again blindly.
 */
export function rejectedEntries(
	error: KlaviyoApiError,
	entryCount: number,
): Map<number, KlaviyoApiError> | undefined {
	if (error.status !== 400) return undefined;
	const rejected = new Map<number, KlaviyoApiError>();
	for (const entryError of error.errors) {
		const match = ENTRY_POINTER.exec(entryError.pointer ?? '');
		const position = match ? Number(match[1]) : -1;
		if (position < 0 || position >= entryCount) return undefined;
		if (!rejected.has(position)) rejected.set(position, entryError);
	}
	return rejected.size > 0 ? rejected : undefined;
}
