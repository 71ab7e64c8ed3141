/** What both Klaviyo nodes (Upsert Profile and Trigger) share: the client on n8n's HTTP helpers. */
import { systemClock } from '../../lib/http/clock';
import { KlaviyoClient, type KlaviyoClientOptions, RateLimiter } from '../../lib/klaviyo';

import { type HttpContext, accountLimiters, n8nCredentialTransport } from './httpTransport';

export const CREDENTIAL_TYPE = 'klaviyoApi';

/**
 * Klaviyo counts requests per account, so executions running side by side in this n8n process
 * share one limiter per account. Other workers and processes are not seen: their requests can
 * still draw a 429, which the client waits out.
 */
const limiterFor = accountLimiters(() => new RateLimiter(systemClock));

/** A client on the node's `klaviyoApi` credential (which adds the API key and the revision header), sharing the account's rate limiter. */
export async function klaviyoClientFor(
	context: HttpContext,
	options: Pick<KlaviyoClientOptions, 'retry' | 'bulk' | 'waits'> = {},
): Promise<KlaviyoClient> {
	const credentials = await context.getCredentials(CREDENTIAL_TYPE);
	const baseUrl = String(credentials.baseUrl || 'https://a.klaviyo.com');
	return new KlaviyoClient({
		transport: n8nCredentialTransport(context, CREDENTIAL_TYPE, { baseUrl }),
		clock: systemClock,
		limiter: limiterFor(baseUrl, String(credentials.apiKey ?? '')),
		...options,
	});
}
