/**
 * The Klaviyo API client: requests within the rate limits, retries, error mapping and bulk
 * import jobs. No n8n imports: the HTTP transport and the clock are passed in.
 */
import type { Clock } from '../http/clock';
import {
	DEFAULT_RETRY_POLICY,
	type RetryPolicy,
	backoffMs,
	describeNetworkError,
	isTransientStatus,
	retryAfterMs,
} from '../http/retry';
import type { HttpRequest, HttpResponse, HttpTransport } from '../http/transport';
import { type Outcome, done, failed } from '../outcome';

import {
	MAX_BULK_REQUEST_BYTES,
	MAX_EVENTS_PER_BULK_REQUEST,
	bulkCreateEventsBody,
	bulkEventEntry,
	rejectedEntries,
} from './bulkEvents';
import {
	type ImportError,
	MAX_JOB_BYTES,
	MAX_PROFILES_PER_JOB,
	matchImportErrors,
	planJobs,
} from './bulkImport';
import { KlaviyoApiError, errorFromResponse } from './errors';
import type { EventInput, ProfileInput } from './inputs';
import {
	type ProfileResource,
	bulkImportBody,
	eventBody,
	profileImportBody,
	profileResource,
} from './payloads';
import { RateLimiter, type RateLimitBucket } from './rateLimiter';

/** How long the client waits when Klaviyo asks it to (Retry-After, RateLimit-Reset, backoff after 5xx). */
export interface WaitLimits {
	/** One wait; a longer one fails the item with the wait Klaviyo asked for (default 60 s). */
	maxWaitMs: number;
	/** All the waits of one request together (default 5 minutes). */
	maxTotalWaitMs: number;
}

export interface BulkImportOptions {
	/** First wait between job status checks; it grows 1.5× per check up to 10 s (default 1 s). */
	pollIntervalMs: number;
	/** Give up waiting for a job after this long (default 10 min); its profiles then fail. */
	timeoutMs: number;
	maxProfilesPerJob: number;
	maxJobBytes: number;
}

export interface KlaviyoClientOptions {
	transport: HttpTransport;
	clock: Clock;
	/** Jitter source, 0 ≤ x < 1 (default Math.random). */
	random?: () => number;
	retry?: Partial<RetryPolicy>;
	bulk?: Partial<BulkImportOptions>;
	waits?: Partial<WaitLimits>;
	/** Share one limiter between clients that use the same Klaviyo account. */
	limiter?: RateLimiter;
}

export interface ProfileResult {
	/** Null after a bulk import: Klaviyo's jobs do not say which profile each row became. */
	profileId: string | null;
	/** True for a new profile (201), false for an update (200), null when unknown (bulk). */
	created: boolean | null;
	status: 'created' | 'updated' | 'imported';
	jobId?: string;
}

export interface EventResult {
	/** Klaviyo's 202 names no profile: null, like `created`, keeps the output shape of profiles. */
	profileId: null;
	created: null;
	/** 202: Klaviyo validated the event and queued it; a duplicate is dropped silently. */
	status: 'accepted';
	uniqueId: string | null;
}

/**
 * One outcome per input, at its index; its error is a {@link KlaviyoApiError}. Undefined: the
 * input was not sent, because `stopOnError` stopped the batch at an earlier failure.
 */
export type BatchOutcomes<T> = Array<Outcome<T> | undefined>;

export interface BatchOptions {
	/** Requests in flight at once (default 5); the rate limiter still has the last word. */
	concurrency?: number;
	/** Stop starting new requests after the first failure; the rest are left unsent (undefined). */
	stopOnError?: boolean;
}

export interface ProfileBatchOptions extends BatchOptions {
	/** Use bulk import jobs when there are more profiles than this (0: never). */
	bulkThreshold?: number;
}

export interface EventBatchOptions extends BatchOptions {
	/** Use bulk create requests (up to 1,000 events each) when there are more events than this (0: never). */
	bulkThreshold?: number;
}

export interface ProfileBatchResult {
	outcomes: BatchOutcomes<ProfileResult>;
	/** Import errors that could not be traced to a profile; reported, not dropped. */
	unmatchedImportErrors: ImportError[];
}

export interface BulkImportJob {
	id: string;
	status: 'queued' | 'processing' | 'complete' | 'cancelled';
	totalCount: number;
	completedCount: number;
	failedCount: number;
}

const JSON_API = 'application/vnd.api+json';
const MAX_POLL_INTERVAL_MS = 10_000;

/** Network errors can quote request details; drop anything key-like. */
function redactKey(text: string): string {
	return text
		.replace(/Klaviyo-API-Key\s+\S+/gi, 'Klaviyo-API-Key [redacted]')
		.replace(/\bpk_[A-Za-z0-9]+/g, 'pk_[redacted]');
}

function acceptedEvent(input: EventInput): EventResult {
	return { profileId: null, created: null, status: 'accepted', uniqueId: input.uniqueId ?? null };
}

function jobFromBody(body: unknown): BulkImportJob {
	const data = (body as { data?: { id?: unknown; attributes?: Record<string, unknown> } })?.data;
	const attributes = data?.attributes ?? {};
	if (typeof data?.id !== 'string') {
		throw new KlaviyoApiError({
			kind: 'api',
			code: 'unexpected_response',
			title: 'Unexpected response.',
			detail: 'Klaviyo returned a bulk import job without an id.',
		});
	}
	return {
		id: data.id,
		status: attributes.status as BulkImportJob['status'],
		totalCount: Number(attributes.total_count ?? 0),
		completedCount: Number(attributes.completed_count ?? 0),
		failedCount: Number(attributes.failed_count ?? 0),
	};
}

/** Pagination links are absolute (https://a.klaviyo.com/api/...); the transport adds the base URL. */
export function pathOfLink(link: string): string {
	const url = new URL(link, 'https://a.klaviyo.com');
	return url.pathname + url.search;
}

export class KlaviyoClient {
	private readonly transport: HttpTransport;
	private readonly clock: Clock;
	private readonly random: () => number;
	private readonly retry: RetryPolicy;
	private readonly bulk: BulkImportOptions;
	private readonly waits: WaitLimits;
	private readonly limiter: RateLimiter;

	constructor(options: KlaviyoClientOptions) {
		this.transport = options.transport;
		this.clock = options.clock;
		this.random = options.random ?? Math.random;
		this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
		this.bulk = {
			pollIntervalMs: 1000,
			timeoutMs: 10 * 60_000,
			maxProfilesPerJob: MAX_PROFILES_PER_JOB,
			maxJobBytes: MAX_JOB_BYTES,
			...options.bulk,
		};
		this.waits = { maxWaitMs: 60_000, maxTotalWaitMs: 5 * 60_000, ...options.waits };
		this.limiter = options.limiter ?? new RateLimiter(this.clock);
	}

	/** POST /api/profile-import: creates (201) or updates (200) one profile. */
	async upsertProfile(input: ProfileInput): Promise<ProfileResult> {
		const response = await this.send('profileImport', {
			method: 'POST',
			url: '/api/profile-import',
			body: profileImportBody(input),
		});
		const id = (response.body as { data?: { id?: unknown } })?.data?.id;
		const created = response.status === 201;
		return {
			profileId: typeof id === 'string' ? id : null,
			created,
			status: created ? 'created' : 'updated',
		};
	}

	/** POST /api/events: 202, with no body, whether Klaviyo records the event or drops it as a duplicate. */
	async createEvent(input: EventInput): Promise<EventResult> {
		await this.send('events', { method: 'POST', url: '/api/events', body: eventBody(input) });
		return acceptedEvent(input);
	}

	async createBulkImportJob(profiles: ProfileResource[]): Promise<BulkImportJob> {
		const response = await this.send('bulkImportJobs', {
			method: 'POST',
			url: '/api/profile-bulk-import-jobs',
			body: bulkImportBody(profiles),
		});
		return jobFromBody(response.body);
	}

	async getBulkImportJob(jobId: string): Promise<BulkImportJob> {
		const response = await this.send('bulkImportJobs', {
			method: 'GET',
			url: `/api/profile-bulk-import-jobs/${encodeURIComponent(jobId)}`,
		});
		return jobFromBody(response.body);
	}

	/** Every import error of a job, following `links.next` page by page. */
	async listImportErrors(jobId: string): Promise<ImportError[]> {
		const errors: ImportError[] = [];
		let path: string | undefined =
			`/api/profile-bulk-import-jobs/${encodeURIComponent(jobId)}/import-errors?page%5Bsize%5D=100`;
		while (path) {
			const response = await this.send('bulkImportJobs', { method: 'GET', url: path });
			const body = response.body as {
				data?: Array<{
					id: string;
					attributes: {
						code: string;
						title: string;
						detail: string;
						source?: { pointer?: string };
						original_payload?: unknown;
					};
				}>;
				links?: { next?: string | null };
			};
			for (const entry of body.data ?? []) {
				const { code, title, detail, source, original_payload: originalPayload } = entry.attributes;
				errors.push({
					id: entry.id,
					code,
					title,
					detail,
					pointer: source?.pointer ?? undefined,
					originalPayload,
				});
			}
			path = body.links?.next ? pathOfLink(body.links.next) : undefined;
		}
		return errors;
	}

	/** Upserts many profiles: one request each, or bulk import jobs above `bulkThreshold`. */
	async upsertProfiles(
		inputs: ProfileInput[],
		options: ProfileBatchOptions = {},
	): Promise<ProfileBatchResult> {
		const threshold = options.bulkThreshold ?? 0;
		if (threshold > 0 && inputs.length > threshold) return await this.importProfiles(inputs);
		const outcomes = await this.runEach(
			inputs,
			options,
			async (input) => await this.upsertProfile(input),
			(input) => JSON.stringify(input.identifier),
		);
		return { outcomes, unmatchedImportErrors: [] };
	}

	/** Creates many events: one request each, or bulk create requests above `bulkThreshold`. */
	async createEvents(
		inputs: EventInput[],
		options: EventBatchOptions = {},
	): Promise<BatchOutcomes<EventResult>> {
		const threshold = options.bulkThreshold ?? 0;
		if (threshold > 0 && inputs.length > threshold) return await this.createEventsInBulk(inputs);
		return await this.runEach(inputs, options, async (input) => await this.createEvent(input));
	}

	/**
	 * Creates events through bulk create requests. Entries a refused request names fail their
	 * items and the rest are sent again, so one bad item never holds back the others.
	 */
	private async createEventsInBulk(inputs: EventInput[]): Promise<Array<Outcome<EventResult>>> {
		const entries = inputs.map(bulkEventEntry);
		const outcomes = new Array<Outcome<EventResult>>(inputs.length);
		for (const [start, end] of planJobs(
			entries,
			MAX_EVENTS_PER_BULK_REQUEST,
			MAX_BULK_REQUEST_BYTES,
		)) {
			let pending = Array.from({ length: end - start }, (_, offset) => start + offset);
			// Each round either succeeds or drops at least one rejected entry, so this ends.
			while (pending.length > 0) {
				try {
					const body = bulkCreateEventsBody(pending.map((index) => entries[index]!));
					await this.send('bulkCreateEvents', {
						method: 'POST',
						url: '/api/event-bulk-create-jobs',
						body,
					});
					for (const index of pending) outcomes[index] = done(acceptedEvent(inputs[index]!));
					break;
				} catch (error) {
					if (!(error instanceof KlaviyoApiError)) throw error;
					const rejected = rejectedEntries(error, pending.length);
					if (!rejected) {
						for (const index of pending) outcomes[index] = failed(error);
						break;
					}
					for (const [position, entryError] of rejected)
						outcomes[pending[position]!] = failed(entryError);
					pending = pending.filter((_, position) => !rejected.has(position));
				}
			}
		}
		return outcomes;
	}

	/**
	 * Imports profiles through bulk jobs (≤10,000 profiles and ≤5 MB each), waits for every
	 * job to finish and maps each import error back to its profile.
	 */
	async importProfiles(inputs: ProfileInput[]): Promise<ProfileBatchResult> {
		const resources = inputs.map(profileResource);
		const outcomes = new Array<Outcome<ProfileResult>>(inputs.length);
		const unmatchedImportErrors: ImportError[] = [];
		const pending: Array<{ job: BulkImportJob; start: number; end: number }> = [];
		const settle = (
			start: number,
			end: number,
			outcome: (index: number) => Outcome<ProfileResult>,
		) => {
			for (let index = start; index < end; index++) outcomes[index] = outcome(index);
		};

		for (const [start, end] of planJobs(
			resources,
			this.bulk.maxProfilesPerJob,
			this.bulk.maxJobBytes,
		)) {
			try {
				pending.push({
					job: await this.createBulkImportJob(resources.slice(start, end)),
					start,
					end,
				});
			} catch (error) {
				settle(start, end, () => failed(error as KlaviyoApiError));
			}
		}

		const deadline = this.clock.now() + this.bulk.timeoutMs;
		let interval = this.bulk.pollIntervalMs;
		while (pending.length > 0) {
			if (this.clock.now() >= deadline) {
				for (const { job, start, end } of pending.splice(0)) {
					const error = new KlaviyoApiError({
						kind: 'timeout',
						code: 'job_timeout',
						title: 'The bulk import job did not finish in time.',
						detail: `Job ${job.id} was still ${job.status} after ${Math.round(this.bulk.timeoutMs / 1000)} s; Klaviyo may still import these profiles.`,
					});
					settle(start, end, () => failed(error));
				}
				break;
			}
			await this.clock.sleep(interval);
			interval = Math.min(MAX_POLL_INTERVAL_MS, interval * 1.5);
			for (const entry of [...pending]) {
				const { start, end } = entry;
				try {
					entry.job = await this.getBulkImportJob(entry.job.id);
					if (entry.job.status !== 'complete' && entry.job.status !== 'cancelled') continue;
					pending.splice(pending.indexOf(entry), 1);
					const { job } = entry;
					const errors =
						job.failedCount > 0 || job.status === 'cancelled'
							? await this.listImportErrors(job.id)
							: [];
					const { byProfile, unmatched } = matchImportErrors(resources.slice(start, end), errors);
					unmatchedImportErrors.push(...unmatched);
					// Failures Klaviyo counted or reported but did not trace to a profile: then no profile of the job is known to be imported.
					const untraced = Math.max(job.failedCount - byProfile.size, unmatched.length);
					settle(start, end, (index) => {
						const importError = byProfile.get(index - start);
						if (importError) {
							return failed(
								new KlaviyoApiError({
									kind: 'import',
									code: importError.code,
									title: importError.title,
									detail: importError.detail,
									pointer: importError.pointer,
									errorId: importError.id,
								}),
							);
						}
						if (untraced > 0) {
							return failed(
								new KlaviyoApiError({
									kind: 'import',
									code: 'import_unconfirmed',
									title: 'Klaviyo could not confirm this profile was imported.',
									detail: `Klaviyo reported ${untraced} failed profile(s) in job ${job.id} that it did not trace to a profile: this one may not have been imported. Upserting it again is safe.`,
								}),
							);
						}
						if (job.status === 'cancelled') {
							return failed(
								new KlaviyoApiError({
									kind: 'import',
									code: 'job_cancelled',
									title: 'The bulk import job was cancelled.',
									detail: `Job ${job.id} was cancelled before importing this profile.`,
								}),
							);
						}
						return done({ profileId: null, created: null, status: 'imported', jobId: job.id });
					});
				} catch (error) {
					pending.splice(pending.indexOf(entry), 1);
					settle(start, end, () => failed(error as KlaviyoApiError));
				}
			}
		}
		return { outcomes, unmatchedImportErrors };
	}

	/**
	 * One request: waits for the rate limiter, retries 429 after Retry-After and 5xx/network errors
	 * with backoff. Every wait Klaviyo asks for is capped, alone and in total for this request: past
	 * a cap the request fails with the wait Klaviyo asked for, instead of holding the workflow for hours.
	 * Public for the other modules of lib/klaviyo (event feed, bulk events).
	 */
	async send(
		bucket: RateLimitBucket,
		request: Omit<HttpRequest, 'headers'>,
	): Promise<HttpResponse> {
		const headers: Record<string, string> = { accept: JSON_API };
		if (request.body !== undefined) headers['content-type'] = JSON_API;
		let failures = 0;
		let throttles = 0;
		let waited = 0;
		// Checks a wait against the caps and counts it; `asked` says who asked for it, for the error.
		const allow = (ms: number, status: number | undefined, asked: string) => {
			this.checkWait(ms, waited, status, asked);
			waited += ms;
		};
		for (;;) {
			// A pause of the bucket (this request's 429, another's, or RateLimit-Reset) is waited here.
			const paused = this.limiter.pausedFor(bucket);
			if (paused) allow(paused.ms, undefined, paused.reason);
			await this.limiter.acquire(bucket);
			let response: HttpResponse;
			try {
				response = await this.transport({ ...request, headers });
			} catch (error) {
				if (error instanceof KlaviyoApiError) throw error;
				if (failures >= this.retry.maxRetries) {
					throw new KlaviyoApiError({
						kind: 'network',
						code: 'network_error',
						title: 'No answer from the server.',
						detail: describeNetworkError(error, redactKey),
					});
				}
				const wait = this.backoff(failures++);
				allow(wait, undefined, 'a backoff after a network error');
				await this.clock.sleep(wait);
				continue;
			}
			const { status } = response;
			const retryAfter = retryAfterMs(response.headers, this.clock.now());
			if (status === 429) {
				if (throttles >= this.retry.maxThrottleRetries)
					throw errorFromResponse(status, response.body);
				throttles += 1;
				const wait = retryAfter ?? this.backoff(throttles - 1);
				const asked = retryAfter === undefined ? 'a backoff after a 429' : 'Retry-After of a 429';
				// Checked before pausing: a wait past the cap must not hold back the other requests either.
				this.checkWait(wait, waited, status, asked);
				// The whole bucket waits: every other request to it would be refused too.
				this.limiter.pause(bucket, wait, asked);
				continue;
			}
			this.limiter.observe(bucket, response.headers);
			if (isTransientStatus(status)) {
				if (failures >= this.retry.maxRetries) throw errorFromResponse(status, response.body);
				const wait = Math.max(this.backoff(failures++), retryAfter ?? 0);
				allow(
					wait,
					status,
					retryAfter !== undefined && retryAfter >= wait
						? 'Retry-After'
						: `a backoff after a ${status}`,
				);
				await this.clock.sleep(wait);
				continue;
			}
			if (status >= 400) throw errorFromResponse(status, response.body);
			return response;
		}
	}

	/** Fails the request when a wait, or the request's waits together, would pass their caps. */
	private checkWait(ms: number, waited: number, status: number | undefined, asked: string): void {
		const seconds = (value: number) => `${Math.round(value / 1000)} s`;
		const answered = status === undefined ? 'Klaviyo' : `Klaviyo answered ${status} and`;
		if (ms > this.waits.maxWaitMs) {
			throw new KlaviyoApiError({
				kind: 'api',
				status,
				code: 'wait_too_long',
				title: 'Klaviyo asked to wait longer than this node waits.',
				detail: `${answered} asked to wait ${seconds(ms)} (${asked}); the node waits at most ${seconds(this.waits.maxWaitMs)} at a time (option Max Wait). Run the item again later, or raise Max Wait.`,
			});
		}
		if (waited + ms > this.waits.maxTotalWaitMs) {
			throw new KlaviyoApiError({
				kind: 'api',
				status,
				code: 'waited_too_long',
				title: 'Klaviyo kept this item waiting too long.',
				detail: `${answered} asked to wait ${seconds(ms)} more (${asked}) after ${seconds(waited)} of waits for this item; the node waits at most ${seconds(this.waits.maxTotalWaitMs)} per item (option Max Total Wait). Run the item again later, or raise Max Total Wait.`,
			});
		}
	}

	private backoff(attempt: number): number {
		return backoffMs(this.retry, attempt, this.random);
	}

	/**
	 * Runs one request per input, `concurrency` at a time, keeping each outcome at its input's index.
	 * Inputs with the same `keyOf` (one profile) run one after another in input order, so the last
	 * item's values are the ones Klaviyo keeps, as when they were sent one by one.
	 */
	private async runEach<I, R>(
		inputs: I[],
		options: BatchOptions,
		task: (input: I) => Promise<R>,
		keyOf?: (input: I) => string,
	): Promise<BatchOutcomes<R>> {
		const outcomes: BatchOutcomes<R> = inputs.map(() => undefined);
		const queues = new Map<string, number[]>();
		inputs.forEach((input, index) => {
			const key = keyOf === undefined ? String(index) : keyOf(input);
			const queue = queues.get(key);
			if (queue) queue.push(index);
			else queues.set(key, [index]);
		});
		const ordered = [...queues.values()];
		let next = 0;
		let stopped = false;
		const worker = async () => {
			while (!stopped && next < ordered.length) {
				for (const index of ordered[next++]!) {
					if (stopped) break;
					try {
						outcomes[index] = done(await task(inputs[index]!));
					} catch (error) {
						if (!(error instanceof KlaviyoApiError)) throw error;
						outcomes[index] = failed(error);
						if (options.stopOnError) stopped = true;
					}
				}
			}
		};
		const concurrency = Math.max(1, Math.min(options.concurrency ?? 5, ordered.length));
		await Promise.all(Array.from({ length: concurrency }, worker));
		return outcomes;
	}
}
