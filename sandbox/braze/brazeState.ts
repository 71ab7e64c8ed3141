/**
 * The users of the loopback Braze workspace and the rules /users/track applies to each object
 * (../shared/api-facts.md §11). An object Braze would refuse yields an error by its index; the
 * others are applied, attributes before events, as Braze processes them.
 */
export interface BrazeUser {
	brazeId: string;
	externalId?: string;
	email?: string;
	aliases: Array<{ aliasName: string; aliasLabel: string }>;
	/** Custom attributes (and email, once set). */
	attributes: Record<string, unknown>;
	updatedAt: number;
}

export interface RecordedEvent {
	brazeId: string;
	name: string;
	time: string;
	properties: Record<string, unknown>;
}

export interface ObjectError {
	type: string;
	input_array: 'attributes' | 'events' | 'purchases';
	index: number;
}

export const IDENTIFIER_REQUIRED =
	"'external_id', 'braze_id', 'user_alias', 'email' or 'phone' is required";
export const BLOCKED_EXTERNAL_ID = 'provided external_id is blacklisted and disallowed';

/** Placeholder ids Braze's spam blocking refuses (a few of them; Braze's list is longer and unpublished). */
const PLACEHOLDER_IDS = ['undefined', 'null', 'nil', 'none', 'n/a', '[object object]'];
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
/** Fields of an attributes object that are not custom attributes. */
const RESERVED = new Set([
	'external_id',
	'user_alias',
	'braze_id',
	'email',
	'phone',
	'_update_existing_only',
]);

type Lookup = { user?: BrazeUser; error?: string; create?: () => BrazeUser };

export class BrazeState {
	readonly users: BrazeUser[] = [];
	readonly events: RecordedEvent[] = [];
	/** External ids refused as "blacklisted"; tests add the ones they need with `blockExternalId`. */
	readonly blockedExternalIds = new Set(PLACEHOLDER_IDS);
	/** Attribute objects for users that did not exist, skipped because of `_update_existing_only` (silently, as Braze does). */
	skippedUpdates = 0;
	/** Data points written: one per custom attribute set, one per event (what Braze bills). */
	dataPoints = 0;
	private nextId = 1;

	constructor(private readonly now: () => number) {}

	findByExternalId(externalId: string): BrazeUser | undefined {
		return this.users.find((user) => user.externalId === externalId);
	}

	/** Several profiles may share an email: Braze picks the one with an external ID, most recently updated. */
	findByEmail(email: string): BrazeUser | undefined {
		const matches = this.users.filter((user) => user.email === email.toLowerCase());
		const ranked = [...matches].sort(
			(a, b) =>
				Number(Boolean(b.externalId)) - Number(Boolean(a.externalId)) || b.updatedAt - a.updatedAt,
		);
		return ranked[0];
	}

	findByAlias(aliasName: string, aliasLabel: string): BrazeUser | undefined {
		return this.users.find((user) =>
			user.aliases.some(
				(alias) => alias.aliasName === aliasName && alias.aliasLabel === aliasLabel,
			),
		);
	}

	addUser(fields: Partial<Omit<BrazeUser, 'brazeId' | 'updatedAt'>>): BrazeUser {
		const user: BrazeUser = {
			brazeId: `braze-${String(this.nextId++).padStart(6, '0')}`,
			aliases: [],
			attributes: {},
			updatedAt: this.now(),
			...fields,
		};
		if (user.email) user.email = user.email.toLowerCase();
		this.users.push(user);
		return user;
	}

	/** Applies one attributes object, or says why Braze refuses it. */
	applyAttributes(object: Record<string, unknown>): string | 'applied' | 'skipped' {
		const lookup = this.lookup(object);
		if (lookup.error) return lookup.error;
		for (const name of Object.keys(object)) {
			if (!RESERVED.has(name) && name.startsWith('$'))
				return `'${name}' is not a valid custom attribute name`;
		}
		const existingOnly = object._update_existing_only ?? object.user_alias !== undefined;
		let user = lookup.user;
		if (!user) {
			if (existingOnly === true) {
				this.skippedUpdates += 1;
				return 'skipped';
			}
			user = lookup.create!();
		}
		for (const [name, value] of Object.entries(object)) {
			if (RESERVED.has(name)) continue;
			const current = user.attributes[name];
			const next = isIncrement(value) ? Number(current ?? 0) + value.inc : value;
			if (next === null) delete user.attributes[name];
			else user.attributes[name] = next;
			this.dataPoints += 1;
		}
		user.updatedAt = this.now();
		return 'applied';
	}

	/** Records one event, or says why Braze refuses it. Events never create alias-only profiles. */
	applyEvent(object: Record<string, unknown>): string | 'applied' | 'skipped' {
		const lookup = this.lookup(object);
		if (lookup.error) return lookup.error;
		if (typeof object.name !== 'string' || object.name.trim() === '') return "'name' is required";
		if (typeof object.time !== 'string' || !Number.isFinite(Date.parse(object.time)))
			return "'time' must be a valid ISO 8601 datetime";
		if (
			object.properties !== undefined &&
			(object.properties === null ||
				typeof object.properties !== 'object' ||
				Array.isArray(object.properties))
		) {
			return "'properties' must be an object";
		}
		const user = lookup.user ?? (object.user_alias === undefined ? lookup.create!() : undefined);
		if (!user) {
			this.skippedUpdates += 1;
			return 'skipped';
		}
		this.events.push({
			brazeId: user.brazeId,
			name: object.name,
			time: object.time,
			properties: (object.properties ?? {}) as Record<string, unknown>,
		});
		this.dataPoints += 1;
		return 'applied';
	}

	private lookup(object: Record<string, unknown>): Lookup {
		const { external_id: externalId, user_alias: alias, braze_id: brazeId, email } = object;
		if (externalId !== undefined) {
			if (typeof externalId !== 'string' || externalId === '')
				return { error: "'external_id' must be a non-empty string" };
			if (this.blockedExternalIds.has(externalId.trim().toLowerCase()))
				return { error: BLOCKED_EXTERNAL_ID };
			return {
				user: this.findByExternalId(externalId),
				create: () => this.addUser({ externalId, ...(typeof email === 'string' ? { email } : {}) }),
			};
		}
		if (alias !== undefined) {
			const { alias_name: aliasName, alias_label: aliasLabel } = (alias ?? {}) as Record<
				string,
				unknown
			>;
			if (
				typeof aliasName !== 'string' ||
				typeof aliasLabel !== 'string' ||
				aliasName === '' ||
				aliasLabel === ''
			) {
				return { error: "'user_alias' must contain a non-empty 'alias_name' and 'alias_label'" };
			}
			return {
				user: this.findByAlias(aliasName, aliasLabel),
				create: () => this.addUser({ aliases: [{ aliasName, aliasLabel }] }),
			};
		}
		if (brazeId !== undefined) {
			const user = this.users.find((candidate) => candidate.brazeId === brazeId);
			return user ? { user } : { error: `'braze_id' ${String(brazeId)} does not exist` };
		}
		if (email !== undefined) {
			if (typeof email !== 'string' || !EMAIL.test(email))
				return { error: `'email' ${String(email)} is not a valid email address` };
			return { user: this.findByEmail(email), create: () => this.addUser({ email }) };
		}
		return { error: IDENTIFIER_REQUIRED };
	}
}

function isIncrement(value: unknown): value is { inc: number } {
	return (
		typeof value === 'object' &&
		value !== null &&
		!Array.isArray(value) &&
		Object.keys(value).length === 1 &&
		typeof (value as { inc?: unknown }).inc === 'number'
	);
}
