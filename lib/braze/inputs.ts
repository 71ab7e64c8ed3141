/**
 * What the client sends, checked before anything leaves: a bad item gets a problem naming its
 * field, and nothing is sent for it (Braze would refuse it by index, or worse, store it).
 */
import { epochMillisOf, type JsonObject, toJsonValue } from '../http/jsonValues';

export type IdentifierKind = 'externalId' | 'email' | 'userAlias';

export type BrazeIdentifier =
	| { kind: 'externalId'; externalId: string }
	| { kind: 'email'; email: string }
	| { kind: 'userAlias'; aliasName: string; aliasLabel: string };

export interface BrazeEventInput {
	name: string;
	/** ISO 8601; Braze requires a time on every event. */
	time: string;
	properties: JsonObject;
}

/** One lead's write: custom attributes and, optionally, one event, for one user. */
export interface ProfileUpdate {
	identifier: BrazeIdentifier;
	/** Custom attributes to set; empty when nothing changed. */
	attributes: JsonObject;
	event?: BrazeEventInput;
	/**
	 * Braze's `_update_existing_only`. Left out, Braze creates a missing profile for an external
	 * ID but silently skips one named by a user alias, so the client always sends it for aliases.
	 */
	updateExistingOnly?: boolean;
}

export type InputField =
	| 'externalId'
	| 'email'
	| 'aliasName'
	| 'aliasLabel'
	| 'attributes'
	| 'score'
	| 'previousScore'
	| 'tier'
	| 'previousTier'
	| 'threshold'
	| 'eventName'
	| 'eventTime'
	| 'eventProperties';

export interface InputProblem {
	field: InputField;
	message: string;
}

/** Looser than RFC 5322 on purpose: Braze is the judge; this catches the obvious mistakes. */
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
/** Braze truncates longer text values of custom attributes and refuses longer names. */
const MAX_TEXT = 255;
/** Braze refuses external IDs that look like placeholders ("provided external_id is blacklisted"). */
const PLACEHOLDER_IDS = new Set(['undefined', 'null', 'nil', 'none', 'n/a', '[object object]']);

function text(raw: unknown): string {
	if (typeof raw === 'string') return raw.trim();
	if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw);
	return '';
}

function describeEmpty(raw: unknown): string {
	if (raw === undefined || raw === null || raw === '') return 'empty';
	if (typeof raw === 'string') return 'blank';
	return `not text (${Array.isArray(raw) ? 'a list' : typeof raw})`;
}

export interface RawIdentifier {
	externalId?: unknown;
	email?: unknown;
	aliasName?: unknown;
	aliasLabel?: unknown;
}

/** Identifiers come from expressions; a number (a CRM id) is fine as its text. */
export function checkIdentifier(
	kind: IdentifierKind,
	raw: RawIdentifier,
): BrazeIdentifier | InputProblem {
	switch (kind) {
		case 'externalId': {
			const externalId = text(raw.externalId);
			if (externalId === '')
				return {
					field: 'externalId',
					message: `The external ID is ${describeEmpty(raw.externalId)}`,
				};
			if (PLACEHOLDER_IDS.has(externalId.toLowerCase())) {
				return {
					field: 'externalId',
					message: `The external ID is "${externalId}", a placeholder Braze refuses; the expression found no ID`,
				};
			}
			return { kind, externalId };
		}
		case 'email': {
			const email = text(raw.email);
			if (email === '')
				return { field: 'email', message: `The email address is ${describeEmpty(raw.email)}` };
			if (!EMAIL.test(email))
				return { field: 'email', message: `"${email}" is not a valid email address` };
			return { kind, email: email.toLowerCase() };
		}
		case 'userAlias': {
			const aliasName = text(raw.aliasName);
			const aliasLabel = text(raw.aliasLabel);
			if (aliasName === '')
				return { field: 'aliasName', message: `The alias name is ${describeEmpty(raw.aliasName)}` };
			if (aliasLabel === '')
				return {
					field: 'aliasLabel',
					message: `The alias label is ${describeEmpty(raw.aliasLabel)}`,
				};
			return { kind, aliasName, aliasLabel };
		}
	}
}

/** Custom attribute names and values as Braze takes them; JSON that JSON.stringify would mangle is refused. */
export function checkAttributes(raw: Record<string, unknown>): JsonObject | InputProblem {
	const attributes: JsonObject = {};
	for (const [name, value] of Object.entries(raw)) {
		if (name.trim() === '')
			return { field: 'attributes', message: 'A custom attribute has an empty name' };
		if (name.startsWith('$'))
			return {
				field: 'attributes',
				message: `Custom attribute names cannot start with "$" (${name})`,
			};
		if (name.length > MAX_TEXT)
			return {
				field: 'attributes',
				message: `The custom attribute name ${name.slice(0, 40)}… is longer than ${MAX_TEXT} characters`,
			};
		try {
			attributes[name] = toJsonValue(value, name);
		} catch (error) {
			return { field: 'attributes', message: `Custom attribute ${(error as Error).message}` };
		}
		const checked = attributes[name];
		if (typeof checked === 'string' && checked.length > MAX_TEXT) {
			return {
				field: 'attributes',
				message: `Custom attribute ${name} is longer than Braze's ${MAX_TEXT} characters for a text value`,
			};
		}
	}
	return attributes;
}

/** Dates, numbers (epoch milliseconds), ISO text and Luxon DateTimes ($now) all become ISO 8601. */
export function checkEventTime(raw: unknown, now: () => number): string | InputProblem {
	if (raw === undefined || raw === null || raw === '') return new Date(now()).toISOString();
	const time = epochMillisOf(raw);
	if (!Number.isFinite(time))
		return {
			field: 'eventTime',
			message: `"${String(raw)}" is not a date and time (use ISO 8601, e.g. 2026-11-23T06:00:00Z)`,
		};
	return new Date(time).toISOString();
}

export function checkEvent(
	name: unknown,
	time: unknown,
	properties: Record<string, unknown>,
	now: () => number,
): BrazeEventInput | InputProblem {
	const eventName = text(name);
	if (eventName === '') return { field: 'eventName', message: 'The event name is empty' };
	if (eventName.length > MAX_TEXT)
		return { field: 'eventName', message: `The event name is longer than ${MAX_TEXT} characters` };
	const checkedTime = checkEventTime(time, now);
	if (typeof checkedTime !== 'string') return checkedTime;
	const checkedProperties: JsonObject = {};
	for (const [key, value] of Object.entries(properties)) {
		try {
			checkedProperties[key] = toJsonValue(value, key);
		} catch (error) {
			return { field: 'eventProperties', message: `Event property ${(error as Error).message}` };
		}
	}
	return { name: eventName, time: checkedTime, properties: checkedProperties };
}

export function isProblem(value: unknown): value is InputProblem {
	return typeof value === 'object' && value !== null && 'field' in value && 'message' in value;
}
