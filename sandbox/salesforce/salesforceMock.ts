/**
 * A loopback Salesforce org that answers as ../shared/api-facts.md describes: the client
 * credentials token endpoint on the My Domain host (no `expires_in`, an `instance_url` on a
 * second port), SOQL query on Lead, Contact and LeadStatus, describe, GET and PATCH on a record,
 * sObject Collections (update, create, upsert by external ID) with per-record `statusCode`
 * errors, error arrays with `errorCode`, `Sforce-Limit-Info` on every REST answer,
 * 401 INVALID_SESSION_ID for revoked tokens, REQUEST_LIMIT_EXCEEDED at the daily limit.
 * Tests flip switches (restricted Lead Status picklist, 5xx outages, dropped connections) and
 * read call counters.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { toId18 } from '../../lib/salesforce/ids';
import { conditionFields, likeMatches, parseSoql, SoqlSyntaxError, type Condition } from './soqlParser';

export type LeadFields = Record<string, unknown>;
export interface MockRecord extends LeadFields {
	Id: string;
}
export interface MockLead extends MockRecord {
	Status: string;
	IsConverted: boolean;
}
export type MockContact = MockRecord;

type FieldType = 'id' | 'reference' | 'string' | 'email' | 'picklist' | 'boolean' | 'double' | 'int' | 'date' | 'datetime';
interface FieldDefinition {
	name: string;
	label: string;
	type: FieldType;
	updateable: boolean;
	/** Marked "External ID" in Setup: usable by upsert. */
	externalId?: boolean;
	/** Required on create (describe: `nillable: false` and not defaulted). */
	required?: boolean;
}

type ObjectName = 'Lead' | 'Contact' | 'LeadStatus';
/** Objects whose records the REST endpoints read and write. */
type RecordObject = 'Lead' | 'Contact';

const LEAD_FIELDS: FieldDefinition[] = [
	{ name: 'Id', label: 'Lead ID', type: 'id', updateable: false },
	{ name: 'FirstName', label: 'First Name', type: 'string', updateable: true },
	{ name: 'LastName', label: 'Last Name', type: 'string', updateable: true, required: true },
	{ name: 'Name', label: 'Full Name', type: 'string', updateable: false },
	{ name: 'Company', label: 'Company', type: 'string', updateable: true, required: true },
	{ name: 'Email', label: 'Email', type: 'email', updateable: true },
	{ name: 'Status', label: 'Lead Status', type: 'picklist', updateable: true },
	{ name: 'LeadSource', label: 'Lead Source', type: 'picklist', updateable: true },
	{ name: 'IsConverted', label: 'Converted', type: 'boolean', updateable: false },
	{ name: 'ConvertedContactId', label: 'Converted Contact ID', type: 'reference', updateable: false },
	{ name: 'CreatedDate', label: 'Created Date', type: 'datetime', updateable: false },
	{ name: 'Lead_Score__c', label: 'Lead Score', type: 'double', updateable: true },
	{ name: 'Lead_Tier__c', label: 'Lead Tier', type: 'string', updateable: true },
	{ name: 'MQL_Date__c', label: 'MQL Date', type: 'date', updateable: true },
	{ name: 'External_Id__c', label: 'External Id', type: 'string', updateable: true, externalId: true },
	{ name: 'Legacy_Id__c', label: 'Legacy Id', type: 'string', updateable: true },
];

const CONTACT_FIELDS: FieldDefinition[] = [
	{ name: 'Id', label: 'Contact ID', type: 'id', updateable: false },
	{ name: 'FirstName', label: 'First Name', type: 'string', updateable: true },
	{ name: 'LastName', label: 'Last Name', type: 'string', updateable: true, required: true },
	{ name: 'Name', label: 'Full Name', type: 'string', updateable: false },
	{ name: 'Email', label: 'Email', type: 'email', updateable: true },
	{ name: 'AccountId', label: 'Account ID', type: 'reference', updateable: true },
	{ name: 'CreatedDate', label: 'Created Date', type: 'datetime', updateable: false },
	{ name: 'Lifecycle_Stage__c', label: 'Lifecycle Stage', type: 'picklist', updateable: true },
	{ name: 'Stage_Note__c', label: 'Stage Note', type: 'string', updateable: true },
	{ name: 'Lead_Score__c', label: 'Lead Score', type: 'double', updateable: true },
	{ name: 'Lead_Tier__c', label: 'Lead Tier', type: 'string', updateable: true },
	{ name: 'MQL_Date__c', label: 'MQL Date', type: 'date', updateable: true },
	{ name: 'External_Id__c', label: 'External Id', type: 'string', updateable: true, externalId: true },
];

const LEAD_STATUS_FIELDS: FieldDefinition[] = [
	{ name: 'Id', label: 'Lead Status ID', type: 'id', updateable: false },
	{ name: 'ApiName', label: 'Api Name', type: 'string', updateable: false },
	{ name: 'MasterLabel', label: 'Master Label', type: 'string', updateable: false },
	{ name: 'SortOrder', label: 'Sort Order', type: 'int', updateable: false },
	{ name: 'IsConverted', label: 'Is Converted', type: 'boolean', updateable: false },
	{ name: 'IsDefault', label: 'Is Default', type: 'boolean', updateable: false },
];

const FIELDS: Record<ObjectName, Map<string, FieldDefinition>> = {
	Lead: new Map(LEAD_FIELDS.map((field) => [field.name.toLowerCase(), field])),
	Contact: new Map(CONTACT_FIELDS.map((field) => [field.name.toLowerCase(), field])),
	LeadStatus: new Map(LEAD_STATUS_FIELDS.map((field) => [field.name.toLowerCase(), field])),
};
const KEY_PREFIXES: Record<RecordObject, string> = { Lead: '00Q', Contact: '003' };

/** Developer Edition's Lead Status values: there is no MQL until an admin adds it. */
export const DEVELOPER_EDITION_LEAD_STATUSES = [
	'Open - Not Contacted',
	'Working - Contacted',
	'Closed - Converted',
	'Closed - Not Converted',
];

/** The mock org's Lead Status values in their sort order: Developer Edition's, with MQL added after Open. */
export const ORG_LEAD_STATUSES = ['Open - Not Contacted', 'MQL', 'Working - Contacted', 'Closed - Converted', 'Closed - Not Converted'];

/** The Contact field `Lifecycle_Stage__c`'s picklist, in its order. */
export const CONTACT_STAGES = ['Subscriber', 'Lead', 'MQL', 'SQL', 'Opportunity', 'Customer'];

const LEAD_SOURCES = ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other'];

export interface LeadStatusRow {
	Id: string;
	ApiName: string;
	MasterLabel: string;
	SortOrder: number;
	IsConverted: boolean;
	IsDefault: boolean;
}

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
	describe: number;
	getLead: number;
	patchLead: number;
	/** sObject Collections updates (PATCH /composite/sobjects). */
	collections: number;
	/** sObject Collections creates (POST /composite/sobjects). */
	create: number;
	/** sObject Collections upserts by external ID (PATCH /composite/sobjects/{object}/{field}). */
	upsert: number;
	/** Every REST call that reached an org endpoint (what counts against the daily limit). */
	api: number;
	unauthorized: number;
}

export interface LoggedRequest {
	method: string;
	path: string;
	host: 'myDomain' | 'instance';
	/** The SOQL of a query call. */
	soql?: string;
	body?: unknown;
}

/** A validation rule: returns its error text when the record (after the change) breaks it. */
export type ValidationRule = (record: MockLead, changes: LeadFields) => string | undefined;

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

interface RecordFailure {
	statusCode: string;
	message: string;
	fields: string[];
}

const API_VERSION = /^\/services\/data\/v(\d+)\.(\d)(\/.*)?$/;
const ID_PATTERN = /^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/;

function definitionOf(object: ObjectName, name: string): FieldDefinition | undefined {
	return FIELDS[object].get(name.toLowerCase());
}

function objectNamed(name: string): ObjectName | undefined {
	return (Object.keys(FIELDS) as ObjectName[]).find((object) => object.toLowerCase() === name.toLowerCase());
}

function recordObjectOf(name: string): RecordObject | undefined {
	const object = objectNamed(name);
	return object === 'Lead' || object === 'Contact' ? object : undefined;
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
	/** When true, Lead Status accepts only the org's Lead Status values (INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST). */
	restrictedStatusPicklist = false;
	/** The LeadStatus rows, as `SELECT … FROM LeadStatus` returns them. */
	leadStatuses: LeadStatusRow[] = [];
	/** Values of the Contact picklist `Lifecycle_Stage__c`, in the order describe lists them. */
	contactStages = [...CONTACT_STAGES];
	/** When false, the token endpoint answers as an app without a Run As user. */
	clientCredentialsUserEnabled = true;
	/**
	 * When true, tokens are issued but every API call refuses them (401 INVALID_SESSION_ID), as
	 * Salesforce does when the app's session is not valid for the REST API.
	 */
	refuseAllSessions = false;
	validationRules: ValidationRule[] = [];
	calls: CallCounters = this.zeroCounters();
	requests: LoggedRequest[] = [];

	private readonly records: Record<RecordObject, Map<string, MockRecord>> = { Lead: new Map(), Contact: new Map() };
	private readonly deleted = new Set<string>();
	private readonly tokens = new Set<string>();
	/** Every access token handed out, so tests can check that none leaks into an output. */
	readonly issuedTokens: string[] = [];
	private readonly queryCursors = new Map<string, { records: Record<string, unknown>[]; served: number; version: string }>();
	private outage: { remaining: number; until: number; status: number } = { remaining: 0, until: 0, status: 503 };
	private dropsRemaining = 0;
	private sequence = 0;
	private hold: { released: Promise<void>; arrived: () => void } | undefined;
	private myDomainServer?: Server;
	private instanceServer?: Server;
	myDomainUrl = '';
	instanceUrl = '';

	constructor(options: SalesforceMockOptions = {}) {
		this.clientId = options.clientId ?? '3MVG9mock.client.id';
		this.clientSecret = options.clientSecret ?? 'mock-client-secret-0123456789';
		this.dailyLimit = options.dailyLimit ?? 15_000;
		this.queryPageSize = options.queryPageSize ?? 2_000;
		this.setLeadStatuses(ORG_LEAD_STATUSES);
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

	/**
	 * Sets the org's Lead Status values in sort order (Setup → Lead Status). A value whose name
	 * contains "Converted" but not "Not" is the converted status, as in Salesforce's templates.
	 */
	setLeadStatuses(values: string[]): void {
		this.leadStatuses = values.map((value, index) => ({
			Id: toId18(`01J5g00000${(index + 1).toString().padStart(5, '0')}`),
			ApiName: value,
			MasterLabel: value,
			SortOrder: index + 1,
			IsConverted: /converted/i.test(value) && !/not/i.test(value),
			IsDefault: index === 0,
		}));
	}

	addLead(fields: LeadFields = {}): MockLead {
		return this.addRecord('Lead', {
			FirstName: null,
			LastName: `Lead ${this.sequence + 1}`,
			Company: 'Acme',
			Email: null,
			Status: this.defaultLeadStatus(),
			LeadSource: null,
			IsConverted: false,
			ConvertedContactId: null,
			Lead_Score__c: null,
			Lead_Tier__c: null,
			MQL_Date__c: null,
			External_Id__c: null,
			Legacy_Id__c: null,
			...fields,
		}) as MockLead;
	}

	addContact(fields: LeadFields = {}): MockContact {
		return this.addRecord('Contact', {
			FirstName: null,
			LastName: `Contact ${this.sequence + 1}`,
			Email: null,
			AccountId: null,
			Lifecycle_Stage__c: null,
			Stage_Note__c: null,
			Lead_Score__c: null,
			Lead_Tier__c: null,
			MQL_Date__c: null,
			External_Id__c: null,
			...fields,
		});
	}

	/** Converts a lead as Salesforce's Convert button does: a new contact, the lead marked converted. */
	convertLead(leadId: string, contactFields: LeadFields = {}): MockContact {
		const lead = this.lead(leadId)!;
		const contact = this.addContact({ FirstName: lead.FirstName, LastName: lead.LastName, Email: lead.Email, ...contactFields });
		const convertedStatus = this.leadStatuses.find((status) => status.IsConverted)?.ApiName ?? 'Closed - Converted';
		Object.assign(lead, { IsConverted: true, Status: convertedStatus, ConvertedContactId: contact.Id });
		return contact;
	}

	lead(id: string): MockLead | undefined {
		return this.records.Lead.get(ID_PATTERN.test(id) ? toId18(id) : id) as MockLead | undefined;
	}

	contact(id: string): MockContact | undefined {
		return this.records.Contact.get(ID_PATTERN.test(id) ? toId18(id) : id);
	}

	allLeads(): MockLead[] {
		return [...this.records.Lead.values()] as MockLead[];
	}

	allContacts(): MockContact[] {
		return [...this.records.Contact.values()];
	}

	deleteLead(id: string): void {
		this.records.Lead.delete(id);
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

	/** The SOQL of every query call since the counters were reset. */
	queries(): string[] {
		return this.requests.flatMap((request) => (request.soql ? [request.soql] : []));
	}

	private zeroCounters(): CallCounters {
		return {
			token: 0,
			query: 0,
			queryMore: 0,
			describe: 0,
			getLead: 0,
			patchLead: 0,
			collections: 0,
			create: 0,
			upsert: 0,
			api: 0,
			unauthorized: 0,
		};
	}

	private defaultLeadStatus(): string {
		return this.leadStatuses.find((status) => status.IsDefault)?.ApiName ?? 'Open - Not Contacted';
	}

	private addRecord(object: RecordObject, fields: LeadFields): MockRecord {
		this.sequence++;
		const id15 = `${KEY_PREFIXES[object]}5g0000${this.sequence.toString(36).padStart(6, '0')}`;
		const record: MockRecord = { CreatedDate: new Date().toISOString().replace('Z', '+0000'), ...fields, Id: toId18(id15) };
		this.records[object].set(record.Id, record);
		return record;
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
		if (!token || !this.tokens.has(token) || this.refuseAllSessions) {
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
		if (endpoint === 'query') entry.soql = url.searchParams.get('q') ?? '';
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
		const describe = /^\/sobjects\/([^/]+)\/describe\/?$/.exec(path);
		if (describe && method === 'GET') {
			this.send(response, 200, this.describe(decodeURIComponent(describe[1]), apiVersion));
			return;
		}
		const single = /^\/sobjects\/([^/]+)\/([^/]+)$/.exec(path);
		const singleObject = single ? recordObjectOf(single[1]) : undefined;
		if (single && singleObject && method === 'GET') {
			this.send(response, 200, this.getRecord(singleObject, decodeURIComponent(single[2]), url.searchParams.get('fields'), apiVersion));
			return;
		}
		if (single && singleObject && method === 'PATCH') {
			const record = this.findForPath(singleObject, decodeURIComponent(single[2]));
			if (!isObject(body)) throw new ApiError(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object');
			const failure = this.applyUpdate(singleObject, record, body);
			if (failure) throw new ApiError(400, failure.statusCode, failure.message, failure.fields);
			this.send(response, 204, undefined);
			return;
		}
		if (path === '/composite/sobjects' && method === 'PATCH') {
			this.send(response, 200, this.updateCollection(body));
			return;
		}
		if (path === '/composite/sobjects' && method === 'POST') {
			this.send(response, 200, this.createCollection(body));
			return;
		}
		const upsert = /^\/composite\/sobjects\/([^/]+)\/([^/]+)$/.exec(path);
		if (upsert && method === 'PATCH') {
			this.send(response, 200, this.upsertCollection(decodeURIComponent(upsert[1]), decodeURIComponent(upsert[2]), body));
			return;
		}
		if (/^\/sobjects\/(Lead|Contact)\/?$/.test(path) || path === '/composite/sobjects') {
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

	private rowsOf(object: ObjectName): Record<string, unknown>[] {
		return object === 'LeadStatus' ? (this.leadStatuses as unknown as Record<string, unknown>[]) : [...this.records[object].values()];
	}

	private query(soql: string, apiVersion: string) {
		let parsed;
		try {
			parsed = parseSoql(soql);
		} catch (error) {
			if (error instanceof SoqlSyntaxError) throw new ApiError(400, 'MALFORMED_QUERY', `\n${soql}\n^\nERROR at Row:1:Column:1\n${error.message}`);
			throw error;
		}
		const object = objectNamed(parsed.object);
		if (!object) {
			throw new ApiError(400, 'INVALID_TYPE', `\n${soql}\n^\nERROR at Row:1:Column:1\nsObject type '${parsed.object}' is not supported.`);
		}
		const fields = parsed.fields.map((name) => {
			const definition = definitionOf(object, name);
			if (!definition) throw this.noSuchColumn(soql, object, name);
			return definition;
		});
		for (const name of conditionFields(parsed.where)) if (!definitionOf(object, name)) throw this.noSuchColumn(soql, object, name);
		let matched = this.rowsOf(object).filter((row) => !parsed.where || this.matches(object, row, parsed.where));
		if (parsed.limit !== undefined) matched = matched.slice(0, parsed.limit);
		const records = matched.map((row) => this.project(object, row, fields, apiVersion));
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

	private noSuchColumn(soql: string, object: ObjectName, name: string): ApiError {
		return new ApiError(
			400,
			'INVALID_FIELD',
			`\n${soql}\n^\nERROR at Row:1:Column:1\nNo such column '${name}' on entity '${object}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
		);
	}

	/** The parts of a describe answer clients read: fields with type, flags and picklist values in order. */
	private describe(name: string, apiVersion: string) {
		const object = recordObjectOf(name);
		if (!object) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
		const picklist = (field: FieldDefinition): string[] => {
			if (object === 'Lead' && field.name === 'Status') return this.leadStatuses.map((status) => status.ApiName);
			if (object === 'Lead' && field.name === 'LeadSource') return LEAD_SOURCES;
			if (object === 'Contact' && field.name === 'Lifecycle_Stage__c') return this.contactStages;
			return [];
		};
		return {
			name: object,
			label: object,
			keyPrefix: KEY_PREFIXES[object],
			createable: true,
			updateable: true,
			urls: { describe: `/services/data/${apiVersion}/sobjects/${object}/describe` },
			fields: [...FIELDS[object].values()].map((field) => ({
				name: field.name,
				label: field.label,
				type: field.type,
				updateable: field.updateable,
				createable: field.updateable,
				nillable: !field.required && field.type !== 'boolean' && field.type !== 'id',
				externalId: field.externalId === true,
				idLookup: field.externalId === true || field.type === 'id' || field.name === 'Email',
				restrictedPicklist: object === 'Lead' && field.name === 'Status' ? this.restrictedStatusPicklist : false,
				picklistValues: picklist(field).map((value) => ({
					active: true,
					defaultValue: object === 'Lead' && field.name === 'Status' && value === this.defaultLeadStatus(),
					label: value,
					validFor: null,
					value,
				})),
			})),
		};
	}

	private matches(object: ObjectName, row: Record<string, unknown>, condition: Condition): boolean {
		switch (condition.kind) {
			case 'and':
				return this.matches(object, row, condition.left) && this.matches(object, row, condition.right);
			case 'or':
				return this.matches(object, row, condition.left) || this.matches(object, row, condition.right);
			case 'not':
				return !this.matches(object, row, condition.operand);
			case 'in': {
				const definition = definitionOf(object, condition.field)!;
				let keys = inListKeys.get(condition);
				if (!keys) {
					keys = new Set(condition.values.map((value) => this.comparableKey(definition, value)));
					inListKeys.set(condition, keys);
				}
				const found = keys.has(this.comparableKey(definition, fieldOf(row, definition)));
				return condition.negated ? !found : found;
			}
			default: {
				const definition = definitionOf(object, condition.field)!;
				if (condition.op === 'LIKE') {
					const value = fieldOf(row, definition);
					return typeof value === 'string' && typeof condition.value === 'string' && likeMatches(value, condition.value);
				}
				const equal = this.comparableKey(definition, condition.value) === this.comparableKey(definition, fieldOf(row, definition));
				return condition.op === '=' ? equal : !equal;
			}
		}
	}

	/** SOQL text comparison is case-insensitive; an Id literal may be 15 or 18 characters. */
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

	private project(object: ObjectName, row: Record<string, unknown>, fields: FieldDefinition[], apiVersion: string): Record<string, unknown> {
		const record: Record<string, unknown> = {
			attributes: { type: object, url: `/services/data/${apiVersion}/sobjects/${object}/${String(row.Id)}` },
		};
		for (const field of fields) {
			record[field.name] = fieldOf(row, field) ?? null;
		}
		return record;
	}

	private findForPath(object: RecordObject, id: string): MockRecord {
		if (!ID_PATTERN.test(id)) {
			throw new ApiError(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${id}`);
		}
		const record = this.records[object].get(toId18(id));
		if (!record) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
		return record;
	}

	private getRecord(object: RecordObject, id: string, fieldList: string | null, apiVersion: string) {
		const record = this.findForPath(object, id);
		const names = fieldList ? fieldList.split(',').map((name) => name.trim()) : [...FIELDS[object].values()].map((field) => field.name);
		const fields = names.map((name) => {
			const definition = definitionOf(object, name);
			if (!definition) throw new ApiError(400, 'INVALID_FIELD', `No such column '${name}' on sobject of type ${object}`);
			return definition;
		});
		if (!fields.some((field) => field.name === 'Id')) fields.push(definitionOf(object, 'Id')!);
		return this.project(object, record, fields, apiVersion);
	}

	/** Checks one record's fields against the object's definitions; returns the changes or the failure. */
	private checkFields(object: RecordObject, body: LeadFields, mode: 'update' | 'create'): LeadFields | RecordFailure {
		const changes: LeadFields = {};
		for (const [name, value] of Object.entries(body)) {
			if (name === 'attributes' || (mode === 'update' && name.toLowerCase() === 'id')) continue;
			const definition = definitionOf(object, name);
			if (!definition) return { statusCode: 'INVALID_FIELD', message: `No such column '${name}' on sobject of type ${object}`, fields: [] };
			if (!definition.updateable) {
				const verb = mode === 'create' ? 'create' : 'create/update';
				return {
					statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
					message: `Unable to ${verb} fields: ${definition.name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
					fields: [definition.name],
				};
			}
			const typeProblem = this.typeProblem(definition, value);
			if (typeProblem) return { statusCode: typeProblem.code, message: typeProblem.message, fields: [definition.name] };
			changes[definition.name] = value;
		}
		if (
			object === 'Lead' &&
			'Status' in changes &&
			this.restrictedStatusPicklist &&
			!this.leadStatuses.some((status) => status.ApiName === changes.Status)
		) {
			return {
				statusCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
				message: `Lead Status: bad value for restricted picklist field: ${String(changes.Status)}`,
				fields: ['Status'],
			};
		}
		return changes;
	}

	/** Checks one record's changes and applies them; returns the failure instead when there is one. */
	private applyUpdate(object: RecordObject, record: MockRecord, body: LeadFields, dryRun = false): RecordFailure | undefined {
		const changes = this.checkFields(object, body, 'update');
		if (isFailure(changes)) return changes;
		if (record.IsConverted === true) return { statusCode: 'CANNOT_UPDATE_CONVERTED_LEAD', message: 'cannot reference converted lead', fields: [] };
		const failure = this.validate({ ...record, ...changes } as MockLead, changes);
		if (failure) return failure;
		if (!dryRun) Object.assign(record, changes);
		return undefined;
	}

	private validate(after: MockLead, changes: LeadFields): RecordFailure | undefined {
		for (const rule of this.validationRules) {
			const message = rule(after, changes);
			if (message) return { statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message, fields: [] };
		}
		return undefined;
	}

	/** A new record's fields and defaults, or why it cannot be created. */
	private prepareCreate(object: RecordObject, body: LeadFields): LeadFields | RecordFailure {
		const changes = this.checkFields(object, body, 'create');
		if (isFailure(changes)) return changes;
		const missing = [...FIELDS[object].values()]
			.filter((field) => field.required && (changes[field.name] === undefined || changes[field.name] === null || changes[field.name] === ''))
			.map((field) => field.name);
		if (missing.length > 0) {
			return { statusCode: 'REQUIRED_FIELD_MISSING', message: `Required fields are missing: [${missing.join(', ')}]`, fields: missing };
		}
		const failure = this.validate(changes as MockLead, changes);
		return failure ?? changes;
	}

	private create(object: RecordObject, fields: LeadFields): MockRecord {
		return object === 'Lead' ? this.addLead(fields) : this.addContact(fields);
	}

	private typeProblem(field: FieldDefinition, value: unknown): { code: string; message: string } | undefined {
		if (value === null) return undefined;
		const wrongType = { code: 'INVALID_TYPE_ON_FIELD_IN_RECORD', message: `${field.label}: value not of required type: ${String(value)}` };
		switch (field.type) {
			case 'double':
			case 'int':
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

	/** The records array of a collection call, checked as Salesforce checks it before any record. */
	private collectionRecords(body: unknown): LeadFields[] {
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
		return records as LeadFields[];
	}

	private updateCollection(body: unknown) {
		const records = this.collectionRecords(body);
		const allOrNone = (body as LeadFields).allOrNone === true;
		const outcomes = records.map((record) => {
			const id = typeof record.id === 'string' ? record.id : typeof record.Id === 'string' ? record.Id : undefined;
			const object = recordObjectOf(String((record.attributes as LeadFields).type));
			if (!object) {
				return { failure: { statusCode: 'INVALID_TYPE', message: 'This mock org only has Lead and Contact records', fields: [] } };
			}
			if (!id) return { failure: { statusCode: 'MISSING_ARGUMENT', message: 'Id not specified in an update call', fields: [] } };
			if (!ID_PATTERN.test(id) || !id.startsWith(KEY_PREFIXES[object])) {
				return { failure: { statusCode: 'MALFORMED_ID', message: `${object} ID: id value of incorrect type: ${id}`, fields: ['Id'] } };
			}
			const id18 = toId18(id);
			const target = this.records[object].get(id18);
			if (!target) {
				return this.deleted.has(id18)
					? { failure: { statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] } }
					: { failure: { statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id', fields: [] } };
			}
			return { object, target, record, failure: this.applyUpdate(object, target, record, true) };
		});
		const anyFailed = outcomes.some((outcome) => outcome.failure);
		return outcomes.map((outcome) => {
			if (outcome.failure) return { success: false, errors: [outcome.failure] };
			if (allOrNone && anyFailed) return rolledBack();
			this.applyUpdate(outcome.object!, outcome.target!, outcome.record!);
			return { id: outcome.target!.Id, success: true, errors: [] };
		});
	}

	private createCollection(body: unknown) {
		const records = this.collectionRecords(body);
		const allOrNone = (body as LeadFields).allOrNone === true;
		const outcomes = records.map((record) => {
			const object = recordObjectOf(String((record.attributes as LeadFields).type));
			if (!object) return { failure: { statusCode: 'INVALID_TYPE', message: 'This mock org only creates Lead and Contact records', fields: [] } };
			if (record.id !== undefined || record.Id !== undefined) {
				return { failure: { statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', message: 'cannot specify Id in an insert call', fields: ['Id'] } };
			}
			const prepared = this.prepareCreate(object, record);
			return isFailure(prepared) ? { failure: prepared } : { object, fields: prepared };
		});
		const anyFailed = outcomes.some((outcome) => outcome.failure);
		return outcomes.map((outcome) => {
			if (outcome.failure) return { success: false, errors: [outcome.failure] };
			if (allOrNone && anyFailed) return rolledBack();
			return { id: this.create(outcome.object!, outcome.fields!).Id, success: true, errors: [] };
		});
	}

	/** PATCH /composite/sobjects/{object}/{externalIdField}: per record, update the one match or create one. */
	private upsertCollection(objectName: string, fieldName: string, body: unknown) {
		const object = recordObjectOf(objectName);
		if (!object) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
		const field = definitionOf(object, fieldName);
		if (!field || !(field.externalId || field.type === 'id')) {
			// As the single-record upsert answers for a field that is missing or not an External ID.
			throw new ApiError(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${fieldName}`);
		}
		const records = this.collectionRecords(body);
		return records.map((record) => {
			if (recordObjectOf(String((record.attributes as LeadFields).type)) !== object) {
				return { success: false, errors: [{ statusCode: 'INVALID_TYPE', message: `Records must be of type ${object}`, fields: [] }] };
			}
			const key = Object.keys(record).find((name) => name.toLowerCase() === field.name.toLowerCase());
			const value = key === undefined ? undefined : record[key];
			if (typeof value !== 'string' || value === '') {
				return {
					success: false,
					errors: [{ statusCode: 'MISSING_ARGUMENT', message: `${field.name} not specified`, fields: [field.name] }],
				};
			}
			const matches = [...this.records[object].values()].filter((candidate) => sameText(candidate[field.name], value));
			if (matches.length > 1) {
				return {
					success: false,
					errors: [
						{
							statusCode: 'DUPLICATE_EXTERNAL_ID',
							message: `${field.label}: more than one record found for external id field: [${matches.map((match) => match.Id).join(', ')}]`,
							fields: [field.name],
						},
					],
				};
			}
			if (matches.length === 1) {
				const failure = this.applyUpdate(object, matches[0], record);
				return failure ? { success: false, errors: [failure] } : { id: matches[0].Id, success: true, errors: [], created: false };
			}
			const prepared = this.prepareCreate(object, record);
			if (isFailure(prepared)) return { success: false, errors: [prepared] };
			return { id: this.create(object, prepared).Id, success: true, errors: [], created: true };
		});
	}
}

function rolledBack() {
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

function isFailure(value: LeadFields | RecordFailure): value is RecordFailure {
	return typeof value.statusCode === 'string' && typeof value.message === 'string' && Array.isArray(value.fields);
}

const sameText = (a: unknown, b: string) => typeof a === 'string' && a.toLowerCase() === b.toLowerCase();

/** Name is a compound field: Salesforce builds it from the first and last name. */
function fieldOf(row: Record<string, unknown>, field: FieldDefinition): unknown {
	return field.name === 'Name' ? `${(row.FirstName as string | null) ?? ''} ${row.LastName as string}`.trim() : row[field.name];
}

function endpointOf(method: string, path: string): keyof CallCounters | undefined {
	if (path === '/query' && method === 'GET') return 'query';
	if (/^\/query\/[^/]+$/.test(path) && method === 'GET') return 'queryMore';
	if (/^\/sobjects\/[^/]+\/describe\/?$/.test(path) && method === 'GET') return 'describe';
	if (/^\/sobjects\/Lead\/[^/]+$/.test(path)) return method === 'GET' ? 'getLead' : method === 'PATCH' ? 'patchLead' : undefined;
	if (path === '/composite/sobjects') return method === 'PATCH' ? 'collections' : method === 'POST' ? 'create' : undefined;
	if (/^\/composite\/sobjects\/[^/]+\/[^/]+$/.test(path) && method === 'PATCH') return 'upsert';
	return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
