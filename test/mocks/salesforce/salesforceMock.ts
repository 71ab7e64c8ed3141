/**
 * A loopback Salesforce org that answers as ../shared/api-facts.md describes: the client
 * credentials token endpoint on the My Domain host (no `expires_in`, an `instance_url` on a
 * second port), SOQL query, GET and PATCH on Lead, sObject Collections with per-record
 * `statusCode` errors, error arrays with `errorCode`, `Sforce-Limit-Info` on every REST answer,
 * 401 INVALID_SESSION_ID for revoked tokens, REQUEST_LIMIT_EXCEEDED at the daily limit.
 * Tests flip switches (restricted Lead Status picklist, 5xx outages, dropped connections) and
 * read call counters.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { toId18 } from '../../../lib/salesforce/ids';
import { conditionFields, likeMatches, parseSoql, SoqlSyntaxError, type Condition, type SoqlValue } from './soqlParser';

export type LeadFields = Record<string, unknown>;
export interface MockLead extends LeadFields {
	Id: string;
	Status: string;
	IsConverted: boolean;
}

type FieldType = 'id' | 'string' | 'email' | 'picklist' | 'boolean' | 'double' | 'date' | 'datetime';
interface FieldDefinition {
	name: string;
	label: string;
	type: FieldType;
	updateable: boolean;
}

const LEAD_FIELDS: FieldDefinition[] = [
	{ name: 'Id', label: 'Lead ID', type: 'id', updateable: false },
	{ name: 'FirstName', label: 'First Name', type: 'string', updateable: true },
	{ name: 'LastName', label: 'Last Name', type: 'string', updateable: true },
	{ name: 'Name', label: 'Full Name', type: 'string', updateable: false },
	{ name: 'Company', label: 'Company', type: 'string', updateable: true },
	{ name: 'Email', label: 'Email', type: 'email', updateable: true },
	{ name: 'Status', label: 'Lead Status', type: 'picklist', updateable: true },
	{ name: 'LeadSource', label: 'Lead Source', type: 'picklist', updateable: true },
	{ name: 'IsConverted', label: 'Converted', type: 'boolean', updateable: false },
	{ name: 'CreatedDate', label: 'Created Date', type: 'datetime', updateable: false },
	{ name: 'Lead_Score__c', label: 'Lead Score', type: 'double', updateable: true },
	{ name: 'MQL_Date__c', label: 'MQL Date', type: 'date', updateable: true },
	{ name: 'External_Id__c', label: 'External Id', type: 'string', updateable: true },
];

/** Developer Edition's Lead Status values: there is no MQL until an admin adds it. */
export const DEVELOPER_EDITION_LEAD_STATUSES = [
	'Open - Not Contacted',
	'Working - Contacted',
	'Closed - Converted',
	'Closed - Not Converted',
];

export interface SalesforceMockOptions {
	clientId?: string;
	clientSecret?: string;
	/** Rolling 24-hour API request limit (Developer Edition: 15,000). */
	dailyLimit?: number;
	/** Records per query page before `nextRecordsUrl` (Salesforce: 2,000). */
	queryPageSize?: number;
}

export interface CallCounters {
	token: number;
	query: number;
	queryMore: number;
	getLead: number;
	patchLead: number;
	collections: number;
	/** Every REST call that reached an org endpoint (what counts against the daily limit). */
	api: number;
	unauthorized: number;
}

export interface LoggedRequest {
	method: string;
	path: string;
	host: 'myDomain' | 'instance';
	body?: unknown;
}

/** A validation rule: returns its error text when the lead (after the change) breaks it. */
export type ValidationRule = (lead: MockLead, changes: LeadFields) => string | undefined;

class ApiError extends Error {
	constructor(
		readonly status: number,
		readonly errorCode: string,
		message: string,
		readonly fields?: string[],
	) {
		super(message);
	}
}

const API_VERSION = /^\/services\/data\/v(\d+)\.(\d)(\/.*)?$/;
const ID_PATTERN = /^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/;

const FIELDS_BY_NAME = new Map(LEAD_FIELDS.map((field) => [field.name.toLowerCase(), field]));

function definitionOf(name: string): FieldDefinition | undefined {
	return FIELDS_BY_NAME.get(name.toLowerCase());
}

/** An IN list as a set of comparable keys, built once per query (a batch read has 200 values). */
const inListKeys = new WeakMap<Condition, Set<string>>();

export class SalesforceMock {
	readonly clientId: string;
	readonly clientSecret: string;
	readonly orgId = '00D5g00000ABCDE';
	dailyLimit: number;
	apiUsage = 0;
	queryPageSize: number;
	/** When true, Lead Status accepts only `statusPicklist` values (INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST). */
	restrictedStatusPicklist = false;
	statusPicklist = [...DEVELOPER_EDITION_LEAD_STATUSES];
	/** When false, the token endpoint answers as an app without a Run As user. */
	clientCredentialsUserEnabled = true;
	validationRules: ValidationRule[] = [];
	calls: CallCounters = this.zeroCounters();
	requests: LoggedRequest[] = [];

	private readonly leads = new Map<string, MockLead>();
	private readonly deleted = new Set<string>();
	private readonly tokens = new Set<string>();
	/** Every access token handed out, so tests can check that none leaks into an output. */
	readonly issuedTokens: string[] = [];
	private readonly queryCursors = new Map<string, { records: Record<string, unknown>[]; served: number; version: string }>();
	private outage: { remaining: number; until: number; status: number } = { remaining: 0, until: 0, status: 503 };
	private dropsRemaining = 0;
	private hold: { released: Promise<void>; arrived: () => void } | undefined;
	private leadSequence = 0;
	private myDomainServer?: Server;
	private instanceServer?: Server;
	myDomainUrl = '';
	instanceUrl = '';

	constructor(options: SalesforceMockOptions = {}) {
		this.clientId = options.clientId ?? '3MVG9mock.client.id';
		this.clientSecret = options.clientSecret ?? 'mock-client-secret-0123456789';
		this.dailyLimit = options.dailyLimit ?? 15_000;
		this.queryPageSize = options.queryPageSize ?? 2_000;
	}

	async start(): Promise<void> {
		this.myDomainServer = await this.listen('myDomain');
		this.instanceServer = await this.listen('instance');
		this.myDomainUrl = `http://127.0.0.1:${(this.myDomainServer.address() as AddressInfo).port}`;
		this.instanceUrl = `http://127.0.0.1:${(this.instanceServer.address() as AddressInfo).port}`;
	}

	async stop(): Promise<void> {
		for (const server of [this.myDomainServer, this.instanceServer]) {
			if (!server) continue;
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		}
	}

	/** Credential data for n8n's `salesforceClientCredentialsOAuth2Api`. */
	credentials(apiVersion = 'v64.0') {
		return { myDomainUrl: this.myDomainUrl, clientId: this.clientId, clientSecret: this.clientSecret, apiVersion };
	}

	addLead(fields: LeadFields = {}): MockLead {
		this.leadSequence++;
		const id15 = `00Q5g0000${this.leadSequence.toString(36).padStart(6, '0')}`;
		const lead: MockLead = {
			FirstName: null,
			LastName: `Lead ${this.leadSequence}`,
			Company: 'Acme',
			Email: null,
			Status: 'Open - Not Contacted',
			LeadSource: null,
			IsConverted: false,
			CreatedDate: new Date().toISOString().replace('Z', '+0000'),
			Lead_Score__c: null,
			MQL_Date__c: null,
			External_Id__c: null,
			...fields,
			Id: toId18(id15),
		};
		this.leads.set(lead.Id, lead);
		return lead;
	}

	lead(id: string): MockLead | undefined {
		return this.leads.get(ID_PATTERN.test(id) ? toId18(id) : id);
	}

	allLeads(): MockLead[] {
		return [...this.leads.values()];
	}

	deleteLead(id: string): void {
		this.leads.delete(id);
		this.deleted.add(id);
	}

	/** Every token issued so far stops working, as when an admin revokes the app's sessions. */
	revokeTokens(): void {
		this.tokens.clear();
	}

	/** The next `count` REST calls (or all of them for `forMs`) answer with a 5xx status. */
	failRequests(options: { count?: number; forMs?: number; status?: 500 | 502 | 503 }): void {
		this.outage = {
			remaining: options.count ?? 0,
			until: options.forMs ? Date.now() + options.forMs : 0,
			status: options.status ?? 503,
		};
	}

	/**
	 * A slow Salesforce: REST calls wait unanswered (and unprocessed) until `release()`. `arrived`
	 * settles when the first one comes in, e.g. to kill n8n in the middle of a hand-off.
	 */
	holdRequests(): { arrived: Promise<void>; release: () => void } {
		let release = () => {};
		let arrived = () => {};
		const released = new Promise<void>((resolve) => (release = resolve));
		const first = new Promise<void>((resolve) => (arrived = resolve));
		this.hold = { released, arrived };
		return {
			arrived: first,
			release: () => {
				this.hold = undefined;
				release();
			},
		};
	}

	/** The next `count` REST calls get their connection closed without an answer. */
	dropConnections(count: number): void {
		this.dropsRemaining = count;
	}

	resetCounters(): void {
		this.calls = this.zeroCounters();
		this.requests = [];
	}

	private zeroCounters(): CallCounters {
		return { token: 0, query: 0, queryMore: 0, getLead: 0, patchLead: 0, collections: 0, api: 0, unauthorized: 0 };
	}

	private async listen(host: LoggedRequest['host']): Promise<Server> {
		const server = createServer((request, response) => {
			this.handle(host, request, response).catch((error: Error) => {
				response.writeHead(500, { 'Content-Type': 'text/plain' });
				response.end(`mock failure: ${error.message}`);
			});
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		return server;
	}

	private async readBody(request: IncomingMessage): Promise<string> {
		const chunks: Buffer[] = [];
		for await (const chunk of request) chunks.push(chunk as Buffer);
		return Buffer.concat(chunks).toString('utf8');
	}

	private async handle(host: LoggedRequest['host'], request: IncomingMessage, response: ServerResponse): Promise<void> {
		const url = new URL(request.url ?? '/', 'http://127.0.0.1');
		const raw = await this.readBody(request);
		const method = request.method ?? 'GET';
		if (host === 'instance' && this.hold) {
			const { released, arrived } = this.hold;
			arrived();
			await released;
		}
		const entry: LoggedRequest = { method, path: url.pathname, host };
		this.requests.push(entry);

		if (url.pathname === '/services/oauth2/token' && method === 'POST') {
			this.calls.token++;
			this.tokenEndpoint(request, raw, response);
			return;
		}

		const version = API_VERSION.exec(url.pathname);
		if (!version) {
			this.send(response, 404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }], false);
			return;
		}
		const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
		if (!token || !this.tokens.has(token)) {
			this.calls.unauthorized++;
			this.send(response, 401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
			return;
		}
		if (this.dropsRemaining > 0) {
			this.dropsRemaining--;
			request.socket.destroy();
			return;
		}
		if (this.apiUsage >= this.dailyLimit) {
			this.send(response, 403, [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
			return;
		}
		this.apiUsage++;
		this.calls.api++;
		const endpoint = endpointOf(method, version[3] ?? '/');
		if (endpoint) this.calls[endpoint]++;
		if (this.outage.remaining > 0 || Date.now() < this.outage.until) {
			if (this.outage.remaining > 0) this.outage.remaining--;
			const body =
				this.outage.status === 503
					? [{ errorCode: 'SERVER_UNAVAILABLE', message: 'Server is unavailable. Try again later.' }]
					: [
							{
								errorCode: 'UNKNOWN_EXCEPTION',
								message:
									'An unexpected error occurred. Please include this ErrorId if you contact support: 1486328737-61247 (-1158738245)',
							},
						];
			this.send(response, this.outage.status, body);
			return;
		}

		const versionNumber = Number(version[1]);
		const apiVersion = `v${version[1]}.${version[2]}`;
		const path = version[3] ?? '/';
		try {
			if (versionNumber < 20 || versionNumber > 67) {
				throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
			}
			let body: unknown;
			if (raw) {
				try {
					body = JSON.parse(raw);
				} catch {
					throw new ApiError(400, 'JSON_PARSER_ERROR', 'Unexpected character in the request body');
				}
				entry.body = body;
			}
			this.route(method, path, url, apiVersion, body, response);
		} catch (error) {
			if (!(error instanceof ApiError)) throw error;
			const detail: Record<string, unknown> = { message: error.message, errorCode: error.errorCode };
			if (error.fields) detail.fields = error.fields;
			this.send(response, error.status, [detail]);
		}
	}

	private route(method: string, path: string, url: URL, apiVersion: string, body: unknown, response: ServerResponse): void {
		if (path === '/query' && method === 'GET') {
			this.send(response, 200, this.query(url.searchParams.get('q') ?? '', apiVersion));
			return;
		}
		const more = /^\/query\/([^/]+)$/.exec(path);
		if (more && method === 'GET') {
			this.send(response, 200, this.queryMore(more[1]));
			return;
		}
		const single = /^\/sobjects\/Lead\/([^/]+)$/.exec(path);
		if (single && method === 'GET') {
			this.send(response, 200, this.getLead(decodeURIComponent(single[1]), url.searchParams.get('fields'), apiVersion));
			return;
		}
		if (single && method === 'PATCH') {
			const lead = this.findForPath(decodeURIComponent(single[1]));
			if (!isObject(body)) throw new ApiError(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object');
			const failure = this.applyUpdate(lead, body);
			if (failure) throw new ApiError(400, failure.statusCode, failure.message, failure.fields);
			this.send(response, 204, undefined);
			return;
		}
		if (path === '/composite/sobjects' && method === 'PATCH') {
			this.send(response, 200, this.updateCollection(body));
			return;
		}
		if (/^\/sobjects\/Lead\/?$/.test(path) || path === '/composite/sobjects') {
			throw new ApiError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed. Allowed are GET,HEAD,POST`);
		}
		throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
	}

	private tokenEndpoint(request: IncomingMessage, raw: string, response: ServerResponse): void {
		const tokenError = (error: string, description: string) => this.send(response, 400, { error, error_description: description }, false);
		if (!(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
			tokenError('unsupported_grant_type', 'grant type not supported');
			return;
		}
		const form = new URLSearchParams(raw);
		let clientId = form.get('client_id');
		let clientSecret = form.get('client_secret');
		const basic = /^Basic (.+)$/.exec(request.headers.authorization ?? '')?.[1];
		if (basic) {
			const [id, secret] = Buffer.from(basic, 'base64').toString('utf8').split(':');
			clientId = decodeURIComponent(id);
			clientSecret = decodeURIComponent(secret ?? '');
		}
		if (form.get('grant_type') !== 'client_credentials') {
			tokenError('unsupported_grant_type', 'grant type not supported');
		} else if (clientId !== this.clientId) {
			tokenError('invalid_client_id', 'client identifier invalid');
		} else if (clientSecret !== this.clientSecret) {
			tokenError('invalid_client', 'invalid client credentials');
		} else if (!this.clientCredentialsUserEnabled) {
			tokenError('invalid_grant', 'no client credentials user enabled');
		} else {
			const accessToken = `${this.orgId}!AR8AQ${randomBytes(36).toString('base64url')}`;
			this.tokens.add(accessToken);
			this.issuedTokens.push(accessToken);
			const id = `https://login.salesforce.com/id/${this.orgId}AAA/0055g00000XYZabAAG`;
			const issuedAt = String(Date.now());
			this.send(
				response,
				200,
				{
					access_token: accessToken,
					signature: createHmac('sha256', this.clientSecret).update(id + issuedAt).digest('base64'),
					scope: 'api',
					instance_url: this.instanceUrl,
					id,
					token_type: 'Bearer',
					issued_at: issuedAt,
				},
				false,
			);
		}
	}

	private send(response: ServerResponse, status: number, body: unknown, limitInfo = true): void {
		const headers: Record<string, string> = {};
		if (limitInfo) headers['Sforce-Limit-Info'] = `api-usage=${this.apiUsage}/${this.dailyLimit}`;
		if (body === undefined) {
			response.writeHead(status, headers);
			response.end();
			return;
		}
		headers['Content-Type'] = 'application/json;charset=UTF-8';
		response.writeHead(status, headers);
		response.end(JSON.stringify(body));
	}

	private query(soql: string, apiVersion: string) {
		let parsed;
		try {
			parsed = parseSoql(soql);
		} catch (error) {
			if (error instanceof SoqlSyntaxError) throw new ApiError(400, 'MALFORMED_QUERY', `\n${soql}\n^\nERROR at Row:1:Column:1\n${error.message}`);
			throw error;
		}
		if (parsed.object.toLowerCase() !== 'lead') {
			throw new ApiError(400, 'INVALID_TYPE', `\n${soql}\n^\nERROR at Row:1:Column:1\nsObject type '${parsed.object}' is not supported.`);
		}
		const fields = parsed.fields.map((name) => {
			const definition = definitionOf(name);
			if (!definition) throw this.noSuchColumn(soql, name);
			return definition;
		});
		for (const name of conditionFields(parsed.where)) if (!definitionOf(name)) throw this.noSuchColumn(soql, name);
		let matched = [...this.leads.values()].filter((lead) => !parsed.where || this.matches(lead, parsed.where));
		if (parsed.limit !== undefined) matched = matched.slice(0, parsed.limit);
		const records = matched.map((lead) => this.project(lead, fields, apiVersion));
		if (records.length <= this.queryPageSize) return { totalSize: records.length, done: true, records };
		const locator = `01g5g00000${randomBytes(4).toString('hex')}`;
		this.queryCursors.set(locator, { records, served: this.queryPageSize, version: apiVersion });
		return {
			totalSize: records.length,
			done: false,
			nextRecordsUrl: `/services/data/${apiVersion}/query/${locator}-${this.queryPageSize}`,
			records: records.slice(0, this.queryPageSize),
		};
	}

	private queryMore(locatorAndOffset: string) {
		const [locator] = locatorAndOffset.split('-');
		const cursor = this.queryCursors.get(locator);
		if (!cursor) throw new ApiError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
		const page = cursor.records.slice(cursor.served, cursor.served + this.queryPageSize);
		cursor.served += page.length;
		const done = cursor.served >= cursor.records.length;
		if (done) this.queryCursors.delete(locator);
		return {
			totalSize: cursor.records.length,
			done,
			...(done ? {} : { nextRecordsUrl: `/services/data/${cursor.version}/query/${locator}-${cursor.served}` }),
			records: page,
		};
	}

	private noSuchColumn(soql: string, name: string): ApiError {
		return new ApiError(
			400,
			'INVALID_FIELD',
			`\n${soql}\n^\nERROR at Row:1:Column:1\nNo such column '${name}' on entity 'Lead'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
		);
	}

	private matches(lead: MockLead, condition: Condition): boolean {
		switch (condition.kind) {
			case 'and':
				return this.matches(lead, condition.left) && this.matches(lead, condition.right);
			case 'or':
				return this.matches(lead, condition.left) || this.matches(lead, condition.right);
			case 'not':
				return !this.matches(lead, condition.operand);
			case 'in': {
				let keys = inListKeys.get(condition);
				if (!keys) {
					keys = new Set(condition.values.map((value) => this.comparableKey(definitionOf(condition.field)!, value)));
					inListKeys.set(condition, keys);
				}
				const found = keys.has(this.comparableKey(definitionOf(condition.field)!, fieldOf(lead, definitionOf(condition.field)!)));
				return condition.negated ? !found : found;
			}
			default: {
				if (condition.op === 'LIKE') {
					const value = fieldOf(lead, definitionOf(condition.field)!);
					return typeof value === 'string' && typeof condition.value === 'string' && likeMatches(value, condition.value);
				}
				const equal = this.equals(lead, condition.field, condition.value);
				return condition.op === '=' ? equal : !equal;
			}
		}
	}

	/** SOQL text comparison is case-insensitive; an Id literal may be 15 or 18 characters. */
	private equals(lead: MockLead, field: string, value: SoqlValue): boolean {
		const definition = definitionOf(field)!;
		return this.comparableKey(definition, value) === this.comparableKey(definition, fieldOf(lead, definition));
	}

	private comparableKey(definition: FieldDefinition, value: unknown): string {
		if (definition.type === 'id') {
			if (typeof value !== 'string' || !ID_PATTERN.test(value)) {
				throw new ApiError(400, 'INVALID_QUERY_FILTER_OPERATOR', `\nId = '${String(value)}'\n^\nERROR at Row:1:Column:1\ninvalid ID field: ${String(value)}`);
			}
			// The 18-character form spells out the case of the first 15, so it compares ignoring case.
			return `id:${toId18(value).toLowerCase()}`;
		}
		if (value === null || value === undefined) return 'null';
		return typeof value === 'string' ? `s:${value.toLowerCase()}` : `${typeof value}:${String(value)}`;
	}

	private project(lead: MockLead, fields: FieldDefinition[], apiVersion: string): Record<string, unknown> {
		const record: Record<string, unknown> = {
			attributes: { type: 'Lead', url: `/services/data/${apiVersion}/sobjects/Lead/${lead.Id}` },
		};
		for (const field of fields) {
			record[field.name] = fieldOf(lead, field) ?? null;
		}
		return record;
	}

	private findForPath(id: string): MockLead {
		if (!ID_PATTERN.test(id)) {
			throw new ApiError(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${id}`);
		}
		const lead = this.leads.get(toId18(id));
		if (!lead) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
		return lead;
	}

	private getLead(id: string, fieldList: string | null, apiVersion: string) {
		const lead = this.findForPath(id);
		const names = fieldList ? fieldList.split(',').map((name) => name.trim()) : LEAD_FIELDS.map((field) => field.name);
		const fields = names.map((name) => {
			const definition = definitionOf(name);
			if (!definition) throw new ApiError(400, 'INVALID_FIELD', `No such column '${name}' on sobject of type Lead`);
			return definition;
		});
		if (!fields.some((field) => field.name === 'Id')) fields.push(definitionOf('Id')!);
		return this.project(lead, fields, apiVersion);
	}

	/** Checks one record's changes and applies them; returns the failure instead when there is one. */
	private applyUpdate(lead: MockLead, body: LeadFields, dryRun = false): RecordFailure | undefined {
		const changes: LeadFields = {};
		for (const [name, value] of Object.entries(body)) {
			if (name === 'attributes' || name.toLowerCase() === 'id') continue;
			const definition = definitionOf(name);
			if (!definition) return { statusCode: 'INVALID_FIELD', message: `No such column '${name}' on sobject of type Lead`, fields: [] };
			if (!definition.updateable) {
				return {
					statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
					message: `Unable to create/update fields: ${definition.name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
					fields: [definition.name],
				};
			}
			const typeProblem = this.typeProblem(definition, value);
			if (typeProblem) return { statusCode: typeProblem.code, message: typeProblem.message, fields: [definition.name] };
			changes[definition.name] = value;
		}
		if (lead.IsConverted) return { statusCode: 'CANNOT_UPDATE_CONVERTED_LEAD', message: 'cannot reference converted lead', fields: [] };
		if (
			'Status' in changes &&
			this.restrictedStatusPicklist &&
			!this.statusPicklist.includes(changes.Status as string)
		) {
			return {
				statusCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
				message: `Lead Status: bad value for restricted picklist field: ${String(changes.Status)}`,
				fields: ['Status'],
			};
		}
		const after = { ...lead, ...changes };
		for (const rule of this.validationRules) {
			const message = rule(after, changes);
			if (message) return { statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message, fields: [] };
		}
		if (!dryRun) Object.assign(lead, changes);
		return undefined;
	}

	private typeProblem(field: FieldDefinition, value: unknown): { code: string; message: string } | undefined {
		if (value === null) return undefined;
		const wrongType = { code: 'INVALID_TYPE_ON_FIELD_IN_RECORD', message: `${field.label}: value not of required type: ${String(value)}` };
		switch (field.type) {
			case 'double':
				return typeof value === 'number' || (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)))
					? undefined
					: wrongType;
			case 'date':
				return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? undefined : wrongType;
			case 'boolean':
				return typeof value === 'boolean' ? undefined : wrongType;
			case 'email':
				return typeof value === 'string' && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)
					? undefined
					: { code: 'INVALID_EMAIL_ADDRESS', message: `${field.label}: invalid email address: ${String(value)}` };
			default:
				return typeof value === 'string' ? undefined : wrongType;
		}
	}

	private updateCollection(body: unknown) {
		if (!isObject(body) || !Array.isArray(body.records)) {
			throw new ApiError(400, 'JSON_PARSER_ERROR', 'The request body needs a records array');
		}
		const records = body.records as unknown[];
		if (records.length > 200) {
			throw new ApiError(400, 'EXCEEDED_ID_LIMIT', 'record limit reached. cannot submit more than 200 records into this call');
		}
		if (records.some((record) => !isObject(record) || !isObject(record.attributes) || typeof record.attributes.type !== 'string')) {
			throw new ApiError(400, 'INVALID_TYPE', 'Must send a concrete entity type.');
		}
		const allOrNone = body.allOrNone === true;
		const outcomes = (records as LeadFields[]).map((record) => {
			const id = typeof record.id === 'string' ? record.id : typeof record.Id === 'string' ? record.Id : undefined;
			if ((record.attributes as LeadFields).type !== 'Lead') {
				return { failure: { statusCode: 'INVALID_TYPE', message: 'This mock org only has Lead records', fields: [] } };
			}
			if (!id) return { failure: { statusCode: 'MISSING_ARGUMENT', message: 'Id not specified in an update call', fields: [] } };
			if (!ID_PATTERN.test(id) || !id.startsWith('00Q')) {
				return { failure: { statusCode: 'MALFORMED_ID', message: `Lead ID: id value of incorrect type: ${id}`, fields: ['Id'] } };
			}
			const id18 = toId18(id);
			const lead = this.leads.get(id18);
			if (!lead) {
				return this.deleted.has(id18)
					? { failure: { statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] } }
					: { failure: { statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id', fields: [] } };
			}
			return { lead, record, failure: this.applyUpdate(lead, record, true) };
		});
		const anyFailed = outcomes.some((outcome) => outcome.failure);
		return outcomes.map((outcome) => {
			if (outcome.failure) return { success: false, errors: [outcome.failure] };
			if (allOrNone && anyFailed) {
				return {
					success: false,
					errors: [
						{
							statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
							message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
							fields: [],
						},
					],
				};
			}
			this.applyUpdate(outcome.lead!, outcome.record!);
			return { id: outcome.lead!.Id, success: true, errors: [] };
		});
	}
}

interface RecordFailure {
	statusCode: string;
	message: string;
	fields: string[];
}

/** Name is a compound field: Salesforce builds it from the first and last name. */
function fieldOf(lead: MockLead, field: FieldDefinition): unknown {
	return field.name === 'Name' ? `${(lead.FirstName as string | null) ?? ''} ${lead.LastName as string}`.trim() : lead[field.name];
}

function endpointOf(method: string, path: string): keyof CallCounters | undefined {
	if (path === '/query' && method === 'GET') return 'query';
	if (/^\/query\/[^/]+$/.test(path) && method === 'GET') return 'queryMore';
	if (/^\/sobjects\/Lead\/[^/]+$/.test(path)) return method === 'GET' ? 'getLead' : method === 'PATCH' ? 'patchLead' : undefined;
	if (path === '/composite/sobjects' && method === 'PATCH') return 'collections';
	return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
