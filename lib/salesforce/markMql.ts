/**
 * Hands qualified leads (or contacts) to sales: finds each record, skips the ones already at MQL,
 * past it in the org's funnel order, in Skip Statuses or converted, and sets the rest to the MQL
 * status. Per batch of up to 200 requests it makes one query per object and one sObject
 * Collections update, plus, once per run, the org's status order.
 */
import { type Outcome, done, failed } from '../outcome';

import type { FieldValue, RecordUpdate, SalesforceClient } from './client';
import { endsTheRun, inBatches, stopAtFirstFailure, type BatchOptions } from './batches';
import type { RecordObject } from './ids';
import {
	fieldValue,
	findRecords,
	LookupError,
	lookupProblem,
	notFoundMessage,
	objectsOf,
	sameText,
	type FindRequest,
	type ObjectChoice,
	type RecordLookup,
	type SalesforceRecord,
} from './records';
import { isFieldApiName } from './soql';
import { OrgMetadata, positionIn, StatusSetupError } from './statusOrder';

export { RequestFailure } from './batches';
export { LookupError } from './records';

export interface MarkMqlRequest {
	lookup: RecordLookup;
	/** Default `lead`. */
	object?: ObjectChoice;
	/** Lead picklist field that holds the stage; default `Status`. */
	statusField: string;
	mqlStatus: string;
	/** For contacts: the field that holds the stage (Contacts have no standard status) and its MQL value. */
	contactStatusField?: string;
	contactMqlStatus?: string;
	/** Statuses never changed (the MQL status itself always counts as one). */
	skipStatuses: string[];
	/** Never move a record whose status sorts at or after the MQL status. Default true. */
	respectStatusOrder?: boolean;
	/** More fields to set on records that are updated, e.g. `Lead_Score__c`. */
	fields: Record<string, FieldValue>;
}

export type SkippedReason = 'alreadyMql' | 'pastMql' | 'skipStatus' | 'converted' | 'unknownStatus';

export type MarkMqlResult = {
	previousStatus: string | null;
	status: string | null;
	updated: boolean;
	skippedReason: SkippedReason | null;
} & ({ object: 'Lead'; leadId: string } | { object: 'Contact'; contactId: string });

export type MarkMqlOutcome = Outcome<MarkMqlResult>;
export type MarkMqlOptions = BatchOptions;

const READ_ONLY_FIELDS = new Set(['id', 'isconverted']);

interface StatusRule {
	field: string;
	mql: string;
}

function statusRule(request: MarkMqlRequest, object: RecordObject): StatusRule {
	return object === 'Lead'
		? { field: request.statusField, mql: request.mqlStatus }
		: {
				field: request.contactStatusField ?? '',
				mql: request.contactMqlStatus ?? request.mqlStatus,
			};
}

/** Why a request cannot be sent, checked before anything goes into a URL or a query. */
function requestProblem(request: MarkMqlRequest): string | undefined {
	const object = request.object ?? 'lead';
	const problem = lookupProblem(request.lookup, object);
	if (problem) return problem;
	for (const target of objectsOf(object)) {
		const { field, mql } = statusRule(request, target);
		const label = target === 'Lead' ? 'Status Field' : 'Contact Status Field';
		if (!field)
			return `${label} is empty: Contacts have no standard status, so name the Contact field that holds the stage`;
		if (!isFieldApiName(field))
			return `"${field}" is not a field API name (e.g. ${target === 'Lead' ? 'Status' : 'Lifecycle_Stage__c'})`;
		if (!mql.trim()) return `The ${target === 'Lead' ? 'MQL' : 'contact MQL'} status is empty`;
		for (const name of Object.keys(request.fields)) {
			if (name.toLowerCase() === field.toLowerCase()) {
				return `${name} is the status field: set its value with "MQL Status", not as an extra field`;
			}
		}
	}
	for (const name of Object.keys(request.fields)) {
		if (!isFieldApiName(name))
			return `"${name}" is not a field API name (custom fields end in __c)`;
		if (READ_ONLY_FIELDS.has(name.toLowerCase())) return `${name} cannot be set`;
	}
	return undefined;
}

function resultFor(
	object: RecordObject,
	id: string,
	previous: unknown,
	status: unknown,
	skippedReason: SkippedReason | null,
): MarkMqlResult {
	const common = {
		previousStatus: typeof previous === 'string' ? previous : null,
		status: typeof status === 'string' ? status : null,
		updated: skippedReason === null,
		skippedReason,
	};
	return object === 'Lead'
		? { object, leadId: id, ...common }
		: { object, contactId: id, ...common };
}

/**
 * Whether and why a record is left as it is. `order` is the org's funnel order of the status
 * field's values, or undefined when the operator turned the ordering off.
 */
function skippedReason(
	request: MarkMqlRequest,
	rule: StatusRule,
	record: SalesforceRecord,
	status: unknown,
	order: string[] | undefined,
	object: RecordObject,
): SkippedReason | null {
	if (record.IsConverted === true) return 'converted';
	if (sameText(status, rule.mql)) return 'alreadyMql';
	if (request.skipStatuses.some((skip) => sameText(status, skip))) return 'skipStatus';
	if (!order) return null;
	const mqlPosition = positionIn(order, rule.mql);
	if (mqlPosition < 0) {
		const where =
			object === 'Lead' && rule.field.toLowerCase() === 'status'
				? 'Lead Status'
				: `the ${object} field ${rule.field}`;
		throw new StatusSetupError(
			`"${rule.mql}" is not a value of ${where} in this org (its values: ${order.join(', ')}), so the node cannot tell which statuses come after it`,
			`Add "${rule.mql}" to the picklist in Setup → Object Manager → ${object} → Fields & Relationships, at its place in the funnel, or set the MQL status to an existing value, or turn off Respect Status Order.`,
		);
	}
	if (typeof status !== 'string' || !status.trim()) return null;
	const position = positionIn(order, status);
	if (position < 0) return 'unknownStatus';
	return position > mqlPosition ? 'pastMql' : null;
}

async function markBatch(
	client: SalesforceClient,
	metadata: OrgMetadata,
	requests: MarkMqlRequest[],
	options: MarkMqlOptions,
): Promise<MarkMqlOutcome[]> {
	const outcomes: Array<MarkMqlOutcome | undefined> = requests.map((request) => {
		const problem = requestProblem(request);
		return problem ? failed(new LookupError(problem)) : undefined;
	});
	const fail = (index: number, error: Error) => (outcomes[index] = failed(error));
	// Contacts have no standard status: the field must exist (describe, once per run), or no contact is read.
	const fieldProblems = new Map<string, Error | undefined>();
	for (const [index, request] of requests.entries()) {
		if (outcomes[index] || (request.object ?? 'lead') === 'lead') continue;
		const field = statusRule(request, 'Contact').field;
		if (!fieldProblems.has(field)) {
			try {
				await metadata.field('Contact', field);
				fieldProblems.set(field, undefined);
			} catch (error) {
				if (endsTheRun(error)) throw error;
				fieldProblems.set(field, error as Error);
			}
		}
		const problem = fieldProblems.get(field);
		if (problem) fail(index, problem);
	}
	stopAtFirstFailure(outcomes, options);
	const pending = requests
		.map((request, index) => ({ request, index }))
		.filter(({ index }) => !outcomes[index]);
	if (pending.length === 0) return outcomes as MarkMqlOutcome[];

	let found;
	try {
		found = await findRecords(
			client,
			pending.map(({ request }): FindRequest => {
				const object = request.object ?? 'lead';
				const fields: FindRequest['fields'] = {};
				for (const target of objectsOf(object))
					fields[target] = [statusRule(request, target).field];
				return { lookup: request.lookup, object, fields };
			}),
		);
	} catch (error) {
		if (endsTheRun(error)) throw error;
		for (const { index } of pending) fail(index, error as Error);
		return outcomes as MarkMqlOutcome[];
	}

	const located: Array<{
		request: MarkMqlRequest;
		index: number;
		object: RecordObject;
		record: SalesforceRecord;
	}> = [];
	for (const [position, { request, index }] of pending.entries()) {
		const outcome = found[position];
		if (!outcome.ok) fail(index, outcome.error);
		else if (!outcome.value)
			fail(
				index,
				new LookupError(
					notFoundMessage({ lookup: request.lookup, object: request.object ?? 'lead' }),
				),
			);
		else located.push({ request, index, ...outcome.value });
	}
	// A record that is not found stops the run here, before the status order is read.
	stopAtFirstFailure(outcomes, options);

	// Once per batch even when the read fails (the metadata tries a failed read again in the next batch only).
	const orders = new Map<string, Promise<string[]>>();
	const orderOf = async (object: RecordObject, field: string) => {
		const key = `${object}.${field.toLowerCase()}`;
		if (!orders.has(key)) orders.set(key, metadata.statusOrder(object, field));
		return await orders.get(key)!;
	};

	// Decide per request; requests for the same record share one record in the update.
	const updates = new Map<
		string,
		{ update: RecordUpdate; indexes: number[]; previousStatus: unknown }
	>();
	for (const { request, index, object, record } of located) {
		const rule = statusRule(request, object);
		let reason: SkippedReason | null;
		try {
			const order =
				request.respectStatusOrder === false || record.IsConverted === true
					? undefined
					: await orderOf(object, rule.field);
			reason = skippedReason(request, rule, record, fieldValue(record, rule.field), order, object);
		} catch (error) {
			if (endsTheRun(error)) throw error;
			fail(index, error as Error);
			continue;
		}
		const status = fieldValue(record, rule.field);
		if (reason) {
			outcomes[index] = done(resultFor(object, record.Id, status, status, reason));
			continue;
		}
		const entry = updates.get(record.Id) ?? {
			update: { object, id: record.Id, fields: {} },
			indexes: [],
			previousStatus: status,
		};
		Object.assign(entry.update.fields, request.fields, { [rule.field]: rule.mql });
		entry.indexes.push(index);
		updates.set(record.Id, entry);
	}

	stopAtFirstFailure(outcomes, options);
	const entries = [...updates.values()];
	let results;
	try {
		results = await client.updateRecords(entries.map(({ update }) => update));
	} catch (error) {
		if (endsTheRun(error)) throw error;
		for (const index of entries.flatMap(({ indexes }) => indexes)) fail(index, error as Error);
		return outcomes as MarkMqlOutcome[];
	}
	results.forEach((result, position) => {
		const { update, indexes, previousStatus } = entries[position];
		for (const index of indexes) {
			const mql = statusRule(requests[index], update.object).mql;
			outcomes[index] = result.success
				? done(resultFor(update.object, update.id, previousStatus, mql, null))
				: failed(result.error);
		}
	});
	return outcomes as MarkMqlOutcome[];
}

/**
 * Marks records as MQL, 200 at a time, and returns one outcome per request in order. A request
 * that fails (record not found, a validation rule, a bad value) fails alone. REQUEST_LIMIT_EXCEEDED
 * or a refused token ends the work at once, because every later call would fail the same way:
 * the requests not done yet fail with it (or, with `stopAfterFailure`, it is thrown).
 */
export async function markAsMql(
	client: SalesforceClient,
	requests: MarkMqlRequest[],
	options: MarkMqlOptions = {},
	metadata = new OrgMetadata(client),
): Promise<MarkMqlOutcome[]> {
	return await inBatches(
		requests,
		async (batch) => await markBatch(client, metadata, batch, options),
		options,
	);
}
