/** A bad value in one item's input; `field` is the parameter an operator has to fix. */
export class InputError extends Error {
	constructor(
		readonly field: string,
		message: string,
	) {
		super(message);
		this.name = 'InputError';
	}
}

/**
 * Lead ids are trimmed and put in Unicode NFC (a macOS form sends "é" as "e" + accent, a CRM as one
 * character); emails are also lower-cased, so "Ada@Example.com " and "ada@example.com" are one lead.
 */
export function normalizeLeadId(value: unknown, field = 'leadId'): string {
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	if (typeof value !== 'string' || value.trim() === '') {
		throw new InputError(
			field,
			`The lead ID is empty. Map "Lead ID" to a field that holds the lead's email or ID.`,
		);
	}
	const trimmed = withoutNul(value.trim().normalize('NFC'), field, 'The lead ID');
	if (trimmed.length > 320)
		throw new InputError(field, 'The lead ID is longer than 320 characters.');
	return trimmed.includes('@') ? trimmed.toLowerCase() : trimmed;
}

export function requireText(value: unknown, field: string, label: string): string {
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	if (typeof value !== 'string' || value.trim() === '') {
		throw new InputError(field, `${label} is empty.`);
	}
	return withoutNul(value.trim(), field, label);
}

// A NUL character cannot be stored in PostgreSQL text; it is never part of a real id or name.
function withoutNul(text: string, field: string, label: string): string {
	if (text.includes('\u0000'))
		throw new InputError(field, `${label} contains a NUL character (\\u0000).`);
	return text;
}

export function optionalText(value: unknown, field: string, label: string): string | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	return requireText(value, field, label);
}

// Epoch numbers below this are seconds (Klaviyo and many webhooks send seconds), above it milliseconds.
const SECONDS_LIMIT = 1e11;

/** No event the package scores can be older than this: earlier times are typing or unit mistakes. */
export const EARLIEST_TIME = Date.UTC(2000, 0, 1);
export const DEFAULT_HOURS_AHEAD = 1;
const HOUR_MS = 3_600_000;

/** The times an item may carry: from 2000-01-01 to `hoursAhead` after `now`. */
export interface TimeWindow {
	now: number;
	hoursAhead: number;
}

export function timeWindow(now: number, hoursAhead: unknown = DEFAULT_HOURS_AHEAD): TimeWindow {
	if (typeof hoursAhead !== 'number' || !Number.isFinite(hoursAhead) || hoursAhead < 0) {
		throw new InputError(
			'options.eventTimeHoursAhead',
			`Event Time Allowed Ahead must be a number of hours of 0 or more, got ${JSON.stringify(hoursAhead) ?? 'nothing'}.`,
		);
	}
	return { now, hoursAhead };
}

// ISO 8601: a date, or a date and time with a zone (Z, +02:00, +0200, +02); fractions beyond
// milliseconds are dropped. Anything else (e.g. "Page 2", which Date.parse reads as 2001) is refused.
const ISO_TIME =
	/^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?([Zz]|([+-])(\d{2})(?::?(\d{2}))?))?$/;

function parseIsoTime(text: string): number {
	const parts = ISO_TIME.exec(text);
	if (!parts) return NaN;
	const [year, month, day, hour, minute, second] = parts.slice(1, 7).map((p) => Number(p ?? 0));
	const millisecond = Number((parts[7] ?? '').slice(0, 3).padEnd(3, '0'));
	const offsetMinutes =
		parts[9] === undefined
			? 0
			: (parts[9] === '-' ? -1 : 1) * (Number(parts[10]) * 60 + Number(parts[11] ?? 0));
	const local = Date.UTC(year, month - 1, day, hour, minute, second, millisecond);
	// Date.UTC rolls 2026-02-30 over to March 2nd: a field out of its range is not a date.
	const check = new Date(local);
	const valid =
		check.getUTCFullYear() === year &&
		check.getUTCMonth() === month - 1 &&
		check.getUTCDate() === day &&
		check.getUTCHours() === hour &&
		check.getUTCMinutes() === minute &&
		check.getUTCSeconds() === second &&
		Number(parts[10] ?? 0) <= 23 &&
		Number(parts[11] ?? 0) <= 59;
	return valid ? local - offsetMinutes * 60_000 : NaN;
}

function fromEpoch(number: number): number {
	return number < SECONDS_LIMIT ? number * 1000 : number;
}

/** A time for an error message, also when it is beyond what a Date can show. */
function describeTime(time: number): string {
	return Math.abs(time) <= 8.64e15 ? new Date(time).toISOString() : `${time} ms since 1970`;
}

/**
 * A time from an ISO 8601 text (a date, or a date and time with a zone), a Date, or epoch seconds
 * or milliseconds; empty means now. Outside the window (2000-01-01 to a little after now) the item
 * fails: a time in microseconds or a typo would otherwise stop decay and caps for that lead for good.
 */
export function parseEventTime(value: unknown, window: TimeWindow, field = 'eventTime'): number {
	if (value === undefined || value === null || value === '') return window.now;
	let time: number;
	if (value instanceof Date) time = value.getTime();
	else if (typeof value === 'number') time = fromEpoch(value);
	else if (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()))
		time = fromEpoch(Number(value));
	else if (typeof value === 'string') time = parseIsoTime(value.trim());
	else if (
		typeof value === 'object' &&
		typeof (value as { toMillis?: unknown }).toMillis === 'function'
	) {
		time = (value as { toMillis: () => number }).toMillis();
	} else time = NaN;
	const shown = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
	if (!Number.isFinite(time)) {
		throw new InputError(
			field,
			`"${shown.slice(0, 100)}" is not a time. Use ISO 8601 with a time zone (2026-11-23T07:00:00Z), a date (2026-11-23), or epoch seconds or milliseconds.`,
		);
	}
	const latest = window.now + window.hoursAhead * HOUR_MS;
	if (time < EARLIEST_TIME || time > latest) {
		throw new InputError(
			field,
			`"${shown.slice(0, 100)}" reads as ${describeTime(time)}, outside the accepted range from 2000-01-01 to ${window.hoursAhead} hour(s) after now (${describeTime(latest)}). Epoch times must be in seconds or milliseconds, not microseconds; the option "Event Time Allowed Ahead" widens the future side.`,
		);
	}
	return Math.round(time);
}

export function parseNumber(value: unknown, field: string, label: string): number {
	const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	if (typeof number !== 'number' || !Number.isFinite(number)) {
		throw new InputError(
			field,
			`${label} must be a number, got ${JSON.stringify(value) ?? 'nothing'}.`,
		);
	}
	return number;
}

/** A profile for fit rules: an object, its JSON text, or empty (no profile, fit is kept). */
export function parseProfile(
	value: unknown,
	field = 'profile',
): Record<string, unknown> | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	let parsed = value;
	if (typeof value === 'string') {
		try {
			parsed = JSON.parse(value);
		} catch {
			throw new InputError(
				field,
				'The profile is not an object or valid JSON; map an object such as {{ $json.profile }}.',
			);
		}
	}
	if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
		throw new InputError(field, 'The profile must be an object, e.g. {{ $json.profile }}.');
	}
	return Object.keys(parsed).length > 0 ? (parsed as Record<string, unknown>) : undefined;
}
