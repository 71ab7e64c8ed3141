/**
 * A loopback Klaviyo: every request is checked against the official OpenAPI spec, then
 * answered with the stateful behaviour of the real API (see ../shared/api-facts.md).
 * Tests assert `mock.problems` is empty: a request the spec rejects is a failed test.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { LoopbackMock } from '../loopbackServer';

import { type ReadContext, eventsPage, metricsPage } from './eventQueries';
import { klaviyoSpec, type KlaviyoSpec, type SpecRateLimit } from './openApiSpec';
import { RateLimitWindows } from './rateLimitWindows';
import {
	type BulkJob,
	type BulkJobTiming,
	KlaviyoState,
	type MockError,
	type StoredEvent,
	type StoredProfile,
	errorBody,
	invalid,
} from './klaviyoState';

export interface KlaviyoMockOptions {
	apiKey?: string;
	/** The clock for rate-limit windows and bulk jobs; tests pass a virtual one. */
	now?: () => number;
	/** `spec` (default) enforces each operation's `x-klaviyo-ratelimit`; an object overrides some. */
	rateLimits?: 'spec' | 'off' | Record<string, SpecRateLimit>;
	bulkJobs?: Partial<BulkJobTiming>;
}

export interface Failure {
	/** What to answer instead of the real response; `network` drops the connection. */
	status: 429 | 500 | 502 | 503 | 504 | 'network';
	/** Answer this many requests so (default: until `forMs` ends, or 1). */
	times?: number;
	/** Answer so for this long on the mock's clock. */
	forMs?: number;
	retryAfterSeconds?: number;
	/** Only for this operation (e.g. `create_or_update_profile`). */
	operationId?: string;
}

export interface RecordedRequest {
	method: string;
	path: string;
	operationId?: string;
	headers: Record<string, string | string[] | undefined>;
	body: unknown;
	status: number | 'network';
	at: number;
}

/** Revisions with the four operations and identical status codes (api-facts.md section 0). */
export const KNOWN_REVISIONS = [
	'2024-10-15',
	'2025-01-15',
	'2025-04-15',
	'2025-07-15',
	'2025-10-15',
	'2026-01-15',
	'2026-04-15',
	'2026-07-15',
];

const MAX_BULK_PROFILES = 10_000;
const MAX_BULK_EVENTS = 1000;
const MAX_BULK_BYTES = 5 * 1024 * 1024;

/** How many entries a bulk request may carry, and how Klaviyo refuses more. */
interface BulkLimit {
	max: number;
	tooMany: string;
	pointer: string;
}
const BULK_LIMITS: Record<'profiles' | 'events', BulkLimit> = {
	profiles: {
		max: MAX_BULK_PROFILES,
		tooMany: `A job can import at most ${MAX_BULK_PROFILES} profiles.`,
		pointer: '/data/attributes/profiles/data',
	},
	events: {
		max: MAX_BULK_EVENTS,
		tooMany: `A request can create at most ${MAX_BULK_EVENTS} events.`,
		pointer: '/data/attributes/events-bulk-create/data',
	},
};

/** A bulk request's refusal: too many entries first, then a body over 5 MB. */
function bulkLimitError(limit: BulkLimit, count: number, bytes: number): MockError | undefined {
	if (count > limit.max) return invalid(limit.tooMany, limit.pointer);
	if (bytes > MAX_BULK_BYTES) {
		return {
			status: 413,
			code: 'request_too_large',
			title: 'Request entity too large.',
			detail: 'Payload exceeds the maximum size of 5 MB.',
			pointer: '/data',
		};
	}
	return undefined;
}
const MAX_PROFILE_IMPORT_BYTES = 100 * 1024;

interface Reply {
	status: number;
	body?: unknown;
	headers?: Record<string, string>;
}

export class KlaviyoMock extends LoopbackMock {
	readonly state: KlaviyoState;
	readonly requests: RecordedRequest[] = [];
	/** 429s the rate limits (not an injected failure) caused. */
	throttled = 0;
	readonly apiKey: string;
	private readonly now: () => number;
	private readonly windows = new RateLimitWindows();
	private readonly failures: Array<Failure & { remaining: number; until: number }> = [];

	constructor(
		private readonly spec: KlaviyoSpec,
		private readonly options: KlaviyoMockOptions,
	) {
		super();
		this.apiKey = options.apiKey ?? 'pk_test_1234567890abcdef';
		this.now = options.now ?? Date.now;
		this.state = new KlaviyoState(this.now, {
			queuedMs: 1000,
			profilesPerSecond: 2000,
			...options.bulkJobs,
		});
	}

	/** Answer the next requests with 429, a 5xx or a dropped connection. */
	fail(failure: Failure): void {
		const remaining = failure.times ?? (failure.forMs === undefined ? 1 : Number.POSITIVE_INFINITY);
		const until =
			failure.forMs === undefined ? Number.POSITIVE_INFINITY : this.now() + failure.forMs;
		this.failures.push({ ...failure, remaining, until });
	}

	/** Klaviyo is well again: pending failures from `fail` end now. */
	recover(): void {
		this.failures.length = 0;
	}

	/** How many requests reached an operation (all of them when no id is given). */
	calls(operationId?: string): number {
		return this.requests.filter(
			(request) => operationId === undefined || request.operationId === operationId,
		).length;
	}

	profileByEmail(email: string): StoredProfile | undefined {
		this.state.advanceAllJobs();
		return this.state.findProfile({ email });
	}

	/**
	 * Records an event as if Klaviyo had received it (from a flow, an integration or the API),
	 * with its time as given: tests and benchmarks seed the account with it.
	 */
	addEvent(event: {
		metric: string;
		email: string;
		time?: number | string;
		properties?: Record<string, unknown>;
		profile?: Record<string, unknown>;
	}): StoredEvent {
		const time = event.time === undefined ? undefined : new Date(event.time).toISOString();
		const recorded = this.state.recordEvent({
			properties: event.properties ?? {},
			time,
			metric: { data: { type: 'metric', attributes: { name: event.metric } } },
			profile: { data: { type: 'profile', attributes: { email: event.email, ...event.profile } } },
		});
		if (!recorded.recorded)
			throw new Error(
				`addEvent: Klaviyo would drop this event as a duplicate (${event.metric}, ${event.email}, ${time})`,
			);
		return this.state.events.at(-1)!;
	}

	protected async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
		const raw = await readBody(request);
		const url = new URL(request.url ?? '/', this.baseUrl);
		const method = (request.method ?? 'GET').toUpperCase();
		const record: RecordedRequest = {
			method,
			path: url.pathname + url.search,
			headers: request.headers,
			body: undefined,
			status: 0,
			at: this.now(),
		};
		this.requests.push(record);
		const reply = (result: Reply) => {
			record.status = result.status;
			this.send(response, record, result);
		};

		let body: unknown;
		if (raw.length > 0) {
			const contentType = String(request.headers['content-type'] ?? '');
			// Klaviyo declares vnd.api+json; the official SDK sends plain application/json.
			if (!/^application\/(vnd\.api\+)?json\b/.test(contentType)) {
				return reply(
					this.error({
						status: 415,
						code: 'unsupported_media_type',
						title: 'Unsupported media type.',
						detail: `Unsupported media type "${contentType}" in request.`,
					}),
				);
			}
			try {
				body = JSON.parse(raw.toString('utf8'));
			} catch {
				this.problems.push(`${method} ${record.path}: body is not JSON`);
				return reply(
					this.error({
						status: 400,
						code: 'parse_error',
						title: 'Malformed request.',
						detail: 'JSON parse error.',
					}),
				);
			}
		}
		record.body = body;
		const query = Object.fromEntries(url.searchParams.entries());
		const check = this.spec.checkRequest({
			method,
			path: url.pathname,
			query,
			headers: request.headers as Record<string, string>,
			body,
		});
		record.operationId = check.operationId;
		if (check.errors.length > 0) {
			this.problems.push(`${method} ${record.path} violates the spec: ${check.errors.join('; ')}`);
		}

		const failure = this.takeFailure(check.operationId);
		if (failure?.status === 'network') {
			record.status = 'network';
			request.socket.destroy();
			return;
		}
		if (failure) {
			if (failure.status === 429) return reply(this.throttle(failure.retryAfterSeconds ?? 1));
			const serverError = this.error({
				status: failure.status,
				code: 'error',
				title: 'A server error occurred.',
				detail: 'A server error occurred.',
			});
			// A 503 during maintenance (or from a proxy in front) may say when to come back.
			const retryAfter: Record<string, string> =
				failure.retryAfterSeconds === undefined
					? {}
					: { 'Retry-After': String(failure.retryAfterSeconds) };
			return reply({ ...serverError, headers: retryAfter });
		}

		const authProblem = this.authenticate(request.headers.authorization);
		if (authProblem) return reply(this.error(authProblem));
		if (!check.operationId) {
			return reply(
				this.error({
					status: 404,
					code: 'not_found',
					title: 'Not found.',
					detail: `${method} ${url.pathname} does not exist.`,
				}),
			);
		}
		if (check.errors.length > 0) {
			return reply(this.error(invalid(check.errors.join('; '), '/data')));
		}
		const revision = String(request.headers.revision);
		if (!KNOWN_REVISIONS.includes(revision.split('.')[0]!)) {
			return reply(
				this.error({
					status: 400,
					code: 'invalid',
					title: 'Invalid input.',
					detail: `Invalid revision ${revision}.`,
					parameter: 'revision',
				}),
			);
		}

		const limit = this.limitFor(check.operationId);
		let rateHeaders: Record<string, string> = {};
		if (limit) {
			const decision = this.windows.take(check.operationId, limit, this.now());
			if (!decision.allowed) {
				this.throttled += 1;
				return reply(this.throttle(decision.retryAfterSeconds));
			}
			rateHeaders = {
				'RateLimit-Limit': String(decision.limit),
				'RateLimit-Remaining': String(decision.remaining),
				'RateLimit-Reset': String(decision.resetSeconds),
			};
		}
		const result = this.route(check.operationId, url, body, raw.length);
		result.headers = { ...rateHeaders, ...result.headers };
		if (result.body !== undefined) {
			const responseProblems = this.spec.checkResponse(
				check.operationId,
				result.status,
				result.body,
			);
			if (responseProblems.length > 0) {
				this.problems.push(
					`mock response to ${method} ${record.path} violates the spec: ${responseProblems.join('; ')}`,
				);
			}
		}
		return reply(result);
	}

	private route(operationId: string, url: URL, body: unknown, bytes: number): Reply {
		const data = (body as { data?: Record<string, unknown> } | undefined)?.data;
		switch (operationId) {
			case 'create_or_update_profile': {
				if (bytes > MAX_PROFILE_IMPORT_BYTES) {
					return this.error(invalid('Payload exceeds the maximum size of 100 KB.', '/data'));
				}
				const result = this.state.importProfile(
					data as { id?: unknown; attributes: Record<string, unknown> },
				);
				if ('code' in result) return this.error(result);
				return {
					status: result.status,
					body: {
						data: this.profileResource(result.profile),
						links: { self: `${this.baseUrl}/api/profile-import` },
					},
				};
			}
			case 'create_event': {
				const result = this.state.createEvent(data!.attributes as Record<string, unknown>);
				if ('code' in result) return this.error(result);
				return { status: 202 };
			}
			case 'bulk_import_profiles': {
				const profiles = (
					data!.attributes as { profiles: { data: Array<Record<string, unknown>> } }
				).profiles.data;
				const overLimit = bulkLimitError(BULK_LIMITS.profiles, profiles.length, bytes);
				if (overLimit) return this.error(overLimit);
				const job = this.state.createBulkJob(profiles);
				return {
					status: 202,
					body: {
						data: this.jobResource(job),
						links: { self: `${this.baseUrl}/api/profile-bulk-import-jobs` },
					},
				};
			}
			case 'get_bulk_import_profiles_job': {
				const job = this.findJob(url, 'job');
				if ('code' in job) return this.error(job);
				return {
					status: 200,
					body: { data: this.jobResource(job), links: { self: `${this.baseUrl}${url.pathname}` } },
				};
			}
			case 'get_errors_for_bulk_import_profiles_job': {
				const job = this.findJob(url, 'errors');
				if ('code' in job) return this.error(job);
				return { status: 200, body: this.importErrorsPage(job, url) };
			}
			case 'get_accounts':
				return { status: 200, body: this.accounts() };
			case 'get_events':
				return this.read(eventsPage(this.readContext(), url));
			case 'get_metrics':
				return this.read(metricsPage(this.readContext(), url));
			case 'get_profile': {
				const id = decodeURIComponent(url.pathname.replace(/\/$/, '').split('/').at(-1)!);
				const profile = this.state.profiles.get(id);
				if (!profile)
					return this.error({
						status: 404,
						code: 'not_found',
						title: 'Not found.',
						detail: `Profile ${id} does not exist.`,
						parameter: 'id',
					});
				const resource = this.profileResource(profile);
				const fields = url.searchParams.get('fields[profile]')?.split(',');
				const attributes = fields
					? Object.fromEntries(
							Object.entries(resource.attributes).filter(([name]) => fields.includes(name)),
						)
					: resource.attributes;
				return {
					status: 200,
					body: {
						data: { ...resource, attributes },
						links: { self: `${this.baseUrl}${url.pathname}` },
					},
				};
			}
			case 'bulk_create_events':
				return this.bulkCreateEvents(data!, bytes);
			default:
				this.problems.push(`the mock does not implement ${operationId}`);
				return this.error({
					status: 501,
					code: 'not_implemented',
					title: 'Not implemented.',
					detail: `The mock does not implement ${operationId}.`,
				});
		}
	}

	/**
	 * POST /api/event-bulk-create-jobs: at most 1,000 events and 5 MB. A bad entry refuses the
	 * whole request with 400, one error per bad entry pointing at it; otherwise 202 and no body.
	 */
	private bulkCreateEvents(data: Record<string, unknown>, bytes: number): Reply {
		const entries = (
			data.attributes as {
				'events-bulk-create': { data: Array<{ attributes: Record<string, unknown> }> };
			}
		)['events-bulk-create'].data;
		const events = entries.flatMap((entry, index) =>
			(
				entry.attributes.events as { data: Array<{ attributes: Record<string, unknown> }> }
			).data.map((event, position) => ({
				attributes: { ...event.attributes, profile: entry.attributes.profile },
				pointer: `/data/attributes/events-bulk-create/data/${index}/attributes/events/data/${position}/attributes`,
			})),
		);
		const overLimit = bulkLimitError(BULK_LIMITS.events, events.length, bytes);
		if (overLimit) return this.error(overLimit);
		const problems = events.flatMap(
			({ attributes, pointer }) => this.state.validateEvent(attributes, pointer) ?? [],
		);
		if (problems.length > 0) {
			const bodies = problems.map((problem) => errorBody(problem).errors[0]);
			return { status: 400, body: { errors: bodies } };
		}
		for (const { attributes } of events) this.state.recordEvent(attributes);
		return { status: 202 };
	}

	private readContext(): ReadContext {
		return {
			state: this.state,
			baseUrl: this.baseUrl,
			profileResource: (profile) => this.profileResource(profile),
		};
	}

	private read(result: { body: unknown } | MockError): Reply {
		return 'body' in result ? { status: 200, body: result.body } : this.error(result);
	}

	private takeFailure(operationId: string | undefined): Failure | undefined {
		const now = this.now();
		for (let index = 0; index < this.failures.length; index++) {
			const failure = this.failures[index]!;
			if (failure.remaining <= 0 || now >= failure.until) {
				this.failures.splice(index--, 1);
				continue;
			}
			if (failure.operationId && failure.operationId !== operationId) continue;
			failure.remaining -= 1;
			return failure;
		}
		return undefined;
	}

	private authenticate(authorization: string | undefined): MockError | undefined {
		const match = /^Klaviyo-API-Key (.+)$/.exec(authorization ?? '');
		if (!match) {
			return {
				status: 401,
				code: 'not_authenticated',
				title: 'Authentication credentials were not provided.',
				detail: 'Missing or invalid authorization scheme. Please use Klaviyo-API-Key.',
			};
		}
		if (match[1] !== this.apiKey) {
			return {
				status: 401,
				code: 'authentication_failed',
				title: 'Incorrect authentication credentials.',
				detail: 'Incorrect authentication credentials.',
			};
		}
		return undefined;
	}

	private limitFor(operationId: string): SpecRateLimit | undefined {
		const setting = this.options.rateLimits ?? 'spec';
		if (setting === 'off') return undefined;
		if (setting !== 'spec' && setting[operationId]) return setting[operationId];
		return this.spec.rateLimits[operationId];
	}

	/** A 429 carries only Retry-After, never the RateLimit-* headers. */
	private throttle(retryAfterSeconds: number): Reply {
		return {
			...this.error({
				status: 429,
				code: 'throttled',
				title: 'Request was throttled.',
				detail: `Request was throttled. Expected available in ${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'}.`,
				pointer: '/data',
			}),
			headers: { 'Retry-After': String(retryAfterSeconds) },
		};
	}

	private error(error: MockError): Reply {
		return { status: error.status, body: errorBody(error) };
	}

	private send(response: ServerResponse, record: RecordedRequest, reply: Reply): void {
		const headers: Record<string, string> = { ...reply.headers };
		let payload = '';
		if (reply.body !== undefined) {
			headers['Content-Type'] = 'application/vnd.api+json';
			payload = JSON.stringify(reply.body);
		}
		record.status = reply.status;
		response.writeHead(reply.status, headers).end(payload);
	}

	private findJob(url: URL, kind: 'job' | 'errors'): BulkJob | MockError {
		const segments = url.pathname.replace(/\/$/, '').split('/');
		const id = decodeURIComponent(kind === 'job' ? segments.at(-1)! : segments.at(-2)!);
		const job = this.state.jobs.get(id);
		if (!job)
			return {
				status: 404,
				code: 'not_found',
				title: 'Not found.',
				detail: `Bulk import job ${id} does not exist.`,
				parameter: 'id',
			};
		this.state.advanceJob(job);
		return job;
	}

	private profileResource(profile: StoredProfile) {
		const self = `${this.baseUrl}/api/profiles/${profile.id}/`;
		const attribute = (name: string) => (profile.attributes[name] as string | undefined) ?? null;
		return {
			type: 'profile',
			id: profile.id,
			attributes: {
				email: attribute('email'),
				phone_number: attribute('phone_number'),
				external_id: attribute('external_id'),
				anonymous_id: attribute('anonymous_id'),
				first_name: attribute('first_name'),
				last_name: attribute('last_name'),
				organization: attribute('organization'),
				locale: attribute('locale'),
				title: attribute('title'),
				image: attribute('image'),
				created: profile.created,
				updated: profile.updated,
				last_event_date: attribute('last_event_date'),
				location: profile.attributes.location ?? null,
				properties: profile.attributes.properties,
			},
			relationships: {
				lists: { links: { self: `${self}relationships/lists/`, related: `${self}lists/` } },
				segments: {
					links: { self: `${self}relationships/segments/`, related: `${self}segments/` },
				},
			},
			links: { self },
		};
	}

	private jobResource(job: BulkJob) {
		const self = `${this.baseUrl}/api/profile-bulk-import-jobs/${job.id}/`;
		const iso = (time: number | null) => (time === null ? null : new Date(time).toISOString());
		return {
			type: 'profile-bulk-import-job',
			id: job.id,
			attributes: {
				status: this.state.jobStatus(job),
				created_at: new Date(job.createdAt).toISOString(),
				total_count: job.profiles.length,
				completed_count: job.processed - job.failed,
				failed_count: job.failed,
				completed_at: iso(job.completedAt),
				expires_at: iso(job.createdAt + 30 * 24 * 3600 * 1000),
				started_at: iso(job.startedAt),
			},
			relationships: {
				lists: {
					data: [],
					links: { self: `${self}relationships/lists/`, related: `${self}lists/` },
				},
				profiles: {
					links: { self: `${self}relationships/profiles/`, related: `${self}profiles/` },
				},
				'import-errors': { links: { related: `${self}import-errors/` } },
			},
			links: { self },
		};
	}

	private importErrorsPage(job: BulkJob, url: URL) {
		const size = Number(url.searchParams.get('page[size]') ?? 20);
		const offset = Number(
			Buffer.from(url.searchParams.get('page[cursor]') ?? '', 'base64url').toString() || 0,
		);
		const page = job.errors.slice(offset, offset + size);
		const link = (at: number) => {
			const next = new URL(url.toString());
			next.searchParams.set('page[cursor]', Buffer.from(String(at)).toString('base64url'));
			return next.toString();
		};
		return {
			data: page.map((error) => ({
				type: 'import-error',
				id: error.id,
				attributes: {
					code: error.code,
					title: error.title,
					detail: error.detail,
					source: { pointer: error.pointer },
					original_payload: error.originalPayload,
				},
			})),
			links: {
				self: url.toString(),
				...(offset + size < job.errors.length ? { next: link(offset + size) } : {}),
				...(offset > 0 ? { prev: link(Math.max(0, offset - size)) } : {}),
			},
		};
	}

	private accounts() {
		return {
			data: [
				{
					type: 'account',
					id: 'AbC123',
					attributes: {
						test_account: true,
						contact_information: {
							default_sender_name: 'Lead Scoring Tests',
							default_sender_email: 'tests@example.com',
							website_url: null,
							organization_name: 'Lead Scoring Tests',
							street_address: {
								address1: '1 Test St',
								address2: null,
								city: 'Boston',
								region: 'MA',
								country: 'US',
								zip: '02110',
							},
						},
						industry: null,
						timezone: 'US/Eastern',
						preferred_currency: 'USD',
						public_api_key: 'AbC123',
						locale: 'en-US',
					},
					links: { self: `${this.baseUrl}/api/accounts/AbC123/` },
				},
			],
			links: { self: `${this.baseUrl}/api/accounts/` },
		};
	}
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of request) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks);
}

export async function startKlaviyoMock(options: KlaviyoMockOptions = {}): Promise<KlaviyoMock> {
	return await new KlaviyoMock(await klaviyoSpec(), options).listen();
}
