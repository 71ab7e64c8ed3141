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

/** Lead ids are trimmed; emails are also lower-cased, so "Ada@Example.com " and "ada@example.com" are one lead. */
export function normalizeLeadId(value: unknown, field = 'leadId'): string {
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	if (typeof value !== 'string' || value.trim() === '') {
		throw new InputError(
			field,
			`The lead ID is empty. Map "Lead ID" to a field that holds the lead's email or ID.`,
		);
	}
	const trimmed = withoutNul(value.trim(), field, 'The lead ID');
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

/** Event time from an ISO date, a Date, or epoch seconds or milliseconds; empty means `now`. */
export function parseEventTime(value: unknown, now: number, field = 'eventTime'): number {
	if (value === undefined || value === null || value === '') return now;
	let time: number;
	if (value instanceof Date) time = value.getTime();
	else if (typeof value === 'number') time = value < SECONDS_LIMIT ? value * 1000 : value;
	else if (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim())) {
		const number = Number(value);
		time = number < SECONDS_LIMIT ? number * 1000 : number;
	} else if (typeof value === 'string') time = Date.parse(value);
	else if (
		typeof value === 'object' &&
		typeof (value as { toMillis?: unknown }).toMillis === 'function'
	) {
		time = (value as { toMillis: () => number }).toMillis();
	} else time = NaN;
	if (!Number.isFinite(time)) {
		throw new InputError(
			field,
			`"${String(value)}" is not a date. Use an ISO date such as 2026-11-23T07:00:00Z or epoch seconds.`,
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
