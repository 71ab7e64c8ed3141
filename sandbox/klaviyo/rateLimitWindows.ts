import type { SpecRateLimit } from './openApiSpec';

export type WindowDecision =
	| { allowed: true; limit: number; remaining: number; resetSeconds: number }
	| { allowed: false; retryAfterSeconds: number };

const SECOND = 1000;
const MINUTE = 60 * SECOND;

/**
 * Klaviyo's per-account limits: a fixed 1-second burst window and a fixed 1-minute steady
 * window per operation. A request over either is refused with 429 and does not count.
 */
export class RateLimitWindows {
	private readonly counts = new Map<
		string,
		{ burstWindow: number; burst: number; steadyWindow: number; steady: number }
	>();

	take(bucket: string, limit: SpecRateLimit, now: number): WindowDecision {
		const burstWindow = Math.floor(now / SECOND);
		const steadyWindow = Math.floor(now / MINUTE);
		let count = this.counts.get(bucket);
		if (!count) {
			count = { burstWindow, burst: 0, steadyWindow, steady: 0 };
			this.counts.set(bucket, count);
		}
		if (count.burstWindow !== burstWindow) Object.assign(count, { burstWindow, burst: 0 });
		if (count.steadyWindow !== steadyWindow) Object.assign(count, { steadyWindow, steady: 0 });
		const steadyResetMs = (steadyWindow + 1) * MINUTE - now;
		if (count.steady >= limit.steady) {
			return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(steadyResetMs / SECOND)) };
		}
		if (count.burst >= limit.burst) {
			return { allowed: false, retryAfterSeconds: 1 };
		}
		count.burst += 1;
		count.steady += 1;
		return {
			allowed: true,
			limit: limit.steady,
			remaining: limit.steady - count.steady,
			resetSeconds: Math.max(0, Math.ceil(steadyResetMs / SECOND)),
		};
	}
}
