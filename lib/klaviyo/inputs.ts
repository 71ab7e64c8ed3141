/**
 * What the client sends, checked before anything leaves: a bad item gets a clear problem
 * naming its field, and nothing is sent for it.
 */
import { createHash } from 'node:crypto';

import { epochMillisOf, type JsonObject, toJsonValue } from '../http/jsonValues';

export type IdentifierKind = 'email' | 'phone' | 'externalId' | 'profileId';

export interface ProfileIdentifier {
	kind: IdentifierKind;
	value: string;
}

/** Standard profile fields besides the identifier; an identifier among them can cause a 409. */
export const PROFILE_ATTRIBUTES = [
	'email',
	'phone_number',
	'external_id',
	'first_name',
	'last_name',
	'organization',
	'title',
	'locale',
] as const;
export type ProfileAttributes = Partial<Record<(typeof PROFILE_ATTRIBUTES)[number], string>>;

export interface ProfileInput {
	identifier: ProfileIdentifier;
	properties: JsonObject;
	attributes?: ProfileAttributes;
}

export interface EventInput {
	identifier: ProfileIdentifier;
	metric: string;
	properties: JsonObject;
	/** ISO 8601; absent means "when Klaviyo receives it". */
	time?: string;
	value?: number;
	/** Klaviyo records only the first event per profile, metric and unique_id. */
	uniqueId?: string;
}

/** A problem with one input, by the field an operator filled in. */
export interface InputProblem {
	field: 'identifier' | 'attributes' | 'properties' | 'metric' | 'time' | 'value' | 'uniqueId';
	message: string;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; problems: InputProblem[] };

/** Looser than RFC 5322 on purpose: Klaviyo is the judge; this catches the obvious mistakes. */
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
const E164 = /^\+[1-9]\d{6,14}$/;
const MAX_PROFILE_BYTES = 100 * 1024;
const MAX_STRING_BYTES = 100 * 1024;
const MAX_EVENT_PROPERTIES = 400;
const EARLIEST_EVENT = Date.UTC(1990, 0, 1);

const IDENTIFIER_NAMES: Record<IdentifierKind, string> = {
	email: 'email address',
	phone: 'phone number',
	externalId: 'external ID',
	profileId: 'Klaviyo profile ID',
};

/** Identifiers arrive from expressions; numbers (a CRM id, a phone) are fine as their text. */
export function checkIdentifier(
	kind: IdentifierKind,
	raw: unknown,
): ProfileIdentifier | InputProblem {
	const value =
		typeof raw === 'string'
			? raw.trim()
			: typeof raw === 'number' && Number.isFinite(raw)
				? String(raw)
				: '';
	if (value === '') {
		const got =
			raw === undefined || raw === null || raw === '' ? 'empty' : `not text (${describeType(raw)})`;
		return { field: 'identifier', message: `The ${IDENTIFIER_NAMES[kind]} is ${got}` };
	}
	if (kind === 'email' && !EMAIL.test(value)) {
		return { field: 'identifier', message: `"${value}" is not a valid email address` };
	}
	if (kind === 'phone' && !E164.test(value)) {
		return {
			field: 'identifier',
			message: `"${value}" is not a phone number in E.164 format (e.g. +15005550006)`,
		};
	}
	return { kind, value };
}

function describeType(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'a list';
	return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export function checkProperties(raw: Record<string, unknown>): JsonObject | InputProblem {
	const properties: JsonObject = {};
	for (const [key, value] of Object.entries(raw)) {
		if (key.trim() === '') return { field: 'properties', message: 'A property has an empty name' };
		try {
			properties[key] = toJsonValue(value, key);
		} catch (error) {
			return { field: 'properties', message: `Property ${(error as Error).message}` };
		}
		if (
			typeof properties[key] === 'string' &&
			Buffer.byteLength(properties[key]) > MAX_STRING_BYTES
		) {
			return {
				field: 'properties',
				message: `Property ${key} is longer than Klaviyo's 100 KB limit for a text value`,
			};
		}
	}
	return properties;
}

function isProblem(value: unknown): value is InputProblem {
	return typeof value === 'object' && value !== null && 'field' in value && 'message' in value;
}

/** Empty fields are left out (Klaviyo keeps what it has); email and phone are checked like identifiers. */
export function checkAttributes(raw: Record<string, unknown>): ProfileAttributes | InputProblem {
	const attributes: ProfileAttributes = {};
	for (const [name, value] of Object.entries(raw)) {
		if (!(PROFILE_ATTRIBUTES as readonly string[]).includes(name)) {
			return {
				field: 'attributes',
				message: `${name} is not a profile attribute this node writes`,
			};
		}
		if (value === undefined || value === null || value === '') continue;
		const kind = name === 'email' ? 'email' : name === 'phone_number' ? 'phone' : 'externalId';
		const checked = checkIdentifier(kind, value);
		if ('field' in checked) return { field: 'attributes', message: `${name}: ${checked.message}` };
		attributes[name as keyof ProfileAttributes] = checked.value;
	}
	return attributes;
}

export interface RawProfile {
	identifierKind: IdentifierKind;
	identifierValue: unknown;
	properties: Record<string, unknown>;
	attributes?: Record<string, unknown>;
}

export function checkProfileInput(raw: RawProfile): Checked<ProfileInput> {
	const identifier = checkIdentifier(raw.identifierKind, raw.identifierValue);
	const attributes = checkAttributes(raw.attributes ?? {});
	const properties = checkProperties(raw.properties);
	const problems = [identifier, attributes, properties].filter(isProblem);
	if (problems.length > 0) return { ok: false, problems };
	const input: ProfileInput = {
		identifier: identifier as ProfileIdentifier,
		properties: properties as JsonObject,
	};
	if (Object.keys(attributes).length > 0) input.attributes = attributes as ProfileAttributes;
	if (Buffer.byteLength(JSON.stringify(input)) > MAX_PROFILE_BYTES) {
		return {
			ok: false,
			problems: [{ field: 'properties', message: "The profile exceeds Klaviyo's 100 KB limit" }],
		};
	}
	return { ok: true, value: input };
}

function checkTime(raw: unknown): string | undefined | InputProblem {
	if (raw === undefined || raw === null || raw === '') return undefined;
	const time = epochMillisOf(raw);
	if (!Number.isFinite(time))
		return {
			field: 'time',
			message: `"${String(raw)}" is not a date and time (use ISO 8601, e.g. 2026-11-23T06:00:00Z)`,
		};
	if (time < EARLIEST_EVENT)
		return { field: 'time', message: 'Klaviyo only accepts event times after 1990' };
	return new Date(time).toISOString();
}

function checkValue(raw: unknown): number | undefined | InputProblem {
	if (raw === undefined || raw === null || raw === '') return undefined;
	const value = typeof raw === 'string' ? Number(raw.trim()) : raw;
	if (typeof value !== 'number' || !Number.isFinite(value))
		return { field: 'value', message: `"${String(raw)}" is not a number` };
	return value;
}

export interface RawEvent {
	identifierKind: IdentifierKind;
	identifierValue: unknown;
	metric: unknown;
	properties: Record<string, unknown>;
	time?: unknown;
	value?: unknown;
	uniqueId?: unknown;
}

export function checkEventInput(raw: RawEvent): Checked<EventInput> {
	const identifier = checkIdentifier(raw.identifierKind, raw.identifierValue);
	const metric = typeof raw.metric === 'string' ? raw.metric.trim() : '';
	const properties = checkProperties(raw.properties);
	const time = checkTime(raw.time);
	const value = checkValue(raw.value);
	const uniqueId =
		raw.uniqueId === undefined || raw.uniqueId === null ? '' : String(raw.uniqueId).trim();
	const problems = [identifier, properties, time, value].filter(isProblem);
	if (metric === '') problems.push({ field: 'metric', message: 'The metric name is empty' });
	if (!isProblem(properties) && Object.keys(properties).length > MAX_EVENT_PROPERTIES) {
		problems.push({
			field: 'properties',
			message: `An event can have at most ${MAX_EVENT_PROPERTIES} properties`,
		});
	}
	if (problems.length > 0) return { ok: false, problems };
	const event: EventInput = {
		identifier: identifier as ProfileIdentifier,
		metric,
		properties: properties as JsonObject,
		time: time as string | undefined,
		value: value as number | undefined,
	};
	event.uniqueId = uniqueId || derivedUniqueId(event);
	return { ok: true, value: event };
}

/**
 * With no unique ID given, one derived from the event itself makes a re-run of the same items
 * record nothing twice. Without a time it would also merge genuinely repeated events, so then
 * Klaviyo's own rule (one event per profile and metric per second) is left to apply.
 */
function derivedUniqueId(event: EventInput): string | undefined {
	if (event.time === undefined) return undefined;
	const { identifier, metric, properties, time, value } = event;
	const digest = createHash('sha256').update(
		JSON.stringify([identifier.kind, identifier.value, metric, time, value ?? null, properties]),
	);
	return `n8n-${digest.digest('hex').slice(0, 32)}`;
}
