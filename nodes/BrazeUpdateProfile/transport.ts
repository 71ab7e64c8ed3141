import { systemClock } from '../../lib/http/clock';
import { BrazeRateLimiter } from '../../lib/braze';
import { accountLimiters } from '../shared/httpTransport';

/** Braze's credential: it adds the bearer key. */
export const CREDENTIAL_TYPE = 'brazeApi';

/**
 * Braze counts /users/track requests per workspace, so executions side by side in this n8n
 * process share one limiter per workspace. Other workers are not seen: their requests can
 * still draw a 429, which the client waits out.
 */
export const limiterFor = accountLimiters(() => new BrazeRateLimiter(systemClock));
