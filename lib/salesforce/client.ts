/** Salesforce REST API calls with retries and error mapping; no n8n imports, no secrets. */
import { type Clock, systemClock } from '../http/clock';
import type { HttpRequest, HttpResponse, HttpTransport } from '../http/transport';

import {
	SalesforceApiError,
	SalesforceAuthError,
	SalesforceNetworkError,
	apiErrorFromResponse,
	hintFor,
} from './errors';
import type { RecordObject } from './ids';

/** sObject Collections take at most 200 records a call. */
export const MAX_COLLECTION_RECORDS = 200;

export type FieldValue = string | number | boolean | null;

export interface SalesforceClientOptions {
	/** Without a token: wrap it in {@link withClientCredentials} outside n8n; in n8n the credential adds it. */
	transport: HttpTransport;
	/** `v64.0` (or `64.0`). */
	apiVersion: string;
	/** Further attempts after a 5xx answer or a network error. Default 3. */
	retries?: number;
	/** First backoff delay; each retry doubles it. Default 500 ms. */
	retryDelayMs?: number;
	/** Default: the real clock's. */
	sleep?: Clock['sleep'];
}

export interface ApiUsage {
	used: number;
	limit: number;
}

export interface RecordUpdate {
	object: RecordObject;
	id: string;
	fields: Record<string, FieldValue>;
}

/** One record's result from sObject Collections, in request order. */
export type RecordResult =
	| { id: string; success: true; created?: boolean }
	| { id: string | undefined; success: false; error: SalesforceApiError };

interface CollectionItemResult {
	id?: string;
	success: boolean;
	created?: boolean;
	errors?: Array<{ statusCode?: string; message?: string; fields?: string[] }>;
}

/** What `GET /sobjects/{object}/describe` says about one field (the parts the package reads). */
export interface FieldDescribe {
	name: string;
	label: string;
	type: string;
	updateable: boolean;
	createable: boolean;
	externalId: boolean;
	picklistValues: Array<{ value: string; label: string; active: boolean }>;
}

export interface ObjectDescribe {
	name: string;
	fields: FieldDescribe[];
}

export function normalizeApiVersion(value: string): string {
	const match = /^v?(\d{2,3})(?:\.(\d))?$/i.exec(value.trim());
	if (!match) throw new Error(`"${value}" is not a Salesforce API version: use the form v64.0`);
	return `v${match[1]}.${match[2] ?? '0'}`;
}

export class SalesforceClient {
	/** The org's API usage from the last response's `Sforce-Limit-Info` header. */
	apiUsage: ApiUsage | undefined;
	readonly apiVersion: string;
	private readonly transport: HttpTransport;
	private readonly retries: number;
	private readonly retryDelayMs: number;
	private readonly sleep: Clock['sleep'];

	constructor(options: SalesforceClientOptions) {
		this.transport = options.transport;
		this.apiVersion = normalizeApiVersion(options.apiVersion);
		this.retries = options.retries ?? 3;
		this.retryDelayMs = options.retryDelayMs ?? 500;
		this.sleep = options.sleep ?? systemClock.sleep;
	}

	private get dataPath(): string {
		return `/services/data/${this.apiVersion}`;
	}

	/** Runs a SOQL query and follows `nextRecordsUrl` until every record is read. */
	async query<T extends Record<string, unknown>>(soql: string): Promise<T[]> {
		const records: T[] = [];
		let page = await this.send({ method: 'GET', url: `${this.dataPath}/query`, qs: { q: soql } });
		for (;;) {
			const body = page.body as { records?: T[]; done?: boolean; nextRecordsUrl?: string };
			records.push(...(body.records ?? []));
			if (body.done !== false || !body.nextRecordsUrl) return records;
			page = await this.send({ method: 'GET', url: body.nextRecordsUrl });
		}
	}

	async getRecord<T extends Record<string, unknown>>(
		objectType: string,
		id: string,
		fields: string[],
	): Promise<T> {
		const response = await this.send({
			method: 'GET',
			url: `${this.dataPath}/sobjects/${objectType}/${encodeURIComponent(id)}`,
			qs: { fields: fields.join(',') },
		});
		return response.body as T;
	}

	/** The object's fields, their types and picklist values (in the org's order). */
	async describe(objectType: RecordObject): Promise<ObjectDescribe> {
		const response = await this.send({
			method: 'GET',
			url: `${this.dataPath}/sobjects/${objectType}/describe`,
		});
		return response.body as ObjectDescribe;
	}

	/**
	 * Updates up to 200 records in one sObject Collections call with `allOrNone: false`: each
	 * record succeeds or fails on its own, and the results come back in request order. Records
	 * are sent grouped by object, since a call takes at most 10 runs of one type.
	 */
	async updateRecords(updates: RecordUpdate[]): Promise<RecordResult[]> {
		const order = updates
			.map((update, index) => ({ update, index }))
			.sort((a, b) => a.update.object.localeCompare(b.update.object));
		const results = await this.collection(
			'PATCH',
			'/composite/sobjects',
			order.map(({ update }) => ({
				attributes: { type: update.object },
				...update.fields,
				id: update.id,
			})),
		);
		const inRequestOrder = new Array<RecordResult>(updates.length);
		order.forEach(({ update, index }, position) => {
			const result = results[position];
			inRequestOrder[index] = result.success
				? { id: update.id, success: true }
				: { ...result, id: update.id };
		});
		return inRequestOrder;
	}

	/** Creates up to 200 records of one object in one sObject Collections call (`allOrNone: false`). */
	async createRecords(
		objectType: RecordObject,
		records: Array<Record<string, FieldValue>>,
	): Promise<RecordResult[]> {
		return await this.collection(
			'POST',
			'/composite/sobjects',
			records.map((fields) => ({ attributes: { type: objectType }, ...fields })),
		);
	}

	/**
	 * Upserts up to 200 records by an external ID field: each record carries the field's value and
	 * is updated when one record has it, created when none has. Results carry `created`.
	 */
	async upsertRecords(
		objectType: RecordObject,
		externalIdField: string,
		records: Array<Record<string, FieldValue>>,
	): Promise<RecordResult[]> {
		return await this.collection(
			'PATCH',
			`/composite/sobjects/${objectType}/${encodeURIComponent(externalIdField)}`,
			records.map((fields) => ({ attributes: { type: objectType }, ...fields })),
		);
	}

	private async collection(
		method: 'POST' | 'PATCH',
		path: string,
		records: Array<Record<string, unknown>>,
	): Promise<RecordResult[]> {
		if (records.length === 0) return [];
		if (records.length > MAX_COLLECTION_RECORDS) {
			throw new Error(
				`sObject Collections take at most ${MAX_COLLECTION_RECORDS} records, not ${records.length}`,
			);
		}
		const response = await this.send({
			method,
			url: `${this.dataPath}${path}`,
			body: { allOrNone: false, records },
		});
		const results = response.body as CollectionItemResult[];
		if (!Array.isArray(results) || results.length !== records.length) {
			throw new SalesforceApiError(
				`Salesforce answered ${Array.isArray(results) ? results.length : 'no'} results for ${records.length} records`,
				response.status,
				'UNEXPECTED_RESPONSE',
			);
		}
		return results.map((result): RecordResult => {
			if (result.success && typeof result.id === 'string') {
				return result.created === undefined
					? { id: result.id, success: true }
					: { id: result.id, success: true, created: result.created };
			}
			const errors = result.errors ?? [];
			const errorCode = errors[0]?.statusCode ?? 'UNKNOWN_ERROR';
			const message =
				errors.map((error) => error.message ?? error.statusCode).join('; ') || 'The change failed';
			return {
				id: result.id,
				success: false,
				error: new SalesforceApiError(
					message,
					response.status,
					errorCode,
					errors[0]?.fields ?? [],
					hintFor(errorCode),
				),
			};
		});
	}

	/** One call with bounded retries on 5xx answers and network errors; other errors are thrown at once. */
	private async send(request: HttpRequest): Promise<HttpResponse> {
		for (let attempt = 0; ; attempt++) {
			let response: HttpResponse;
			try {
				response = await this.transport(request);
			} catch (error) {
				// A refused token is not a network error: retrying cannot fix the credential.
				if (error instanceof SalesforceAuthError) throw error;
				if (attempt < this.retries) {
					await this.backoff(attempt);
					continue;
				}
				throw new SalesforceNetworkError(
					`No answer from Salesforce after ${attempt + 1} attempts: ${(error as Error).message}`,
				);
			}
			this.readApiUsage(response);
			if (response.status >= 200 && response.status < 300) return response;
			if (response.status >= 500 && attempt < this.retries) {
				await this.backoff(attempt);
				continue;
			}
			const error = apiErrorFromResponse(response.status, response.body);
			if (response.status >= 500) {
				error.message = `${error.message} (HTTP ${response.status} after ${attempt + 1} attempts)`;
			}
			if (error.isRequestLimit && this.apiUsage) {
				error.message = `${error.message} API usage: ${this.apiUsage.used}/${this.apiUsage.limit} requests in the last 24 hours.`;
			}
			throw error;
		}
	}

	private async backoff(attempt: number): Promise<void> {
		const jitter = 0.8 + Math.random() * 0.4;
		await this.sleep(Math.round(this.retryDelayMs * 2 ** attempt * jitter));
	}

	private readApiUsage(response: HttpResponse): void {
		const match = /api-usage=(\d+)\/(\d+)/.exec(response.headers['sforce-limit-info'] ?? '');
		if (match) this.apiUsage = { used: Number(match[1]), limit: Number(match[2]) };
	}
}
