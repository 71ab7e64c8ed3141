/**
 * The Braze client: score updates to POST /users/track in batches, within the workspace's rate
 * limit, with retries, and each of Braze's indexed errors given back to the update it belongs
 * to. No n8n imports: the HTTP transport and the clock are passed in.
 */
import { BrazeApiError, type BrazeObjectError, errorFromResponse, objectErrorsOf, redactSecrets } from './errors';
import type { ProfileUpdate } from './inputs';
import { trackRequest } from './payloads';
import { BrazeRateLimiter } from './rateLimiter';
import type { BrazeHttpResponse, BrazeTransport, Clock } from './transport';

/** Braze takes at most 75 attribute objects and 75 event objects per request. */
export const MAX_BATCH_SIZE = 75;

export interface RetryPolicy {
	/** Retries after a 5xx or a network error (default 3). */
	maxRetries: number;
	/** Retries after a 429, each after the rate-limit window resets (default 10). */
	maxThrottleRetries: number;
	/** First backoff delay; it doubles per retry up to `maxDelayMs`, with jitter (default 500 ms). */
	baseDelayMs: number;
	maxDelayMs: number;
}

export interface BrazeClientOptions {
	transport: BrazeTransport;
	clock: Clock;
	/** Jitter source, 0 ≤ x < 1 (default Math.random). */
	random?: () => number;
	retry?: Partial<RetryPolicy>;
	/** Share one limiter between clients that use the same workspace. */
	limiter?: BrazeRateLimiter;
	/** Updates per request, at most 75 (default 75). */
	batchSize?: number;
}

export interface UpdateResult {
	/** Braze accepted the update's custom attributes (false: nothing needed writing). */
	attributesWritten: boolean;
	/** Braze accepted the update's event (false: none was due, or Braze refused it; see `errors`). */
	eventWritten: boolean;
	/** Braze's errors about this update's event, when it applied the attributes but refused the event. */
	errors?: BrazeObjectError[];
}

export type UpdateOutcome = { state: 'done'; result: UpdateResult } | { state: 'failed'; error: BrazeApiError } | { state: 'skipped' };

export interface UpdateOptions {
	/** Send no further batch after one that failed (wholly or for one update); the rest come back `skipped`. */
	stopOnError?: boolean;
}

export interface UpdateProfilesResult {
	outcomes: UpdateOutcome[];
	/** Errors Braze reported that name no object of the request; reported, not dropped. */
	unmatchedErrors: BrazeObjectError[];
	/** Requests sent, retries and 429s included. */
	requests: number;
	/** 429s Braze answered (each waited out and sent again, within the retries). */
	throttled: number;
}

/** Status codes worth another try: the server or something in between failed, not the request. */
function isTransient(status: number): boolean {
	return status >= 500 || status === 408;
}

function describeNetworkError(error: unknown): string {
	const { message, code } = (error ?? {}) as { message?: unknown; code?: unknown };
	const text = redactSecrets(typeof message === 'string' && message.length > 0 ? message : String(error));
	return typeof code === 'string' && !text.includes(code) ? `${text} (${code})` : text;
}

function retryAfterMs(response: BrazeHttpResponse): number | undefined {
	const header = Object.entries(response.headers).find(([name]) => name.toLowerCase() === 'retry-after')?.[1];
	const seconds = Number(header);
	return header !== undefined && Number.isFinite(seconds) ? Math.max(0, seconds * 1000) : undefined;
}

/** Longest wait a 429's reset header may impose; a reset further out means the clocks disagree. */
const MAX_THROTTLE_WAIT_MS = 60_000;

export class BrazeClient {
	private readonly transport: BrazeTransport;
	private readonly clock: Clock;
	private readonly random: () => number;
	private readonly retry: RetryPolicy;
	private readonly limiter: BrazeRateLimiter;
	private readonly batchSize: number;
	private requests = 0;
	private throttled = 0;

	constructor(options: BrazeClientOptions) {
		this.transport = options.transport;
		this.clock = options.clock;
		this.random = options.random ?? Math.random;
		this.retry = { maxRetries: 3, maxThrottleRetries: 10, baseDelayMs: 500, maxDelayMs: 30_000, ...options.retry };
		this.limiter = options.limiter ?? new BrazeRateLimiter(this.clock);
		this.batchSize = Math.max(1, Math.min(MAX_BATCH_SIZE, Math.floor(options.batchSize ?? MAX_BATCH_SIZE)));
	}

	/**
	 * Writes every update, `batchSize` per request, in order. An update with no attributes and no
	 * event is done without a request. Each outcome stays at its update's index.
	 */
	async updateProfiles(updates: ProfileUpdate[], options: UpdateOptions = {}): Promise<UpdateProfilesResult> {
		const outcomes: UpdateOutcome[] = updates.map(() => ({ state: 'skipped' }));
		const unmatchedErrors: BrazeObjectError[] = [];
		const toSend: number[] = [];
		updates.forEach((update, index) => {
			if (Object.keys(update.attributes).length > 0 || update.event) toSend.push(index);
			else outcomes[index] = { state: 'done', result: { attributesWritten: false, eventWritten: false } };
		});
		const requestsBefore = this.requests;
		const throttledBefore = this.throttled;

		for (let start = 0; start < toSend.length; start += this.batchSize) {
			const batch = toSend.slice(start, start + this.batchSize);
			const { body, positions } = trackRequest(batch.map((index) => updates[index]!));
			let response: BrazeHttpResponse;
			try {
				response = await this.send(body);
			} catch (error) {
				if (!(error instanceof BrazeApiError)) throw error;
				for (const index of batch) outcomes[index] = { state: 'failed', error };
				// A refused key refuses every later batch too: fail them without sending.
				const refusedKey = error.status === 401 || error.status === 403;
				if (options.stopOnError || refusedKey) {
					for (const index of toSend.slice(start + this.batchSize)) outcomes[index] = refusedKey ? { state: 'failed', error } : { state: 'skipped' };
					break;
				}
				continue;
			}
			const settled = this.settle(response, positions, unmatchedErrors);
			let failed = false;
			batch.forEach((index, position) => {
				outcomes[index] = settled[position]!;
				failed ||= settled[position]!.state === 'failed' || Boolean((settled[position] as { result?: UpdateResult }).result?.errors);
			});
			if (failed && options.stopOnError) break;
		}
		return { outcomes, unmatchedErrors, requests: this.requests - requestsBefore, throttled: this.throttled - throttledBefore };
	}

	/**
	 * Gives each of Braze's indexed errors to the update whose object it names. A 2xx applied
	 * every object without an error; a 400 that lists errors by index applied none.
	 */
	private settle(response: BrazeHttpResponse, positions: Array<{ attributes?: number; events?: number }>, unmatched: BrazeObjectError[]): UpdateOutcome[] {
		const { status, body } = response;
		const errors = objectErrorsOf(body);
		const claimed = new Set<BrazeObjectError>();
		const errorsOf = (array: 'attributes' | 'events', index: number | undefined) => {
			const own = index === undefined ? [] : errors.filter((error) => error.inputArray === array && error.index === index);
			for (const error of own) claimed.add(error);
			return own;
		};
		const outcomes = positions.map((position): UpdateOutcome => {
			const attributeErrors = errorsOf('attributes', position.attributes);
			const eventErrors = errorsOf('events', position.events);
			const own = [...attributeErrors, ...eventErrors];
			if (status >= 400) {
				const requestError = errorFromResponse(status, body);
				if (own.length === 0) return { state: 'failed', error: requestError };
				return { state: 'failed', error: new BrazeApiError({ kind: 'object', status, message: `Braze refused this item: ${own.map((error) => error.type).join('; ')}`, errors: own }) };
			}
			if (attributeErrors.length > 0 || (position.attributes === undefined && eventErrors.length > 0)) {
				return { state: 'failed', error: new BrazeApiError({ kind: 'object', status, message: `Braze refused this item: ${own.map((error) => error.type).join('; ')}`, errors: own }) };
			}
			return {
				state: 'done',
				result: {
					attributesWritten: position.attributes !== undefined,
					eventWritten: position.events !== undefined && eventErrors.length === 0,
					...(eventErrors.length > 0 ? { errors: eventErrors } : {}),
				},
			};
		});
		unmatched.push(...errors.filter((error) => !claimed.has(error)));
		return outcomes;
	}

	/** One request: waits for the limiter, waits out 429s until the window resets, retries 5xx and network errors with backoff. */
	private async send(body: unknown): Promise<BrazeHttpResponse> {
		const headers = { 'content-type': 'application/json', accept: 'application/json' };
		let failures = 0;
		let throttles = 0;
		for (;;) {
			await this.limiter.acquire();
			this.requests += 1;
			let response: BrazeHttpResponse;
			try {
				response = await this.transport({ method: 'POST', path: '/users/track', headers, body });
			} catch (error) {
				if (error instanceof BrazeApiError) throw error;
				if (failures >= this.retry.maxRetries) {
					throw new BrazeApiError({ kind: 'network', message: `No answer from Braze: ${describeNetworkError(error)}` });
				}
				await this.clock.sleep(this.backoff(failures++));
				continue;
			}
			const { status } = response;
			if (status === 429) {
				this.throttled += 1;
				if (throttles >= this.retry.maxThrottleRetries) throw errorFromResponse(status, response.body);
				const now = this.clock.now();
				const untilReset = (this.limiter.resetAt(response.headers) ?? 0) - now;
				const wait = untilReset > 0 ? Math.min(untilReset, MAX_THROTTLE_WAIT_MS) : (retryAfterMs(response) ?? this.backoff(throttles));
				throttles += 1;
				// Every other request to the workspace waits too: it would be refused the same way.
				this.limiter.pauseUntil(now + wait);
				continue;
			}
			this.limiter.observe(response.headers);
			if (isTransient(status)) {
				if (failures >= this.retry.maxRetries) throw errorFromResponse(status, response.body);
				await this.clock.sleep(this.backoff(failures++));
				continue;
			}
			if (status >= 400 && !(status === 400 && objectErrorsOf(response.body).some((error) => error.index !== undefined))) {
				throw errorFromResponse(status, response.body);
			}
			return response;
		}
	}

	/** Exponential backoff with jitter: somewhere in [d/2, d) for d = base × 2^attempt. */
	private backoff(attempt: number): number {
		const delay = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** attempt);
		return delay / 2 + (this.random() * delay) / 2;
	}
}
