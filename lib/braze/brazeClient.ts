/**
 * The Braze client: score updates to POST /users/track in batches, within the workspace's rate
 * limit, with retries, and each of Braze's indexed errors given back to the update it belongs
 * to. No n8n imports: the HTTP transport and the clock are passed in.
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
import type { HttpResponse, HttpTransport } from '../http/transport';
import { type Outcome, done, failed } from '../outcome';

import {
	BrazeApiError,
	type BrazeObjectError,
	errorFromResponse,
	objectErrorsOf,
	redactSecrets,
} from './errors';
import type { ProfileUpdate } from './inputs';
import { trackRequest } from './payloads';
import { BrazeRateLimiter } from './rateLimiter';

/** Braze takes at most 75 attribute objects and 75 event objects per request. */
export const MAX_BATCH_SIZE = 75;

export interface BrazeClientOptions {
	transport: HttpTransport;
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

export interface UpdateOptions {
	/** Send no further batch after one that failed (wholly or for one update); the rest are left unsent (undefined). */
	stopOnError?: boolean;
}

export interface UpdateProfilesResult {
	/** One per update, at its index; its error is a {@link BrazeApiError}. Undefined: not sent, because `stopOnError` stopped first. */
	outcomes: Array<Outcome<UpdateResult> | undefined>;
	/** Errors Braze reported that name no object of the request; reported, not dropped. */
	unmatchedErrors: BrazeObjectError[];
	/** Requests sent, retries and 429s included. */
	requests: number;
	/** 429s Braze answered (each waited out and sent again, within the retries). */
	throttled: number;
}

/** Longest wait a 429's reset header may impose; a reset further out means the clocks disagree. */
const MAX_THROTTLE_WAIT_MS = 60_000;

export class BrazeClient {
	private readonly transport: HttpTransport;
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
		this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
		this.limiter = options.limiter ?? new BrazeRateLimiter(this.clock);
		this.batchSize = Math.max(
			1,
			Math.min(MAX_BATCH_SIZE, Math.floor(options.batchSize ?? MAX_BATCH_SIZE)),
		);
	}

	/**
	 * Writes every update, `batchSize` per request, in order. An update with no attributes and no
	 * event is done without a request. Each outcome stays at its update's index.
	 */
	async updateProfiles(
		updates: ProfileUpdate[],
		options: UpdateOptions = {},
	): Promise<UpdateProfilesResult> {
		const outcomes: UpdateProfilesResult['outcomes'] = updates.map(() => undefined);
		const unmatchedErrors: BrazeObjectError[] = [];
		const toSend: number[] = [];
		updates.forEach((update, index) => {
			if (Object.keys(update.attributes).length > 0 || update.event) toSend.push(index);
			else outcomes[index] = done({ attributesWritten: false, eventWritten: false });
		});
		const requestsBefore = this.requests;
		const throttledBefore = this.throttled;

		for (let start = 0; start < toSend.length; start += this.batchSize) {
			const batch = toSend.slice(start, start + this.batchSize);
			const { body, positions } = trackRequest(batch.map((index) => updates[index]!));
			let response: HttpResponse;
			try {
				response = await this.send(body);
			} catch (error) {
				if (!(error instanceof BrazeApiError)) throw error;
				for (const index of batch) outcomes[index] = failed(error);
				// A refused key refuses every later batch too: fail them without sending.
				const refusedKey = error.status === 401 || error.status === 403;
				if (refusedKey)
					for (const index of toSend.slice(start + this.batchSize)) outcomes[index] = failed(error);
				if (options.stopOnError || refusedKey) break;
				continue;
			}
			const settled = this.settle(response, positions, unmatchedErrors);
			let anyFailed = false;
			batch.forEach((index, position) => {
				const outcome = settled[position]!;
				outcomes[index] = outcome;
				anyFailed ||= !outcome.ok || Boolean(outcome.value.errors);
			});
			if (anyFailed && options.stopOnError) break;
		}
		return {
			outcomes,
			unmatchedErrors,
			requests: this.requests - requestsBefore,
			throttled: this.throttled - throttledBefore,
		};
	}

	/**
	 * Gives each of Braze's indexed errors to the update whose object it names. A 2xx applied
	 * every object without an error; a 400 that lists errors by index applied none.
	 */
	private settle(
		response: HttpResponse,
		positions: Array<{ attributes?: number; events?: number }>,
		unmatched: BrazeObjectError[],
	): Array<Outcome<UpdateResult>> {
		const { status, body } = response;
		const errors = objectErrorsOf(body);
		const claimed = new Set<BrazeObjectError>();
		const errorsOf = (array: 'attributes' | 'events', index: number | undefined) => {
			const own =
				index === undefined
					? []
					: errors.filter((error) => error.inputArray === array && error.index === index);
			for (const error of own) claimed.add(error);
			return own;
		};
		const outcomes = positions.map((position): Outcome<UpdateResult> => {
			const attributeErrors = errorsOf('attributes', position.attributes);
			const eventErrors = errorsOf('events', position.events);
			const own = [...attributeErrors, ...eventErrors];
			const refused = () =>
				failed(
					new BrazeApiError({
						kind: 'object',
						status,
						message: `Braze refused this item: ${own.map((error) => error.type).join('; ')}`,
						errors: own,
					}),
				);
			if (status >= 400)
				return own.length === 0 ? failed(errorFromResponse(status, body)) : refused();
			if (
				attributeErrors.length > 0 ||
				(position.attributes === undefined && eventErrors.length > 0)
			)
				return refused();
			return done({
				attributesWritten: position.attributes !== undefined,
				eventWritten: position.events !== undefined && eventErrors.length === 0,
				...(eventErrors.length > 0 ? { errors: eventErrors } : {}),
			});
		});
		unmatched.push(...errors.filter((error) => !claimed.has(error)));
		return outcomes;
	}

	/** One request: waits for the limiter, waits out 429s until the window resets, retries 5xx and network errors with backoff. */
	private async send(body: unknown): Promise<HttpResponse> {
		const headers = { 'content-type': 'application/json', accept: 'application/json' };
		let failures = 0;
		let throttles = 0;
		for (;;) {
			await this.limiter.acquire();
			this.requests += 1;
			let response: HttpResponse;
			try {
				response = await this.transport({ method: 'POST', url: '/users/track', headers, body });
			} catch (error) {
				if (error instanceof BrazeApiError) throw error;
				if (failures >= this.retry.maxRetries) {
					throw new BrazeApiError({
						kind: 'network',
						message: `No answer from Braze: ${describeNetworkError(error, redactSecrets)}`,
					});
				}
				await this.clock.sleep(this.backoff(failures++));
				continue;
			}
			const { status } = response;
			if (status === 429) {
				this.throttled += 1;
				if (throttles >= this.retry.maxThrottleRetries)
					throw errorFromResponse(status, response.body);
				const now = this.clock.now();
				const untilReset = (this.limiter.resetAt(response.headers) ?? 0) - now;
				const wait =
					untilReset > 0
						? Math.min(untilReset, MAX_THROTTLE_WAIT_MS)
						: (retryAfterMs(response.headers, now) ?? this.backoff(throttles));
				throttles += 1;
				// Every other request to the workspace waits too: it would be refused the same way.
				this.limiter.pauseUntil(now + wait);
				continue;
			}
			this.limiter.observe(response.headers);
			if (isTransientStatus(status)) {
				if (failures >= this.retry.maxRetries) throw errorFromResponse(status, response.body);
				await this.clock.sleep(this.backoff(failures++));
				continue;
			}
			if (
				status >= 400 &&
				!(
					status === 400 && objectErrorsOf(response.body).some((error) => error.index !== undefined)
				)
			) {
				throw errorFromResponse(status, response.body);
			}
			return response;
		}
	}

	private backoff(attempt: number): number {
		return backoffMs(this.retry, attempt, this.random);
	}
}
