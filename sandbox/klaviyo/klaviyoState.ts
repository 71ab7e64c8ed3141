/**
 * What the mock Klaviyo account holds (profiles, events, bulk import jobs) and the rules the
 * real API applies to them, as ../shared/api-facts.md describes. No HTTP here.
 */
import { randomBytes, randomUUID } from 'node:crypto';

export interface MockError {
	status: number;
	code: string;
	title: string;
	detail: string;
	pointer?: string;
	parameter?: string;
	meta?: Record<string, unknown>;
}

export function errorBody(error: MockError) {
	const source =
		error.parameter !== undefined
			? { parameter: error.parameter }
			: { pointer: error.pointer ?? '/data' };
	return {
		errors: [
			{
				id: randomUUID(),
				status: error.status,
				code: error.code,
				title: error.title,
				detail: error.detail,
				source,
				links: {},
				meta: error.meta ?? {},
			},
		],
	};
}

export function invalid(detail: string, pointer: string): MockError {
	return { status: 400, code: 'invalid', title: 'Invalid input.', detail, pointer };
}

type Attributes = Record<string, unknown>;

export interface StoredProfile {
	id: string;
	attributes: Attributes & { properties: Record<string, unknown> };
	created: string;
	updated: string;
}

export interface StoredEvent {
	/** Klaviyo's event id (GET /api/events). */
	id: string;
	metricId: string;
	/** Seconds since the epoch: Klaviyo keeps event times to the second. */
	timestamp: number;
	profileId: string;
	metric: string;
	properties: Record<string, unknown>;
	time: string;
	value: number | null;
	uniqueId: string | null;
}

export interface StoredMetric {
	id: string;
	name: string;
	integration: string | null;
	created: string;
}

export interface ImportErrorRecord {
	id: string;
	code: string;
	title: string;
	detail: string;
	pointer: string;
	/** Absent for an error that names no profile. */
	originalPayload?: Record<string, unknown>;
}

export interface BulkJob {
	id: string;
	createdAt: number;
	profiles: Array<Record<string, unknown>>;
	processed: number;
	failed: number;
	errors: ImportErrorRecord[];
	startedAt: number | null;
	completedAt: number | null;
}

export interface BulkJobTiming {
	/** How long a job stays `queued` before processing starts. */
	queuedMs: number;
	/** How fast a job works through its profiles once `processing`. */
	profilesPerSecond: number;
	/** Import errors that name no profile (pointer `/data`, no original payload), as Klaviyo may send. */
	untraceableErrors?: boolean;
}

const IDENTIFIERS = ['email', 'phone_number', 'external_id'] as const;
type IdentifierName = (typeof IDENTIFIERS)[number];
const STRING_ATTRIBUTES = [
	...IDENTIFIERS,
	'anonymous_id',
	'first_name',
	'last_name',
	'organization',
	'locale',
	'title',
	'image',
];

const emailPattern = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
const e164Pattern = /^\+[1-9]\d{6,14}$/;
const KILOBYTES_100 = 100 * 1024;

/** Klaviyo profile ids are 26-character ULIDs. */
function profileId(): string {
	const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
	return Array.from(randomBytes(26), (byte) => alphabet[byte % 32]).join('');
}

/** Klaviyo metric ids are six characters, e.g. "X9cV7Q"; event ids are longer. */
function metricId(): string {
	return randomBytes(6).toString('base64url').slice(0, 6);
}

let eventCounter = 0;
/** Unique and, like Klaviyo's, opaque; a counter keeps ids of one second apart without sorting by them. */
function eventId(): string {
	eventCounter += 1;
	return `${randomBytes(6).toString('base64url')}${eventCounter.toString(36)}`;
}

function identifierKey(name: IdentifierName, value: string): string {
	return `${name}:${name === 'email' ? value.toLowerCase() : value}`;
}

/** Klaviyo's real wording for these is not documented; the codes and pointers follow its error shape. */
function validateProfileAttributes(attributes: Attributes, pointer: string): MockError | undefined {
	const { email, phone_number: phone } = attributes;
	if (typeof email === 'string' && !emailPattern.test(email)) {
		return invalid(`Invalid email address: ${email}`, `${pointer}/email`);
	}
	if (typeof phone === 'string' && !e164Pattern.test(phone)) {
		return invalid(
			'Invalid phone number format (Example of a valid phone number format: +12345678901)',
			`${pointer}/phone_number`,
		);
	}
	const { properties } = attributes;
	if (properties !== undefined && properties !== null) {
		for (const [key, value] of Object.entries(properties as Record<string, unknown>)) {
			if (typeof value === 'string' && Buffer.byteLength(value) > KILOBYTES_100) {
				return invalid(`Property ${key} is longer than 100 KB`, `${pointer}/properties/${key}`);
			}
		}
	}
	return undefined;
}

/**
 * Metrics a Klaviyo account has before any API event (built in, or from an integration), with
 * fixed ids so example workflows can pick them in the sandbox as an operator would.
 */
export const SANDBOX_METRICS = [
	{ id: 'RcvEml', name: 'Received Email', integration: 'Klaviyo' },
	{ id: 'OpnEml', name: 'Opened Email', integration: 'Klaviyo' },
	{ id: 'ClkEml', name: 'Clicked Email', integration: 'Klaviyo' },
	{ id: 'VwdPrd', name: 'Viewed Product', integration: 'Shopify' },
	{ id: 'StrChk', name: 'Started Checkout', integration: 'Shopify' },
	{ id: 'PlcOrd', name: 'Placed Order', integration: 'Shopify' },
] as const;

export class KlaviyoState {
	readonly profiles = new Map<string, StoredProfile>();
	/** In the order they were recorded (not their time: integrations send events late). */
	readonly events: StoredEvent[] = [];
	readonly metrics = new Map<string, StoredMetric>();
	readonly jobs = new Map<string, BulkJob>();
	/** Events Klaviyo accepted with 202 and then dropped as duplicates. */
	duplicateEventsDropped = 0;
	private readonly byIdentifier = new Map<string, string>();
	private readonly eventKeys = new Set<string>();

	constructor(
		private readonly now: () => number,
		private readonly jobTiming: BulkJobTiming,
	) {
		for (const metric of SANDBOX_METRICS)
			this.metrics.set(metric.id, { ...metric, created: this.isoNow() });
	}

	findProfile(identifier: {
		email?: string;
		phone_number?: string;
		external_id?: string;
	}): StoredProfile | undefined {
		for (const name of IDENTIFIERS) {
			const value = identifier[name];
			if (value === undefined) continue;
			const id = this.byIdentifier.get(identifierKey(name, value));
			if (id) return this.profiles.get(id);
		}
		return undefined;
	}

	/**
	 * POST /api/profile-import: 201 for a new profile, 200 for an update, 409 duplicate_profile
	 * when the identifiers belong to different profiles.
	 */
	importProfile(
		resource: { id?: unknown; attributes: Attributes; meta?: Attributes },
		pointer = '/data',
	): { status: 200 | 201; profile: StoredProfile } | MockError {
		const attributes = resource.attributes;
		const problem = validateProfileAttributes(attributes, `${pointer}/attributes`);
		if (problem) return problem;
		const matched = new Set<string>();
		if (typeof resource.id === 'string') {
			if (!this.profiles.has(resource.id)) {
				return {
					status: 404,
					code: 'not_found',
					title: 'Not found.',
					detail: `Profile ${resource.id} does not exist.`,
					pointer: `${pointer}/id`,
				};
			}
			matched.add(resource.id);
		}
		for (const name of IDENTIFIERS) {
			const value = attributes[name];
			if (typeof value !== 'string') continue;
			const id = this.byIdentifier.get(identifierKey(name, value));
			if (id) matched.add(id);
		}
		if (matched.size > 1) {
			const [kept, duplicate] = [...matched];
			return {
				status: 409,
				code: 'duplicate_profile',
				title: 'Conflict.',
				detail: 'A profile already exists with one of these identifiers.',
				pointer: `${pointer}/attributes`,
				meta: { duplicate_profile_id: duplicate ?? kept },
			};
		}
		if (matched.size === 0 && !IDENTIFIERS.some((name) => typeof attributes[name] === 'string')) {
			return invalid(
				'One of email, phone_number, external_id or id is required.',
				`${pointer}/attributes`,
			);
		}
		const timestamp = this.isoNow();
		const [existingId] = [...matched];
		const profile: StoredProfile = existingId
			? this.profiles.get(existingId)!
			: { id: profileId(), attributes: { properties: {} }, created: timestamp, updated: timestamp };
		this.applyAttributes(profile, attributes);
		const unset = (resource.meta?.patch_properties as Attributes | undefined)?.unset;
		for (const key of typeof unset === 'string' ? [unset] : Array.isArray(unset) ? unset : []) {
			delete profile.attributes.properties[String(key)];
		}
		profile.updated = timestamp;
		this.profiles.set(profile.id, profile);
		return { status: existingId ? 200 : 201, profile };
	}

	/** A profile that exists from the start under a known id, as one created in Klaviyo's UI (sandboxes, tests). */
	addProfile(id: string, attributes: Attributes): StoredProfile {
		const timestamp = this.isoNow();
		const profile: StoredProfile = {
			id,
			attributes: { properties: {} },
			created: timestamp,
			updated: timestamp,
		};
		this.applyAttributes(profile, attributes);
		this.profiles.set(id, profile);
		return profile;
	}

	/** POST /api/events: 202 either way; a repeat of (profile, metric, unique_id or second) is dropped. */
	createEvent(attributes: Attributes): MockError | { recorded: boolean } {
		const problem = this.validateEvent(attributes, '/data/attributes');
		return problem ?? this.recordEvent(attributes);
	}

	/** What Klaviyo refuses in an event (POST /api/events, or one entry of a bulk request at `pointer`). */
	validateEvent(attributes: Attributes, pointer: string): MockError | undefined {
		const properties = attributes.properties as Record<string, unknown>;
		if (Object.keys(properties).length > 400) {
			return invalid('An event can have at most 400 properties.', `${pointer}/properties`);
		}
		const time = this.eventTime(attributes);
		if (time < Date.UTC(1990, 0, 1) || time > this.now() + 365 * 24 * 3600 * 1000) {
			return invalid(
				'Event time must be after 1990 and at most one year in the future.',
				`${pointer}/time`,
			);
		}
		const profileData = (attributes.profile as { data: { id?: unknown; attributes?: Attributes } })
			.data;
		const profileAttributes = profileData.attributes ?? {};
		const hasIdentifier =
			typeof profileData.id === 'string' ||
			['email', 'phone_number', 'external_id', 'anonymous_id', '_kx'].some(
				(name) => typeof profileAttributes[name] === 'string',
			);
		if (!hasIdentifier) {
			return invalid(
				'The event profile needs at least one identifier.',
				`${pointer}/profile/data/attributes`,
			);
		}
		return validateProfileAttributes(profileAttributes, `${pointer}/profile/data/attributes`);
	}

	/** Records a valid event (creating its profile and metric on first use), unless it is a duplicate. */
	recordEvent(attributes: Attributes): { recorded: boolean } {
		const properties = attributes.properties as Record<string, unknown>;
		const time = this.eventTime(attributes);
		const profileData = (attributes.profile as { data: { id?: unknown; attributes?: Attributes } })
			.data;
		const profileAttributes = profileData.attributes ?? {};
		let profile =
			typeof profileData.id === 'string'
				? this.profiles.get(profileData.id)
				: this.findProfile(profileAttributes);
		if (!profile) {
			const timestamp = this.isoNow();
			profile = {
				id: profileId(),
				attributes: { properties: {} },
				created: timestamp,
				updated: timestamp,
			};
			this.applyAttributes(profile, profileAttributes);
			this.profiles.set(profile.id, profile);
		}
		const metric = String(
			(attributes.metric as { data: { attributes: { name: string } } }).data.attributes.name,
		);
		const uniqueId = typeof attributes.unique_id === 'string' ? attributes.unique_id : null;
		const key = JSON.stringify([profile.id, metric, uniqueId ?? Math.floor(time / 1000)]);
		if (this.eventKeys.has(key)) {
			this.duplicateEventsDropped += 1;
			return { recorded: false };
		}
		this.eventKeys.add(key);
		const timestamp = Math.floor(time / 1000);
		this.events.push({
			id: eventId(),
			metricId: this.metricNamed(metric).id,
			timestamp,
			profileId: profile.id,
			metric,
			properties,
			time: new Date(timestamp * 1000).toISOString(),
			value: typeof attributes.value === 'number' ? attributes.value : null,
			uniqueId,
		});
		profile.attributes.last_event_date = new Date(time).toISOString();
		return { recorded: true };
	}

	/** The metric of that name, created on first use as Klaviyo does for API events. */
	metricNamed(name: string, integration: string | null = null): StoredMetric {
		let metric = [...this.metrics.values()].find((candidate) => candidate.name === name);
		if (!metric) {
			metric = { id: metricId(), name, integration, created: this.isoNow() };
			this.metrics.set(metric.id, metric);
		}
		return metric;
	}

	private eventTime(attributes: Attributes): number {
		return attributes.time === undefined || attributes.time === null
			? this.now()
			: Date.parse(String(attributes.time));
	}

	createBulkJob(profiles: Array<Record<string, unknown>>): BulkJob {
		const job: BulkJob = {
			id: randomBytes(18).toString('base64url'),
			createdAt: this.now(),
			profiles,
			processed: 0,
			failed: 0,
			errors: [],
			startedAt: null,
			completedAt: null,
		};
		this.jobs.set(job.id, job);
		return job;
	}

	/** Jobs move on with the clock: queued, then processing at a fixed rate, then complete. */
	advanceJob(job: BulkJob): void {
		const now = this.now();
		if (job.completedAt !== null) return;
		const startAt = job.createdAt + this.jobTiming.queuedMs;
		if (now < startAt) return;
		job.startedAt ??= startAt;
		const due = Math.min(
			job.profiles.length,
			Math.floor(((now - startAt) / 1000) * this.jobTiming.profilesPerSecond),
		);
		for (; job.processed < due; job.processed++) {
			const index = job.processed;
			const resource = job.profiles[index] as { id?: unknown; attributes: Attributes };
			const result = this.importProfile(resource, `/data/attributes/profiles/data/${index}`);
			if ('code' in result) {
				job.failed += 1;
				job.errors.push({
					id: randomUUID(),
					code: result.code,
					title: result.title,
					detail: result.detail,
					pointer: this.jobTiming.untraceableErrors
						? '/data'
						: (result.pointer ?? `/data/attributes/profiles/data/${index}`),
					originalPayload: this.jobTiming.untraceableErrors
						? undefined
						: (resource as Record<string, unknown>),
				});
			}
		}
		if (job.processed === job.profiles.length) {
			job.completedAt = Math.max(startAt, now);
		}
	}

	advanceAllJobs(): void {
		for (const job of this.jobs.values()) this.advanceJob(job);
	}

	jobStatus(job: BulkJob): 'queued' | 'processing' | 'complete' {
		if (job.completedAt !== null) return 'complete';
		return job.startedAt === null ? 'queued' : 'processing';
	}

	isoNow(): string {
		return new Date(this.now()).toISOString();
	}

	private applyAttributes(profile: StoredProfile, attributes: Attributes): void {
		for (const name of STRING_ATTRIBUTES) {
			if (!(name in attributes)) continue;
			const previous = profile.attributes[name];
			if (IDENTIFIERS.includes(name as IdentifierName) && typeof previous === 'string') {
				this.byIdentifier.delete(identifierKey(name as IdentifierName, previous));
			}
			profile.attributes[name] = attributes[name];
			const value = attributes[name];
			if (IDENTIFIERS.includes(name as IdentifierName) && typeof value === 'string') {
				this.byIdentifier.set(identifierKey(name as IdentifierName, value), profile.id);
			}
		}
		if (attributes.location !== undefined) profile.attributes.location = attributes.location;
		if (attributes.properties && typeof attributes.properties === 'object') {
			Object.assign(profile.attributes.properties, attributes.properties);
		}
	}
}
