import type { Clock } from '../http/clock';

/** Braze's /users/track limit per workspace since 2024-10-28: 3,000 requests in 3 seconds. */
export const USERS_TRACK_LIMIT = { requests: 3000, windowMs: 3000 };

/** Counting in a slightly longer sliding window from when requests leave keeps us under with some latency. */
const WINDOW_MARGIN_MS = 200;

/**
 * A client-side limiter for one workspace, shared by every request of one node execution (and,
 * in n8n, by executions side by side in one process). Braze's headers have the last word: when
 * `X-RateLimit-Remaining` reaches 0, or a 429 arrives, everything waits for `X-RateLimit-Reset`.
 */
export class BrazeRateLimiter {
	private readonly sent: number[] = [];
	private pausedUntil = 0;

	constructor(
		private readonly clock: Clock,
		private readonly limit = USERS_TRACK_LIMIT,
	) {}

	/** Waits until one more request stays within the limit, and books it. */
	async acquire(): Promise<void> {
		for (;;) {
			const now = this.clock.now();
			const windowMs = this.limit.windowMs + WINDOW_MARGIN_MS;
			while (this.sent.length > 0 && this.sent[0]! <= now - windowMs) this.sent.shift();
			let wait = this.pausedUntil - now;
			if (this.sent.length >= this.limit.requests)
				wait = Math.max(wait, this.sent[this.sent.length - this.limit.requests]! + windowMs - now);
			if (wait <= 0) {
				this.sent.push(now);
				return;
			}
			await this.clock.sleep(wait);
		}
	}

	/** Learns from any answer's headers: nothing remaining means wait for the reset. */
	observe(headers: Record<string, string>): void {
		const remaining = Number.parseInt(headers['x-ratelimit-remaining'] ?? '', 10);
		const reset = this.resetAt(headers);
		if (remaining === 0 && reset !== undefined) this.pauseUntil(reset);
	}

	/** When the current window ends, from `X-RateLimit-Reset` (UTC epoch seconds), if the answer says. */
	resetAt(headers: Record<string, string>): number | undefined {
		const reset = Number(headers['x-ratelimit-reset']);
		return Number.isFinite(reset) && reset > 0 ? reset * 1000 : undefined;
	}

	pauseUntil(time: number): void {
		this.pausedUntil = Math.max(this.pausedUntil, time);
	}
}
