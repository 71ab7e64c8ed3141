/**
 * A loopback Braze workspace for POST /users/track, behaving as ../shared/api-facts.md §11 says:
 * `Authorization: Bearer` with the users.track permission, 201 with counts, non-fatal errors by
 * index, 400 when nothing in the request is valid or an array is over 75, 401/403, and a fixed
 * 3-second window of 3,000 requests with `X-RateLimit-*` headers on every answer, 429 included.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { LoopbackMock } from '../loopbackServer';

import { type BrazeUser, BrazeState, type ObjectError, type RecordedEvent } from './brazeState';

export interface BrazeMockOptions {
	/** The REST API key with the users.track permission (default a fixed test key). */
	apiKey?: string;
	/** The clock for rate-limit windows; tests and benchmarks pass a virtual one. */
	now?: () => number;
	/** Requests per window (default 3,000 per 3 s, Braze's /users/track limit); `off` disables it. */
	rateLimit?: { requests: number; windowMs: number } | 'off';
	/** Objects per array (default 75). */
	maxObjects?: number;
}

export interface Failure {
	/** What to answer instead of the real response; `network` drops the connection. */
	status: 429 | 500 | 502 | 503 | 504 | 'network';
	/** Answer this many requests so (default 1). */
	times?: number;
}

export interface RecordedRequest {
	method: string;
	path: string;
	headers: Record<string, string | string[] | undefined>;
	body: unknown;
	status: number | 'network';
	at: number;
}

interface Reply {
	status: number;
	body?: unknown;
}

export const VALID_DATA_REQUIRED =
	"Valid data must be provided in the 'attributes', 'events', or 'purchases' fields.";

export class BrazeMock extends LoopbackMock {
	readonly state: BrazeState;
	readonly requests: RecordedRequest[] = [];
	/** 429s the rate limit (not an injected failure) caused. */
	throttled = 0;
	readonly apiKey: string;
	/** Keys that authenticate but lack the users.track permission (403). */
	readonly keysWithoutPermission = new Set<string>(['braze-key-without-users-track']);
	private readonly now: () => number;
	private readonly rateLimit: { requests: number; windowMs: number } | 'off';
	private readonly maxObjects: number;
	private window = { start: 0, count: 0 };
	private readonly failures: Array<{ status: Failure['status']; remaining: number }> = [];

	constructor(options: BrazeMockOptions = {}) {
		super();
		this.apiKey = options.apiKey ?? '5a1d7c0e-0000-4b1d-9c5e-braze0test01';
		this.now = options.now ?? Date.now;
		this.rateLimit = options.rateLimit ?? { requests: 3000, windowMs: 3000 };
		this.maxObjects = options.maxObjects ?? 75;
		this.state = new BrazeState(this.now);
	}

	/** Answer the next requests with 429, a 5xx or a dropped connection. */
	fail(failure: Failure): void {
		this.failures.push({ status: failure.status, remaining: failure.times ?? 1 });
	}

	/** Refuse an external id as Braze's spam blocking does ("blacklisted and disallowed"). */
	blockExternalId(externalId: string): void {
		this.state.blockedExternalIds.add(externalId.toLowerCase());
	}

	/** Another app of the same workspace uses up the current rate-limit window. */
	useUpWindow(): void {
		if (this.rateLimit === 'off') return;
		const start = Math.floor(this.now() / this.rateLimit.windowMs) * this.rateLimit.windowMs;
		this.window = { start, count: this.rateLimit.requests };
	}

	calls(): number {
		return this.requests.length;
	}

	user(identifier: {
		externalId?: string;
		email?: string;
		alias?: [string, string];
	}): BrazeUser | undefined {
		if (identifier.externalId !== undefined)
			return this.state.findByExternalId(identifier.externalId);
		if (identifier.email !== undefined) return this.state.findByEmail(identifier.email);
		if (identifier.alias) return this.state.findByAlias(...identifier.alias);
		return undefined;
	}

	eventsOf(user: BrazeUser | undefined): RecordedEvent[] {
		return user ? this.state.events.filter((event) => event.brazeId === user.brazeId) : [];
	}

	protected async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
		const raw = await readBody(request);
		const url = new URL(request.url ?? '/', this.baseUrl);
		const record: RecordedRequest = {
			method: request.method ?? 'GET',
			path: url.pathname,
			headers: request.headers,
			body: undefined,
			status: 0,
			at: this.now(),
		};
		this.requests.push(record);
		const reply = (result: Reply) => this.send(response, record, result);

		const failure = this.failures.find((candidate) => candidate.remaining > 0);
		if (failure) {
			failure.remaining -= 1;
			if (failure.status === 'network') {
				record.status = 'network';
				request.socket.destroy();
				return;
			}
			if (failure.status === 429)
				return reply({ status: 429, body: { message: 'API rate limit exceeded' } });
			return reply({ status: failure.status, body: { message: 'Internal Server Error' } });
		}

		const auth = /^Bearer (.+)$/.exec(String(request.headers.authorization ?? ''));
		if (!auth) return reply({ status: 401, body: { message: 'Invalid API key: ' } });
		if (this.keysWithoutPermission.has(auth[1]!))
			return reply({ status: 403, body: { message: 'Access Denied' } });
		// The unknown key is quoted back so that tests see the client redact it (Braze's exact text is unpublished).
		if (auth[1] !== this.apiKey)
			return reply({ status: 401, body: { message: `Invalid API key: ${auth[1]}` } });

		if (this.rateLimited()) {
			this.throttled += 1;
			return reply({ status: 429, body: { message: 'API rate limit exceeded' } });
		}
		if (record.method !== 'POST' || url.pathname !== '/users/track') {
			this.problems.push(`the mock does not implement ${record.method} ${url.pathname}`);
			return reply({ status: 404, body: { message: 'Not Found' } });
		}
		if (!/^application\/json\b/.test(String(request.headers['content-type'] ?? ''))) {
			return reply({ status: 400, body: { message: 'Content-Type must be application/json' } });
		}
		let body: unknown;
		try {
			body = JSON.parse(raw.toString('utf8'));
		} catch {
			this.problems.push('POST /users/track: body is not JSON');
			return reply({ status: 400, body: { message: 'Invalid JSON in request body' } });
		}
		record.body = body;
		return reply(this.track(body));
	}

	private track(body: unknown): Reply {
		if (body === null || typeof body !== 'object' || Array.isArray(body))
			return { status: 400, body: { message: VALID_DATA_REQUIRED } };
		const { attributes = [], events = [], purchases = [] } = body as Record<string, unknown>;
		for (const [name, array] of Object.entries({ attributes, events, purchases })) {
			if (!Array.isArray(array))
				return { status: 400, body: { message: `'${name}' must be an array` } };
			if (array.length > this.maxObjects)
				return { status: 400, body: { message: 'Max Input Length Exceeded' } };
		}
		const errors: ObjectError[] = [];
		const counts = { attributes: 0, events: 0 };
		const asObject = (value: unknown) =>
			value !== null && typeof value === 'object' && !Array.isArray(value)
				? (value as Record<string, unknown>)
				: {};
		// Braze processes attributes before events: an event can name a user the same request created.
		(attributes as unknown[]).forEach((object, index) => {
			const result = this.state.applyAttributes(asObject(object));
			if (result === 'applied' || result === 'skipped') counts.attributes += 1;
			else errors.push({ type: result, input_array: 'attributes', index });
		});
		(events as unknown[]).forEach((object, index) => {
			const result = this.state.applyEvent(asObject(object));
			if (result === 'applied' || result === 'skipped') counts.events += 1;
			else errors.push({ type: result, input_array: 'events', index });
		});
		if ((purchases as unknown[]).length > 0)
			this.problems.push('the mock does not implement purchases');
		const sent = (attributes as unknown[]).length + (events as unknown[]).length;
		if (counts.attributes + counts.events === 0) {
			return {
				status: 400,
				body: { message: VALID_DATA_REQUIRED, ...(errors.length > 0 ? { errors } : {}) },
			};
		}
		return {
			status: 201,
			body: {
				message: 'success',
				...((attributes as unknown[]).length > 0
					? { attributes_processed: counts.attributes }
					: {}),
				...((events as unknown[]).length > 0 ? { events_processed: counts.events } : {}),
				...(errors.length > 0 && sent > 0 ? { errors } : {}),
			},
		};
	}

	/** Fixed windows from the epoch: a request over the limit is refused and does not count. */
	private rateLimited(): boolean {
		if (this.rateLimit === 'off') return false;
		const start = Math.floor(this.now() / this.rateLimit.windowMs) * this.rateLimit.windowMs;
		if (this.window.start !== start) this.window = { start, count: 0 };
		if (this.window.count >= this.rateLimit.requests) return true;
		this.window.count += 1;
		return false;
	}

	/** Every answer carries the window's headers, lower-cased as Braze sends them. */
	private rateHeaders(): Record<string, string> {
		if (this.rateLimit === 'off') return {};
		const start = Math.floor(this.now() / this.rateLimit.windowMs) * this.rateLimit.windowMs;
		const count = this.window.start === start ? this.window.count : 0;
		return {
			'x-ratelimit-limit': String(this.rateLimit.requests),
			'x-ratelimit-remaining': String(Math.max(0, this.rateLimit.requests - count)),
			'x-ratelimit-reset': String(Math.ceil((start + this.rateLimit.windowMs) / 1000)),
		};
	}

	private send(response: ServerResponse, record: RecordedRequest, reply: Reply): void {
		record.status = reply.status;
		const headers: Record<string, string> = { ...this.rateHeaders() };
		if (reply.status === 429 && headers['x-ratelimit-remaining'])
			headers['x-ratelimit-remaining'] = '0';
		let payload = '';
		if (reply.body !== undefined) {
			headers['content-type'] = 'application/json';
			payload = JSON.stringify(reply.body);
		}
		response.writeHead(reply.status, headers).end(payload);
	}
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of request) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks);
}

export async function startBrazeMock(options: BrazeMockOptions = {}): Promise<BrazeMock> {
	return await new BrazeMock(options).listen();
}
