/**
 * Hands qualified leads to sales: finds each lead, skips the ones already at MQL or beyond and
 * the converted ones, and sets the rest to the MQL status. Per batch of up to 200 leads it makes
 * one query and one sObject Collections update, whatever the mix of lookups.
 */
import { MAX_COLLECTION_RECORDS, type FieldValue, type RecordUpdate, type SalesforceClient } from './client';
import { SalesforceApiError, SalesforceAuthError } from './errors';
import { leadIdProblem, toId18 } from './ids';
import { isFieldApiName, soqlString } from './soql';

export type LeadLookup =
	| { findBy: 'id'; leadId: string }
	| { findBy: 'email'; email: string }
	| { findBy: 'externalId'; field: string; value: string };

export interface MarkMqlRequest {
	lookup: LeadLookup;
	/** Picklist field that holds the lead's stage; default `Status`. */
	statusField: string;
	mqlStatus: string;
	/** Statuses never changed (the MQL status itself always counts as one). */
	skipStatuses: string[];
	/** More fields to set on leads that are updated, e.g. `Lead_Score__c`. */
	fields: Record<string, FieldValue>;
}

export type SkippedReason = 'alreadyMql' | 'skipStatus' | 'converted';

export interface MarkMqlResult {
	leadId: string;
	previousStatus: string | null;
	status: string | null;
	updated: boolean;
	skippedReason: SkippedReason | null;
}

export type MarkMqlOutcome = { ok: true; result: MarkMqlResult } | { ok: false; error: Error };

/** A lead that cannot be found, or a request that cannot be sent as it is. */
export class LeadLookupError extends Error {
	readonly name = 'LeadLookupError';
}

/** Errors after which no call can succeed: the daily limit is used up, or the token is refused. */
function endsTheRun(error: unknown): error is SalesforceApiError | SalesforceAuthError {
	return (error instanceof SalesforceApiError && error.isRequestLimit) || error instanceof SalesforceAuthError;
}

type LeadRecord = Record<string, unknown> & { Id: string; IsConverted?: boolean };

/** Keeps each query's URL well under the 16 KB that Salesforce accepts for a request line. */
const MAX_ENCODED_QUERY_LENGTH = 12_000;
const READ_ONLY_FIELDS = new Set(['id', 'isconverted']);

function fieldValue(record: Record<string, unknown>, field: string): unknown {
	if (field in record) return record[field];
	const key = Object.keys(record).find((name) => name.toLowerCase() === field.toLowerCase());
	return key === undefined ? undefined : record[key];
}

const sameText = (a: unknown, b: string) => typeof a === 'string' && a.trim().toLowerCase() === b.trim().toLowerCase();

function describeLookup(lookup: LeadLookup): string {
	switch (lookup.findBy) {
		case 'id':
			return `ID "${lookup.leadId}"`;
		case 'email':
			return `Email "${lookup.email}"`;
		default:
			return `${lookup.field} "${lookup.value}"`;
	}
}

/** Why a request cannot be sent, checked before anything goes into a URL or a query. */
function requestProblem(request: MarkMqlRequest): string | undefined {
	const { lookup } = request;
	if (lookup.findBy === 'id') {
		if (!lookup.leadId.trim()) return 'The Lead ID is empty';
		const problem = leadIdProblem(lookup.leadId.trim());
		if (problem) return problem;
	} else if (lookup.findBy === 'email') {
		if (!lookup.email.trim()) return 'The email is empty: no lead can be found without one';
	} else {
		if (!isFieldApiName(lookup.field)) return `"${lookup.field}" is not a field API name (e.g. External_Id__c)`;
		if (!lookup.value.trim()) return `The ${lookup.field} value is empty`;
	}
	if (!isFieldApiName(request.statusField)) return `"${request.statusField}" is not a field API name (e.g. Status)`;
	if (!request.mqlStatus.trim()) return 'The MQL status is empty';
	for (const field of Object.keys(request.fields)) {
		if (!isFieldApiName(field)) return `"${field}" is not a field API name (custom fields end in __c)`;
		if (READ_ONLY_FIELDS.has(field.toLowerCase())) return `${field} cannot be set`;
		if (field.toLowerCase() === request.statusField.toLowerCase()) {
			return `${field} is the status field: set its value with "MQL Status", not as an extra field`;
		}
	}
	return undefined;
}

/** `(field, literal)` terms → as few queries as fit the URL limit, all reading the same fields. */
function buildQueries(selectFields: string[], terms: Array<[string, string]>): string[] {
	const select = `SELECT ${selectFields.join(', ')} FROM Lead WHERE `;
	const render = (group: Map<string, Set<string>>) =>
		select + [...group].map(([field, literals]) => `${field} IN (${[...literals].join(', ')})`).join(' OR ');
	const queries: string[] = [];
	let group = new Map<string, Set<string>>();
	let encodedLength = encodeURIComponent(select).length;
	for (const [field, literal] of terms) {
		// Upper bound of what the term adds: its literal, a separator, and the field's `OR f IN ()`.
		const added =
			encodeURIComponent(literal).length + 6 + (group.has(field) ? 0 : encodeURIComponent(` OR ${field} IN ()`).length);
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

function matchingLeads(lookup: LeadLookup, leads: LeadRecord[]): LeadRecord[] {
	switch (lookup.findBy) {
		case 'id': {
			const id18 = toId18(lookup.leadId.trim());
			return leads.filter((lead) => lead.Id === id18);
		}
		case 'email':
			return leads.filter((lead) => sameText(lead.Email, lookup.email));
		default:
			return leads.filter((lead) => sameText(String(fieldValue(lead, lookup.field) ?? ''), lookup.value));
	}
}

/** The one lead a lookup means: of several, the only one not converted yet. */
function pickLead(lookup: LeadLookup, leads: LeadRecord[]): LeadRecord {
	const found = matchingLeads(lookup, leads);
	if (found.length === 1) return found[0];
	if (found.length === 0) throw new LeadLookupError(`No Salesforce lead has ${describeLookup(lookup)}`);
	const open = found.filter((lead) => lead.IsConverted !== true);
	if (open.length === 1) return open[0];
	throw new LeadLookupError(
		`${found.length} Salesforce leads have ${describeLookup(lookup)} (${found.map((lead) => lead.Id).join(', ')}): find the lead by ID or by a unique external ID instead`,
	);
}

function skippedReason(request: MarkMqlRequest, lead: LeadRecord, status: unknown): SkippedReason | null {
	if (lead.IsConverted === true) return 'converted';
	if (sameText(status, request.mqlStatus)) return 'alreadyMql';
	if (request.skipStatuses.some((skip) => sameText(status, skip))) return 'skipStatus';
	return null;
}

export interface MarkMqlOptions {
	/**
	 * Stop at the first failure by throwing a {@link RequestFailure}: a batch in which a lead
	 * cannot be found is not written, and no later batch is read. (A record that Salesforce
	 * refuses is found only after its batch was sent: the rest of that batch is written.)
	 */
	stopAfterFailure?: boolean;
}

/** The first request that failed, when the caller asked to stop there. */
export class RequestFailure extends Error {
	readonly name = 'RequestFailure';
	constructor(
		readonly index: number,
		readonly error: Error,
	) {
		super(error.message);
	}
}

function firstFailure(outcomes: Array<MarkMqlOutcome | undefined>): RequestFailure | undefined {
	const index = outcomes.findIndex((outcome) => outcome && !outcome.ok);
	const outcome = outcomes[index];
	return outcome && !outcome.ok ? new RequestFailure(index, outcome.error) : undefined;
}

async function markBatch(
	client: SalesforceClient,
	requests: MarkMqlRequest[],
	options: MarkMqlOptions,
): Promise<MarkMqlOutcome[]> {
	const outcomes: Array<MarkMqlOutcome | undefined> = requests.map((request) => {
		const problem = requestProblem(request);
		return problem ? { ok: false, error: new LeadLookupError(problem) } : undefined;
	});
	const pending = requests.map((request, index) => ({ request, index })).filter(({ index }) => !outcomes[index]);
	if (pending.length === 0) return outcomes as MarkMqlOutcome[];

	const failPending = (error: Error, indexes: number[]) => {
		for (const index of indexes) outcomes[index] = { ok: false, error };
	};

	// One read for the whole batch: every lookup kind in one WHERE, every field the decisions need.
	const selectFields = new Map<string, string>();
	for (const field of ['Id', 'IsConverted', 'Email']) selectFields.set(field.toLowerCase(), field);
	const terms: Array<[string, string]> = [];
	for (const { request } of pending) {
		selectFields.set(request.statusField.toLowerCase(), request.statusField);
		const { lookup } = request;
		if (lookup.findBy === 'id') terms.push(['Id', soqlString(toId18(lookup.leadId.trim()))]);
		else if (lookup.findBy === 'email') terms.push(['Email', soqlString(lookup.email.trim())]);
		else {
			selectFields.set(lookup.field.toLowerCase(), lookup.field);
			terms.push([lookup.field, soqlString(lookup.value.trim())]);
		}
	}
	let leads: LeadRecord[] = [];
	try {
		for (const soql of buildQueries([...selectFields.values()], terms)) {
			leads = leads.concat(await client.query<LeadRecord>(soql));
		}
	} catch (error) {
		if (endsTheRun(error)) throw error;
		failPending(error as Error, pending.map(({ index }) => index));
		return outcomes as MarkMqlOutcome[];
	}

	// Decide per request; requests for the same lead share one record in the update.
	const updatesByLead = new Map<string, { update: RecordUpdate; indexes: number[]; previousStatus: unknown }>();
	for (const { request, index } of pending) {
		let lead: LeadRecord;
		try {
			lead = pickLead(request.lookup, leads);
		} catch (error) {
			outcomes[index] = { ok: false, error: error as Error };
			continue;
		}
		const status = fieldValue(lead, request.statusField);
		const reason = skippedReason(request, lead, status);
		if (reason) {
			const current = typeof status === 'string' ? status : null;
			outcomes[index] = {
				ok: true,
				result: { leadId: lead.Id, previousStatus: current, status: current, updated: false, skippedReason: reason },
			};
			continue;
		}
		const entry = updatesByLead.get(lead.Id) ?? {
			update: { id: lead.Id, fields: {} },
			indexes: [],
			previousStatus: status,
		};
		Object.assign(entry.update.fields, request.fields, { [request.statusField]: request.mqlStatus });
		entry.indexes.push(index);
		updatesByLead.set(lead.Id, entry);
	}

	const entries = [...updatesByLead.values()];
	const lookupFailure = options.stopAfterFailure ? firstFailure(outcomes) : undefined;
	if (lookupFailure) throw lookupFailure;
	let results;
	try {
		results = await client.updateRecords(
			'Lead',
			entries.map(({ update }) => update),
		);
	} catch (error) {
		if (endsTheRun(error)) throw error;
		failPending(error as Error, entries.flatMap(({ indexes }) => indexes));
		return outcomes as MarkMqlOutcome[];
	}
	results.forEach((result, position) => {
		const { indexes, previousStatus } = entries[position];
		for (const index of indexes) {
			outcomes[index] = result.success
				? {
						ok: true,
						result: {
							leadId: result.id,
							previousStatus: typeof previousStatus === 'string' ? previousStatus : null,
							status: requests[index].mqlStatus,
							updated: true,
							skippedReason: null,
						},
					}
				: { ok: false, error: result.error };
		}
	});
	return outcomes as MarkMqlOutcome[];
}

/**
 * Marks leads as MQL, 200 at a time, and returns one outcome per request in order. A request
 * that fails (lead not found, a validation rule, a bad value) fails alone. REQUEST_LIMIT_EXCEEDED
 * or a refused token ends the work at once, because every later call would fail the same way:
 * the requests not done yet fail with it (or, with `stopAfterFailure`, it is thrown).
 */
export async function markLeadsAsMql(
	client: SalesforceClient,
	requests: MarkMqlRequest[],
	options: MarkMqlOptions = {},
): Promise<MarkMqlOutcome[]> {
	const outcomes: MarkMqlOutcome[] = [];
	for (let start = 0; start < requests.length; start += MAX_COLLECTION_RECORDS) {
		let batch: MarkMqlOutcome[];
		try {
			batch = await markBatch(client, requests.slice(start, start + MAX_COLLECTION_RECORDS), options);
		} catch (error) {
			if (error instanceof RequestFailure) throw new RequestFailure(start + error.index, error.error);
			if (options.stopAfterFailure || !endsTheRun(error)) throw error;
			for (let index = start; index < requests.length; index++) outcomes.push({ ok: false, error });
			return outcomes;
		}
		const failure = options.stopAfterFailure ? firstFailure(batch) : undefined;
		if (failure) throw new RequestFailure(start + failure.index, failure.error);
		outcomes.push(...batch);
	}
	return outcomes;
}
