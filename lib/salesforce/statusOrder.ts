/**
 * The org's funnel order of status values, so that a record already past the MQL stage is never
 * moved back: Lead Status from the LeadStatus object (its SortOrder, as Setup lists the values),
 * any other picklist (a Contact stage field, a custom Lead field) from describe, in picklist order.
 * Read once per execution: one node run shares one {@link OrgMetadata}.
 */
import type { ObjectDescribe, SalesforceClient } from './client';
import type { RecordObject } from './ids';

/** A status field or MQL value that cannot be used as configured; fails the items that use it. */
export class StatusSetupError extends Error {
	readonly name = 'StatusSetupError';
	constructor(
		message: string,
		readonly hint?: string,
	) {
		super(message);
	}
}

interface LeadStatusRow {
	ApiName: string;
	MasterLabel: string;
	SortOrder: number | null;
	IsConverted: boolean;
}

/** Describe answers and the Lead Status values, each read at most once (a failed read is tried again). */
export class OrgMetadata {
	private readonly describes = new Map<RecordObject, Promise<ObjectDescribe>>();
	private leadStatuses?: Promise<string[]>;

	constructor(private readonly client: SalesforceClient) {}

	async describe(object: RecordObject): Promise<ObjectDescribe> {
		let pending = this.describes.get(object);
		if (!pending) {
			pending = this.client.describe(object);
			this.describes.set(object, pending);
			pending.catch(() => this.describes.delete(object));
		}
		return await pending;
	}

	/** The org's Lead Status API names, in the order of their SortOrder. */
	async leadStatusValues(): Promise<string[]> {
		if (!this.leadStatuses) {
			this.leadStatuses = this.client
				.query<
					LeadStatusRow & Record<string, unknown>
				>('SELECT ApiName, MasterLabel, SortOrder, IsConverted FROM LeadStatus')
				.then((rows) =>
					[...rows]
						.sort(
							(a, b) =>
								(a.SortOrder ?? Number.MAX_SAFE_INTEGER) - (b.SortOrder ?? Number.MAX_SAFE_INTEGER),
						)
						.map((row) => row.ApiName ?? row.MasterLabel),
				);
			this.leadStatuses.catch(() => (this.leadStatuses = undefined));
		}
		return await this.leadStatuses;
	}

	/** The field as describe names it, or a setup error naming the object and the field. */
	async field(object: RecordObject, name: string) {
		const described = await this.describe(object);
		const field = described.fields.find(
			(candidate) => candidate.name.toLowerCase() === name.toLowerCase(),
		);
		if (!field) {
			throw new StatusSetupError(
				`${object} has no field "${name}"`,
				object === 'Contact'
					? 'Contacts have no standard status: set Contact Status Field to the API name of the Contact field that holds the stage (custom fields end in __c), and check that the Run As user can see it.'
					: "Check the field's API name (custom fields end in __c) and that the Run As user can see it.",
			);
		}
		return field;
	}

	/** The values of a status field in funnel order. */
	async statusOrder(object: RecordObject, fieldName: string): Promise<string[]> {
		if (object === 'Lead' && fieldName.toLowerCase() === 'status')
			return await this.leadStatusValues();
		const field = await this.field(object, fieldName);
		if (field.type !== 'picklist') {
			throw new StatusSetupError(
				`${object}.${field.name} is a ${field.type} field, so its values have no order to keep a record from being moved back`,
				'Use a picklist field whose values are in funnel order, or turn off Respect Status Order (Skip Statuses still apply).',
			);
		}
		return field.picklistValues.map((value) => value.value);
	}
}

/** Where `value` stands in `order` (ignoring case and surrounding spaces), or -1. */
export function positionIn(order: string[], value: string): number {
	const wanted = value.trim().toLowerCase();
	return order.findIndex((candidate) => candidate.trim().toLowerCase() === wanted);
}
