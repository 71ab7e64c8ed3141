/**
 * Finding the lead or contact each request means, for a batch of up to 200 requests in one SOQL
 * query per object, whatever the mix of lookups (ID, email, external ID).
 */
import { type Outcome, done, failed } from '../outcome';

import type { SalesforceClient } from './client';
import { SalesforceApiError, hintFor } from './errors';
import { recordIdProblem, objectOfId, toId18, type RecordObject } from './ids';
import { isFieldApiName, soqlString } from './soql';

export type RecordLookup =
	| { findBy: 'id'; recordId: string }
	| { findBy: 'email'; email: string }
	| { findBy: 'externalId'; field: string; value: string };

/** Where to look: leads, contacts, or a lead first and then (none, or converted) the contact. */
export type ObjectChoice = 'lead' | 'contact' | 'leadThenContact';

export type SalesforceRecord = Record<string, unknown> & { Id: string };

export interface FindRequest {
	lookup: RecordLookup;
	object: ObjectChoice;
	/** Fields to read per object besides those the lookup needs (e.g. the status field). */
	fields: Partial<Record<RecordObject, string[]>>;
}

/** The record found; a converted lead is returned as such when it has no contact to go to. */
export type Found = { object: RecordObject; record: SalesforceRecord } | undefined;

/** A record that cannot be found unambiguously, or a request that cannot be sent as it is. */
export class LookupError extends Error {
	readonly name = 'LookupError';
}

/** Keeps each query's URL well under the 16 KB that Salesforce accepts for a request line. */
const MAX_ENCODED_QUERY_LENGTH = 12_000;

const LOOKUP_FIELDS: Record<RecordObject, string[]> = {
	Lead: ['Id', 'IsConverted', 'ConvertedContactId', 'Email'],
	Contact: ['Id', 'Email'],
};

export function objectsOf(choice: ObjectChoice): RecordObject[] {
	return choice === 'lead' ? ['Lead'] : choice === 'contact' ? ['Contact'] : ['Lead', 'Contact'];
}

export function fieldValue(record: Record<string, unknown>, field: string): unknown {
	if (field in record) return record[field];
	const key = Object.keys(record).find((name) => name.toLowerCase() === field.toLowerCase());
	return key === undefined ? undefined : record[key];
}

export const sameText = (a: unknown, b: string) =>
	typeof a === 'string' && a.trim().toLowerCase() === b.trim().toLowerCase();

export function describeLookup(lookup: RecordLookup): string {
	switch (lookup.findBy) {
		case 'id':
			return `ID "${lookup.recordId}"`;
		case 'email':
			return `Email "${lookup.email}"`;
		default:
			return `${lookup.field} "${lookup.value}"`;
	}
}

const NOUNS: Record<ObjectChoice, string> = {
	lead: 'lead',
	contact: 'contact',
	leadThenContact: 'lead or contact',
};

export function notFoundMessage(request: Pick<FindRequest, 'lookup' | 'object'>): string {
	return `No Salesforce ${NOUNS[request.object]} has ${describeLookup(request.lookup)}`;
}

/** Why a lookup cannot be sent, checked before anything goes into a URL or a query. */
export function lookupProblem(lookup: RecordLookup, object: ObjectChoice): string | undefined {
	if (lookup.findBy === 'id') {
		const id = lookup.recordId.trim();
		if (!id) return `The ${object === 'contact' ? 'Contact' : 'Lead'} ID is empty`;
		return recordIdProblem(id, objectsOf(object));
	}
	if (lookup.findBy === 'email') {
		return lookup.email.trim()
			? undefined
			: `The email is empty: no ${NOUNS[object]} can be found without one`;
	}
	if (!isFieldApiName(lookup.field))
		return `"${lookup.field}" is not a field API name (e.g. External_Id__c)`;
	return lookup.value.trim() ? undefined : `The ${lookup.field} value is empty`;
}

/** `(field, literal)` terms → as few queries as fit the URL limit, all reading the same fields. */
function buildQueries(
	object: RecordObject,
	selectFields: string[],
	terms: Array<[string, string]>,
): string[] {
	const select = `SELECT ${selectFields.join(', ')} FROM ${object} WHERE `;
	const render = (group: Map<string, Set<string>>) =>
		select +
		[...group].map(([field, literals]) => `${field} IN (${[...literals].join(', ')})`).join(' OR ');
	const queries: string[] = [];
	let group = new Map<string, Set<string>>();
	let encodedLength = encodeURIComponent(select).length;
	for (const [field, literal] of terms) {
		// Upper bound of what the term adds: its literal, a separator, and the field's `OR f IN ()`.
		const added =
			encodeURIComponent(literal).length +
			6 +
			(group.has(field) ? 0 : encodeURIComponent(` OR ${field} IN ()`).length);
		if (group.size > 0 && encodedLength + added > MAX_ENCODED_QUERY_LENGTH) {
			queries.push(render(group));
			group = new Map();
			encodedLength = encodeURIComponent(select).length;
		}
		group.set(field, (group.get(field) ?? new Set()).add(literal));
		encodedLength += added;
	}
	if (group.size > 0) queries.push(render(group));
	return queries;
}

/** The column an INVALID_FIELD answer names: `No such column 'Foo__c' on entity 'Lead'`. */
function missingColumn(error: unknown): string | undefined {
	if (!(error instanceof SalesforceApiError) || error.errorCode !== 'INVALID_FIELD')
		return undefined;
	return /No such column '([^']+)' on entity/.exec(error.message)?.[1];
}

interface ReadEntry {
	index: number;
	term: [string, string];
	fields: string[];
}

/**
 * Reads the records the entries look for in one query (more only for very long URLs). A field
 * that one request names and the object lacks fails only the requests that name it: the query
 * runs again without them, so a typo in one item's field does not fail the other 199.
 */
async function readRecords(
	client: SalesforceClient,
	object: RecordObject,
	entries: ReadEntry[],
	baseFields: string[],
	fail: (index: number, error: Error) => void,
): Promise<SalesforceRecord[]> {
	let active = entries;
	for (;;) {
		if (active.length === 0) return [];
		const select = new Map<string, string>();
		for (const field of baseFields) select.set(field.toLowerCase(), field);
		for (const entry of active) {
			for (const field of [entry.term[0], ...entry.fields]) select.set(field.toLowerCase(), field);
		}
		try {
			let records: SalesforceRecord[] = [];
			for (const soql of buildQueries(
				object,
				[...select.values()],
				active.map((entry) => entry.term),
			)) {
				records = records.concat(await client.query<SalesforceRecord>(soql));
			}
			return records;
		} catch (error) {
			const column = missingColumn(error)?.toLowerCase();
			const names = (entry: ReadEntry) =>
				[entry.term[0], ...entry.fields].some((field) => field.toLowerCase() === column);
			const naming =
				column && !baseFields.some((field) => field.toLowerCase() === column)
					? active.filter(names)
					: [];
			if (naming.length === 0) throw error;
			const apiError = error as SalesforceApiError;
			for (const entry of naming) {
				const field = [entry.term[0], ...entry.fields].find(
					(name) => name.toLowerCase() === column,
				)!;
				fail(
					entry.index,
					new SalesforceApiError(
						`No such column '${field}' on entity '${object}'`,
						apiError.status,
						'INVALID_FIELD',
						[field],
						hintFor('INVALID_FIELD'),
					),
				);
			}
			active = active.filter((entry) => !names(entry));
		}
	}
}

function termOf(lookup: RecordLookup): [string, string] {
	if (lookup.findBy === 'id') return ['Id', soqlString(toId18(lookup.recordId.trim()))];
	if (lookup.findBy === 'email') return ['Email', soqlString(lookup.email.trim())];
	return [lookup.field, soqlString(lookup.value.trim())];
}

function matching(lookup: RecordLookup, records: SalesforceRecord[]): SalesforceRecord[] {
	switch (lookup.findBy) {
		case 'id': {
			const id18 = toId18(lookup.recordId.trim());
			return records.filter((record) => record.Id === id18);
		}
		case 'email':
			return records.filter((record) => sameText(record.Email, lookup.email));
		default:
			return records.filter((record) =>
				sameText(String(fieldValue(record, lookup.field) ?? ''), lookup.value),
			);
	}
}

/** The one record a lookup means: of several leads, the only one not converted yet. */
function pick(
	object: RecordObject,
	lookup: RecordLookup,
	records: SalesforceRecord[],
): SalesforceRecord | undefined {
	const found = matching(lookup, records);
	if (found.length <= 1) return found[0];
	const open = object === 'Lead' ? found.filter((record) => record.IsConverted !== true) : [];
	if (open.length === 1) return open[0];
	const instead =
		object === 'Lead'
			? 'find the lead by ID or by a unique external ID instead'
			: 'find the contact by ID or by a unique external ID instead';
	throw new LookupError(
		`${found.length} Salesforce ${object === 'Lead' ? 'leads' : 'contacts'} have ${describeLookup(lookup)} (${found.map((record) => record.Id).join(', ')}): ${instead}`,
	);
}

/**
 * Finds the record of every request: one query for the leads, one for the contacts. Lookups that
 * fail on their own (not found twice over, a missing field) fail alone; an error of the whole
 * query is thrown for the caller to decide.
 */
export async function findRecords(
	client: SalesforceClient,
	requests: FindRequest[],
): Promise<Array<Outcome<Found>>> {
	const outcomes: Array<Outcome<Found> | undefined> = new Array(requests.length);
	const fail = (index: number, error: Error) => (outcomes[index] = failed(error));

	// Leads first: for `leadThenContact`, whether to look for a contact depends on the lead.
	const leadEntries: ReadEntry[] = [];
	requests.forEach(({ lookup, object, fields }, index) => {
		if (object === 'contact') return;
		if (lookup.findBy === 'id' && objectOfId(lookup.recordId.trim()) !== 'Lead') return;
		leadEntries.push({ index, term: termOf(lookup), fields: fields.Lead ?? [] });
	});
	const leads = await readRecords(client, 'Lead', leadEntries, LOOKUP_FIELDS.Lead, fail);

	const convertedLeads = new Map<number, SalesforceRecord>();
	const contactEntries: ReadEntry[] = [];
	requests.forEach(({ lookup, object, fields }, index) => {
		if (outcomes[index]) return;
		if (
			object !== 'contact' &&
			!(lookup.findBy === 'id' && objectOfId(lookup.recordId.trim()) === 'Contact')
		) {
			let lead: SalesforceRecord | undefined;
			try {
				lead = pick('Lead', lookup, leads);
			} catch (error) {
				fail(index, error as Error);
				return;
			}
			if (object === 'lead' || (lead && lead.IsConverted !== true)) {
				outcomes[index] = done(lead && { object: 'Lead', record: lead });
				return;
			}
			if (lead) convertedLeads.set(index, lead);
			// A converted lead names its contact; an ID lookup of a lead cannot match a contact otherwise.
			const contactId = lead?.ConvertedContactId;
			if (typeof contactId === 'string' && contactId) {
				contactEntries.push({
					index,
					term: ['Id', soqlString(toId18(contactId))],
					fields: fields.Contact ?? [],
				});
				return;
			}
			if (lookup.findBy === 'id') {
				outcomes[index] = done(lead && { object: 'Lead', record: lead });
				return;
			}
		}
		contactEntries.push({ index, term: termOf(lookup), fields: fields.Contact ?? [] });
	});
	const contacts = await readRecords(
		client,
		'Contact',
		contactEntries,
		LOOKUP_FIELDS.Contact,
		fail,
	);
	for (const entry of contactEntries) {
		if (outcomes[entry.index]) continue;
		const convertedLead = convertedLeads.get(entry.index);
		const lookup: RecordLookup =
			entry.term[0] === 'Id' && convertedLead
				? { findBy: 'id', recordId: String(convertedLead.ConvertedContactId) }
				: requests[entry.index].lookup;
		try {
			const contact = pick('Contact', lookup, contacts);
			const found: Found = contact
				? { object: 'Contact', record: contact }
				: convertedLead && { object: 'Lead', record: convertedLead };
			outcomes[entry.index] = done(found);
		} catch (error) {
			fail(entry.index, error as Error);
		}
	}
	return outcomes as Array<Outcome<Found>>;
}
