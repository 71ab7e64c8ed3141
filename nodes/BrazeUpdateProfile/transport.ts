import { systemClock } from '../../lib/http/clock';
import { BrazeRateLimiter } from '../../lib/braze';
import { sharedLimiter } from '../shared/httpTransport';

/** Braze's credential: it adds the bearer key. */
export const CREDENTIAL_TYPE = 'brazeApi';

const limiters = new Map<string, BrazeRateLimiter>();

/**
 * Braze counts /users/track requests per workspace, so executions side by side in this n8n
 * process share one limiter per workspace (keyed by a hash, never the key itself). Other
 * workers are not seen: their requests can still draw a 429, which the client waits out.
 */
export function limiterFor(baseUrl: string, apiKey: string): BrazeRateLimiter {
	return sharedLimiter(limiters, baseUrl, apiKey, () => new BrazeRateLimiter(systemClock));
}
