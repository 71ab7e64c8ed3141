import type { Clock } from '../http/clock';

/** Requests per second (burst) and per minute (steady), as Klaviyo publishes them per operation. */
export interface RateLimit {
	burst: number;
	steady: number;
}

export type RateLimitBucket =
	| 'profileImport'
	| 'events'
	| 'bulkImportJobs'
	| 'accounts'
	| 'getEvents'
	| 'getMetrics'
	| 'getProfile'
	| 'bulkCreateEvents';

/**
 * The `x-klaviyo-ratelimit` of the operations this client calls (revision 2026-07-15).
 * The bulk-import-job operations (create, get, import-errors) share one bucket here: that is
 * stricter than Klaviyo, which counts each operation on its own.
 */
export const KLAVIYO_RATE_LIMITS: Record<RateLimitBucket, RateLimit> = {
	profileImport: { burst: 75, steady: 750 },
	events: { burst: 350, steady: 3500 },
	bulkImportJobs: { burst: 10, steady: 150 },
	accounts: { burst: 1, steady: 15 },
	getEvents: { burst: 350, steady: 3500 },
	getMetrics: { burst: 10, steady: 150 },
	getProfile: { burst: 75, steady: 750 },
	bulkCreateEvents: { burst: 10, steady: 150 },
};

/**
 * Klaviyo counts in fixed 1 s and 1 min windows from when a request arrives; counting in
 * slightly longer sliding windows from when it leaves keeps us under even with some latency.
 */
const BURST_WINDOW_MS = 1_150;
const STEADY_WINDOW_MS = 61_500;

interface BucketState {
	/** Send times within the steady window, oldest first. */
	sent: number[];
	pausedUntil: number;
	/** Who asked for the pause, for an error when a request will not wait that long. */
	pausedBecause: string;
}

/** A client-side limiter shared by every request of one node execution. */
export class RateLimiter {
	private readonly buckets = new Map<RateLimitBucket, BucketState>();

	constructor(
		private readonly clock: Clock,
		private readonly limits: Record<RateLimitBucket, RateLimit> = KLAVIYO_RATE_LIMITS,
	) {}

	/** Waits until one more request to the bucket stays within its limits, and books it. */
	async acquire(bucket: RateLimitBucket): Promise<void> {
		const state = this.state(bucket);
		for (;;) {
			const now = this.clock.now();
			const wait = this.waitTime(bucket, state, now);
			if (wait <= 0) {
				state.sent.push(now);
				return;
			}
			await this.clock.sleep(wait);
		}
	}

	/** Learns from the RateLimit-* headers of a successful response: none left means wait for the reset. */
	observe(bucket: RateLimitBucket, headers: Record<string, string>): void {
		const remaining = Number.parseInt(headers['ratelimit-remaining'] ?? '', 10);
		const reset = Number.parseInt(headers['ratelimit-reset'] ?? '', 10);
		// The reset counts down Klaviyo's one-minute window: a longer one is not believed, so a broken
		// header cannot hold every later request of the account back for hours.
		if (remaining === 0 && Number.isFinite(reset))
			this.pause(bucket, Math.min(reset, 60) * 1000, 'RateLimit-Reset');
	}

	/** Holds every request to the bucket back, e.g. for a 429's Retry-After. */
	pause(bucket: RateLimitBucket, ms: number, reason: string): void {
		const state = this.state(bucket);
		const until = this.clock.now() + ms;
		if (until <= state.pausedUntil) return;
		state.pausedUntil = until;
		state.pausedBecause = reason;
	}

	/** How long the bucket is still paused and why; undefined when it is not. */
	pausedFor(bucket: RateLimitBucket): { ms: number; reason: string } | undefined {
		const state = this.state(bucket);
		const ms = state.pausedUntil - this.clock.now();
		return ms > 0 ? { ms, reason: state.pausedBecause } : undefined;
	}

	private waitTime(bucket: RateLimitBucket, state: BucketState, now: number): number {
		const { burst, steady } = this.limits[bucket];
		while (state.sent.length > 0 && state.sent[0]! <= now - STEADY_WINDOW_MS) state.sent.shift();
		let wait = state.pausedUntil - now;
		const { sent } = state;
		if (sent.length >= steady)
			wait = Math.max(wait, sent[sent.length - steady]! + STEADY_WINDOW_MS - now);
		if (sent.length >= burst)
			wait = Math.max(wait, sent[sent.length - burst]! + BURST_WINDOW_MS - now);
		return wait;
	}

	private state(bucket: RateLimitBucket): BucketState {
		let state = this.buckets.get(bucket);
		if (!state) {
			state = { sent: [], pausedUntil: 0, pausedBecause: '' };
			this.buckets.set(bucket, state);
		}
		return state;
	}
}
