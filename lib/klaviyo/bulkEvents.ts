/**
 * Events in bulk through POST /api/event-bulk-create-jobs: up to 1,000 events and 5 MB a
 * request, instead of one POST /api/events each. Klaviyo answers 202 with no job to poll, or
 * refuses the whole request with one error per bad entry; those entries fail their items and
 * the rest are sent again, so one bad item never holds back the others.
 */
import { planJobs } from './bulkImport';
import { KlaviyoApiError } from './errors';
import type { EventInput } from './inputs';
import type { EventResult, KlaviyoClient, Outcome } from './klaviyoClient';
import { eventBody } from './payloads';

export const MAX_EVENTS_PER_BULK_REQUEST = 1000;
export const MAX_BULK_REQUEST_BYTES = 5 * 1024 * 1024;

/** One `event-bulk-create` entry: the event's profile and the event itself, as POST /api/events has them. */
export function bulkEventEntry(input: EventInput) {
	const { profile, ...event } = eventBody(input).data.attributes;
	return { type: 'event-bulk-create', attributes: { profile, events: { data: [{ type: 'event', attributes: event }] } } };
}

export function bulkCreateEventsBody(entries: Array<ReturnType<typeof bulkEventEntry>>) {
	return { data: { type: 'event-bulk-create-job', attributes: { 'events-bulk-create': { data: entries } } } };
}

const ENTRY_POINTER = /^\/data\/attributes\/events-bulk-create\/data\/(\d+)(\/|$)/;

/**
 * Which entries of a refused request each error names, by position; undefined when an error
 * names no entry (the request as a whole was refused), so that nothing is sent again blindly.
 */
export function rejectedEntries(error: KlaviyoApiError, entryCount: number): Map<number, KlaviyoApiError> | undefined {
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

function accepted(input: EventInput): Outcome<EventResult> {
	return { state: 'done', result: { profileId: null, created: null, status: 'accepted', uniqueId: input.uniqueId ?? null } };
}

export async function createEventsInBulk(client: KlaviyoClient, inputs: EventInput[]): Promise<Array<Outcome<EventResult>>> {
	const entries = inputs.map(bulkEventEntry);
	const outcomes: Array<Outcome<EventResult>> = inputs.map(() => ({ state: 'skipped' }));
	for (const [start, end] of planJobs(entries, MAX_EVENTS_PER_BULK_REQUEST, MAX_BULK_REQUEST_BYTES)) {
		let pending = Array.from({ length: end - start }, (_, offset) => start + offset);
		// Each round either succeeds or drops at least one rejected entry, so this ends.
		while (pending.length > 0) {
			try {
				const body = bulkCreateEventsBody(pending.map((index) => entries[index]!));
				await client.send('bulkCreateEvents', { method: 'POST', path: '/api/event-bulk-create-jobs', body });
				for (const index of pending) outcomes[index] = accepted(inputs[index]!);
				break;
			} catch (error) {
				if (!(error instanceof KlaviyoApiError)) throw error;
				const rejected = rejectedEntries(error, pending.length);
				if (!rejected) {
					for (const index of pending) outcomes[index] = { state: 'failed', error };
					break;
				}
				for (const [position, entryError] of rejected) outcomes[pending[position]!] = { state: 'failed', error: entryError };
				pending = pending.filter((_, position) => !rejected.has(position));
			}
		}
	}
	return outcomes;
}
