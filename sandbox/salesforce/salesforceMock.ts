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
import type { IncomingMessage, ServerResponse } from 'node:http';

import { LoopbackServer } from '../loopbackServer';
import { createCollection, updateCollection, upsertCollection } from './collections';
import { ApiError } from './salesforceErrors';
import { recordObjectOf } from './salesforceSchema';
import { SalesforceState } from './salesforceState';
import { describe, getRecord, patchRecord } from './sobjects';
import { query, queryMore, type QueryCursor } from './soqlQueries';
import { answerTokenRequest } from './tokenEndpoint';

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

const API_VERSION = /^\/services\/data\/v(\d+)\.(\d)(\/.*)?$/;

/** The org (records, picklists, write rules) behind two loopback servers: My Domain and the instance. */
export class SalesforceMock extends SalesforceState {
	readonly clientId: string;
	readonly clientSecret: string;
	readonly orgId = '00D5g00000ABCDE';
	dailyLimit: number;
	apiUsage = 0;
	queryPageSize: number;
	/** When false, the token endpoint answers as an app without a Run As user. */
	clientCredentialsUserEnabled = true;
	/**
	 * When true, tokens are issued but every API call refuses them (401 INVALID_SESSION_ID), as
	 * Salesforce does when the app's session is not valid for the REST API.
	 */
	refuseAllSessions = false;
	calls: CallCounters = this.zeroCounters();
	requests: LoggedRequest[] = [];

	private readonly tokens = new Set<string>();
	/** Every access token handed out, so tests can check that none leaks into an output. */
	readonly issuedTokens: string[] = [];
	private readonly queryCursors = new Map<string, QueryCursor>();
	private outage: { remaining: number; until: number; status: number } = {
		remaining: 0,
		until: 0,
		status: 503,
	};
	private dropsRemaining = 0;
	private hold: { released: Promise<void>; arrived: () => void } | undefined;
	private myDomainServer?: LoopbackServer;
	private instanceServer?: LoopbackServer;
	myDomainUrl = '';
	instanceUrl = '';

	constructor(options: SalesforceMockOptions = {}) {
		super();
		this.clientId = options.clientId ?? '3MVG9mock.client.id';
		this.clientSecret = options.clientSecret ?? 'mock-client-secret-0123456789';
		this.dailyLimit = options.dailyLimit ?? 15_000;
		this.queryPageSize = options.queryPageSize ?? 2_000;
	}

	async start(): Promise<void> {
		this.myDomainServer = this.server('myDomain');
		this.instanceServer = this.server('instance');
		this.myDomainUrl = await this.myDomainServer.listen();
		this.instanceUrl = await this.instanceServer.listen();
	}

	async stop(): Promise<void> {
		await this.myDomainServer?.close();
		await this.instanceServer?.close();
	}

	/** Credential data for n8n's `salesforceClientCredentialsOAuth2Api`. */
	credentials(apiVersion = 'v64.0') {
		return {
			myDomainUrl: this.myDomainUrl,
			clientId: this.clientId,
			clientSecret: this.clientSecret,
			apiVersion,
		};
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

	private server(host: LoggedRequest['host']): LoopbackServer {
		return new LoopbackServer((request, response) => {
			this.handle(host, request, response).catch((error: Error) => {
				response.writeHead(500, { 'Content-Type': 'text/plain' });
				response.end(`mock failure: ${error.message}`);
			});
		});
	}

	private async readBody(request: IncomingMessage): Promise<string> {
		const chunks: Buffer[] = [];
		for await (const chunk of request) chunks.push(chunk as Buffer);
		return Buffer.concat(chunks).toString('utf8');
	}

	private async handle(
		host: LoggedRequest['host'],
		request: IncomingMessage,
		response: ServerResponse,
	): Promise<void> {
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
			this.send(
				response,
				404,
				[{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }],
				false,
			);
			return;
		}
		const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
		if (!token || !this.tokens.has(token) || this.refuseAllSessions) {
			this.calls.unauthorized++;
			this.send(response, 401, [
				{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' },
			]);
			return;
		}
		if (this.dropsRemaining > 0) {
			this.dropsRemaining--;
			request.socket.destroy();
			return;
		}
		if (this.apiUsage >= this.dailyLimit) {
			this.send(response, 403, [
				{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' },
			]);
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
					? [
							{
								errorCode: 'SERVER_UNAVAILABLE',
								message: 'Server is unavailable. Try again later.',
							},
						]
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
			const detail: Record<string, unknown> = {
				message: error.message,
				errorCode: error.errorCode,
			};
			if (error.fields) detail.fields = error.fields;
			this.send(response, error.status, [detail]);
		}
	}

	private route(
		method: string,
		path: string,
		url: URL,
		apiVersion: string,
		body: unknown,
		response: ServerResponse,
	): void {
		if (path === '/query' && method === 'GET') {
			this.send(
				response,
				200,
				query(this.queryContext(), url.searchParams.get('q') ?? '', apiVersion),
			);
			return;
		}
		const more = /^\/query\/([^/]+)$/.exec(path);
		if (more && method === 'GET') {
			this.send(response, 200, queryMore(this.queryContext(), more[1]));
			return;
		}
		const describeMatch = /^\/sobjects\/([^/]+)\/describe\/?$/.exec(path);
		if (describeMatch && method === 'GET') {
			this.send(response, 200, describe(this, decodeURIComponent(describeMatch[1]), apiVersion));
			return;
		}
		const single = /^\/sobjects\/([^/]+)\/([^/]+)$/.exec(path);
		const singleObject = single ? recordObjectOf(single[1]) : undefined;
		if (single && singleObject && method === 'GET') {
			this.send(
				response,
				200,
				getRecord(
					this,
					singleObject,
					decodeURIComponent(single[2]),
					url.searchParams.get('fields'),
					apiVersion,
				),
			);
			return;
		}
		if (single && singleObject && method === 'PATCH') {
			patchRecord(this, singleObject, decodeURIComponent(single[2]), body);
			this.send(response, 204, undefined);
			return;
		}
		if (path === '/composite/sobjects' && method === 'PATCH') {
			this.send(response, 200, updateCollection(this, body));
			return;
		}
		if (path === '/composite/sobjects' && method === 'POST') {
			this.send(response, 200, createCollection(this, body));
			return;
		}
		const upsert = /^\/composite\/sobjects\/([^/]+)\/([^/]+)$/.exec(path);
		if (upsert && method === 'PATCH') {
			this.send(
				response,
				200,
				upsertCollection(this, decodeURIComponent(upsert[1]), decodeURIComponent(upsert[2]), body),
			);
			return;
		}
		if (/^\/sobjects\/(Lead|Contact)\/?$/.test(path) || path === '/composite/sobjects') {
			throw new ApiError(
				405,
				'METHOD_NOT_ALLOWED',
				`HTTP Method '${method}' not allowed. Allowed are GET,HEAD,POST`,
			);
		}
		throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
	}

	private queryContext() {
		return { state: this, pageSize: this.queryPageSize, cursors: this.queryCursors };
	}

	private tokenEndpoint(request: IncomingMessage, raw: string, response: ServerResponse): void {
		const answer = answerTokenRequest(this, request.headers, raw);
		if (answer.accessToken) {
			this.tokens.add(answer.accessToken);
			this.issuedTokens.push(answer.accessToken);
		}
		this.send(response, answer.status, answer.body, false);
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
}

function endpointOf(method: string, path: string): keyof CallCounters | undefined {
	if (path === '/query' && method === 'GET') return 'query';
	if (/^\/query\/[^/]+$/.test(path) && method === 'GET') return 'queryMore';
	if (/^\/sobjects\/[^/]+\/describe\/?$/.test(path) && method === 'GET') return 'describe';
	if (/^\/sobjects\/Lead\/[^/]+$/.test(path))
		return method === 'GET' ? 'getLead' : method === 'PATCH' ? 'patchLead' : undefined;
	if (path === '/composite/sobjects')
		return method === 'PATCH' ? 'collections' : method === 'POST' ? 'create' : undefined;
	if (/^\/composite\/sobjects\/[^/]+\/[^/]+$/.test(path) && method === 'PATCH') return 'upsert';
	return undefined;
}
