/**
 * Keeps score fields on leads and contacts current, whatever the MQL step decides: per batch of up
 * to 200 requests, one query reads each record with the fields to write, and one sObject
 * Collections update sends only the records whose values differ. Missing leads can be created
 * (by external ID upsert when the lookup is an external ID, so a retry never creates a second).
 */
import { type Outcome, done, failed } from '../outcome';

import type { FieldValue, RecordResult, RecordUpdate, SalesforceClient } from './client';
import { endsTheRun, inBatches, stopAtFirstFailure, type BatchOptions } from './batches';
import type { RecordObject } from './ids';
import {
	fieldValue,
	findRecords,
	LookupError,
	lookupProblem,
	objectsOf,
	type FindRequest,
	type ObjectChoice,
	type RecordLookup,
} from './records';
import { isFieldApiName } from './soql';

export interface SyncScoreRequest {
	lookup: RecordLookup;
	object: ObjectChoice;
	/** Score, tier and any extra fields: each is written only when Salesforce has another value. */
	fields: Record<string, FieldValue>;
	/** Create the lead when none is found (object `lead` or `leadThenContact`): its required fields. */
	create?: { lastName: string; company: string };
}

export type SyncResult = 'updated' | 'unchanged' | 'created' | 'notFound';

export type SyncScoreResult = { result: SyncResult; changedFields: string[] } & (
	| { object: 'Lead'; leadId: string }
	| { object: 'Contact'; contactId: string }
	| { object: null }
);

export type SyncScoreOutcome = Outcome<SyncScoreResult>;

const READ_ONLY_FIELDS = new Set(['id', 'isconverted', 'convertedcontactid']);

const isEmpty = (value: unknown) => value === null || value === undefined || value === '';

/**
 * Whether Salesforce already holds `wanted`: numbers compare as numbers (Salesforce answers
 * 42 for "42" and 42.0), empty text and null are the same (Salesforce stores "" as null).
 */
export function sameValue(current: unknown, wanted: FieldValue): boolean {
	if (isEmpty(current) || isEmpty(wanted)) return isEmpty(current) && isEmpty(wanted);
	if (typeof current === 'number' || typeof wanted === 'number') {
		const a = Number(current);
		const b = Number(wanted);
		return (
			Number.isFinite(a) &&
			Number.isFinite(b) &&
			Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b))
		);
	}
	return String(current) === String(wanted);
}

function requestProblem(request: SyncScoreRequest): string | undefined {
	const problem = lookupProblem(request.lookup, request.object);
	if (problem) return problem;
	if (Object.keys(request.fields).length === 0)
		return 'No field to write: set the Score Field, the Tier Field or an extra field';
	for (const name of Object.keys(request.fields)) {
		if (!isFieldApiName(name))
			return `"${name}" is not a field API name (custom fields end in __c)`;
		if (READ_ONLY_FIELDS.has(name.toLowerCase())) return `${name} cannot be set`;
	}
	if (request.create && request.object === 'contact')
		return 'Create If Missing creates leads only: set Object to Lead or Lead, Then Contact';
	return undefined;
}

/** Checked only for a lead that is missing: an item for an existing lead needs no name or company. */
function newLeadProblem(create: NonNullable<SyncScoreRequest['create']>): string | undefined {
	if (!create.lastName.trim())
		return 'Create If Missing needs a Last Name for the new lead, and it is empty';
	if (!create.company.trim())
		return 'Create If Missing needs a Company for the new lead, and it is empty';
	return undefined;
}

function resultFor(
	object: RecordObject | null,
	id: string | undefined,
	result: SyncResult,
	changedFields: string[],
): SyncScoreResult {
	if (object === 'Lead') return { object, leadId: id!, result, changedFields };
	if (object === 'Contact') return { object, contactId: id!, result, changedFields };
	return { object: null, result, changedFields };
}

interface NewLead {
	/** Items that asked for this lead (the same email or external ID twice in a batch is one lead). */
	indexes: number[];
	fields: Record<string, FieldValue>;
	externalIdField?: string;
}

/** The fields of a lead created for a request, with the lookup's value so the next lookup finds it. */
function newLeadFor(
	request: SyncScoreRequest,
): { key: string; lead: Omit<NewLead, 'indexes'> } | undefined {
	const { lookup, create } = request;
	if (!create || lookup.findBy === 'id') return undefined;
	const fields: Record<string, FieldValue> = {
		LastName: create.lastName.trim(),
		Company: create.company.trim(),
		...request.fields,
	};
	if (lookup.findBy === 'email') {
		fields.Email = lookup.email.trim();
		return { key: `email:${lookup.email.trim().toLowerCase()}`, lead: { fields } };
	}
	fields[lookup.field] = lookup.value.trim();
	return {
		key: `${lookup.field.toLowerCase()}:${lookup.value.trim().toLowerCase()}`,
		lead: { fields, externalIdField: lookup.field },
	};
}

async function syncBatch(
	client: SalesforceClient,
	requests: SyncScoreRequest[],
	options: BatchOptions,
): Promise<SyncScoreOutcome[]> {
	const outcomes: Array<SyncScoreOutcome | undefined> = requests.map((request) => {
		const problem = requestProblem(request);
		return problem ? failed(new LookupError(problem)) : undefined;
	});
	const pending = requests
		.map((request, index) => ({ request, index }))
		.filter(({ index }) => !outcomes[index]);
	if (pending.length === 0) return outcomes as SyncScoreOutcome[];
	const fail = (index: number, error: Error) => (outcomes[index] = failed(error));

	let found;
	try {
		found = await findRecords(
			client,
			pending.map(({ request }): FindRequest => {
				const fields: FindRequest['fields'] = {};
				for (const object of objectsOf(request.object))
					fields[object] = Object.keys(request.fields);
				return { lookup: request.lookup, object: request.object, fields };
			}),
		);
	} catch (error) {
		if (endsTheRun(error)) throw error;
		for (const { index } of pending) fail(index, error as Error);
		return outcomes as SyncScoreOutcome[];
	}

	// Per record: what Salesforce has, and what the items want (a later item's value wins).
	const records = new Map<
		string,
		{
			object: RecordObject;
			current: Record<string, unknown>;
			wanted: Record<string, FieldValue>;
			indexes: number[];
		}
	>();
	const newLeads = new Map<string, NewLead>();
	for (const [position, { request, index }] of pending.entries()) {
		const outcome = found[position];
		if (!outcome.ok) {
			fail(index, outcome.error);
			continue;
		}
		if (!outcome.value) {
			const planned = newLeadFor(request);
			if (!planned) {
				outcomes[index] = done(resultFor(null, undefined, 'notFound', []));
				continue;
			}
			const problem = newLeadProblem(request.create!);
			if (problem) {
				fail(index, new LookupError(problem));
				continue;
			}
			const entry = newLeads.get(planned.key) ?? { ...planned.lead, indexes: [] };
			Object.assign(entry.fields, planned.lead.fields);
			entry.indexes.push(index);
			newLeads.set(planned.key, entry);
			continue;
		}
		const { object, record } = outcome.value;
		if (record.IsConverted === true) {
			const contact =
				typeof record.ConvertedContactId === 'string'
					? ` to contact ${record.ConvertedContactId}`
					: '';
			fail(
				index,
				new LookupError(
					`Lead ${record.Id} is converted${contact}, and a converted lead cannot be changed: set Object to "Lead, Then Contact" to write the score to the contact`,
				),
			);
			continue;
		}
		const entry = records.get(record.Id) ?? { object, current: record, wanted: {}, indexes: [] };
		Object.assign(entry.wanted, request.fields);
		entry.indexes.push(index);
		records.set(record.Id, entry);
	}

	const updates: Array<{ update: RecordUpdate; indexes: number[] }> = [];
	for (const [id, { object, current, wanted, indexes }] of records) {
		const changed = Object.fromEntries(
			Object.entries(wanted).filter(
				([name, value]) => !sameValue(fieldValue(current, name), value),
			),
		);
		const changedFields = Object.keys(changed);
		if (changedFields.length === 0) {
			for (const index of indexes) outcomes[index] = done(resultFor(object, id, 'unchanged', []));
		} else {
			updates.push({ update: { object, id, fields: changed }, indexes });
		}
	}

	stopAtFirstFailure(outcomes, options);
	const settle = async (
		indexes: number[],
		call: () => Promise<RecordResult[]>,
		onResult: (result: RecordResult, position: number) => void,
	) => {
		try {
			(await call()).forEach(onResult);
		} catch (error) {
			if (endsTheRun(error)) throw error;
			for (const index of indexes) fail(index, error as Error);
		}
	};
	await settle(
		updates.flatMap(({ indexes }) => indexes),
		async () => await client.updateRecords(updates.map(({ update }) => update)),
		(result, position) => {
			const { update, indexes } = updates[position];
			for (const index of indexes) {
				outcomes[index] = result.success
					? done(resultFor(update.object, update.id, 'updated', Object.keys(update.fields)))
					: failed(result.error);
			}
		},
	);

	// New leads: by upsert on their external ID field (a retry updates the lead it created), else created.
	const groups = new Map<string, NewLead[]>();
	for (const lead of newLeads.values())
		groups.set(lead.externalIdField ?? '', [
			...(groups.get(lead.externalIdField ?? '') ?? []),
			lead,
		]);
	for (const [externalIdField, leads] of groups) {
		const records = leads.map((lead) => lead.fields);
		await settle(
			leads.flatMap((lead) => lead.indexes),
			async () =>
				externalIdField
					? await client.upsertRecords('Lead', externalIdField, records)
					: await client.createRecords('Lead', records),
			(result, position) => {
				const lead = leads[position];
				const written = Object.keys(lead.fields);
				for (const index of lead.indexes) {
					outcomes[index] = result.success
						? done(
								resultFor(
									'Lead',
									result.id,
									result.created === false ? 'updated' : 'created',
									written,
								),
							)
						: failed(result.error);
				}
			},
		);
	}
	return outcomes as SyncScoreOutcome[];
}

/**
 * Writes score fields to the lead or contact of every request, 200 at a time, and returns one
 * outcome per request in order; the rules for failures are those of {@link inBatches}.
 */
export async function syncScores(
	client: SalesforceClient,
	requests: SyncScoreRequest[],
	options: BatchOptions = {},
): Promise<SyncScoreOutcome[]> {
	return await inBatches(
		requests,
		async (batch) => await syncBatch(client, batch, options),
		options,
	);
}
