/** What the clients share about trying a request again: which answers, after how long, and how to report giving up. */

export interface RetryPolicy {
	/** Retries after a 5xx or a network error (default 3). */
	maxRetries: number;
	/** Retries after a 429, each after the wait the server asks for (default 10). */
	maxThrottleRetries: number;
	/** First backoff delay; it doubles per retry up to `maxDelayMs`, with jitter (default 500 ms). */
	baseDelayMs: number;
	maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
	maxRetries: 3,
	maxThrottleRetries: 10,
	baseDelayMs: 500,
	maxDelayMs: 30_000,
};

/** Status codes worth another try: the server or something in between failed, not the request. */
export function isTransientStatus(status: number): boolean {
	return status >= 500 || status === 408;
}

/** Exponential backoff with jitter: somewhere in [d/2, d) for d = base × 2^attempt, `random` in [0, 1). */
export function backoffMs(policy: RetryPolicy, attempt: number, random: () => number): number {
	const delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
	return delay / 2 + (random() * delay) / 2;
}

/** Retry-After is whole seconds, or an HTTP date; `headers` have lower-cased names. */
export function retryAfterMs(headers: Record<string, string>, now: number): number | undefined {
	const value = headers['retry-after'];
	if (value === undefined) return undefined;
	const seconds = Number(value);
	if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
	const date = Date.parse(value);
	return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/** A network error's message and code, with `redact` applied: such errors can quote request details. */
export function describeNetworkError(error: unknown, redact: (text: string) => string): string {
	const { message, code } = (error ?? {}) as { message?: unknown; code?: unknown };
	const text = redact(typeof message === 'string' && message.length > 0 ? message : String(error));
	return typeof code === 'string' && !text.includes(code) ? `${text} (${code})` : text;
}
