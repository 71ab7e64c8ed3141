import type { IExecuteFunctions } from 'n8n-workflow';

import { BrazeRateLimiter, type BrazeTransport } from '../../lib/braze';
import { n8nClock, n8nHttpTransport, sharedLimiter } from '../shared/httpTransport';

export const CREDENTIAL_TYPE = 'brazeApi';

export { n8nClock };

/** Braze through n8n: the credential adds the bearer key. */
export function n8nTransport(context: IExecuteFunctions, baseUrl: string): BrazeTransport {
	return n8nHttpTransport(context, CREDENTIAL_TYPE, baseUrl);
}

const limiters = new Map<string, BrazeRateLimiter>();

/**
 * Braze counts /users/track requests per workspace, so executions side by side in this n8n
 * process share one limiter per workspace (keyed by a hash, never the key itself). Other
 * workers are not seen: their requests can still draw a 429, which the client waits out.
 */
export function limiterFor(baseUrl: string, apiKey: string): BrazeRateLimiter {
	return sharedLimiter(limiters, baseUrl, apiKey, () => new BrazeRateLimiter(n8nClock));
}
