/** What both Klaviyo nodes (Upsert Profile and Trigger) share: the client on n8n's HTTP helpers. */
import type { IExecuteFunctions, ILoadOptionsFunctions, IPollFunctions } from 'n8n-workflow';

import { KlaviyoClient, type KlaviyoClientOptions, type KlaviyoTransport, RateLimiter } from '../../lib/klaviyo';

import { n8nClock, n8nHttpTransport, sharedLimiter } from './httpTransport';

export { n8nClock };

export const CREDENTIAL_TYPE = 'klaviyoApi';

export type KlaviyoContext = IExecuteFunctions | IPollFunctions | ILoadOptionsFunctions;

/** Klaviyo through n8n: the credential adds the API key and the revision header. */
export function n8nTransport(context: KlaviyoContext, baseUrl: string): KlaviyoTransport {
	return n8nHttpTransport(context, CREDENTIAL_TYPE, baseUrl);
}

const limiters = new Map<string, RateLimiter>();

/**
 * Klaviyo counts requests per account, so executions running side by side in this n8n process
 * share one limiter per account (keyed by a hash, never the key itself). Other workers and
 * processes are not seen: their requests can still draw a 429, which the client waits out.
 */
export function limiterFor(baseUrl: string, apiKey: string): RateLimiter {
	return sharedLimiter(limiters, baseUrl, apiKey, () => new RateLimiter(n8nClock));
}

/** A client on the node's `klaviyoApi` credential, sharing the account's rate limiter. */
export async function klaviyoClientFor(
	context: KlaviyoContext,
	options: Pick<KlaviyoClientOptions, 'retry' | 'bulk' | 'waits'> = {},
): Promise<KlaviyoClient> {
	const credentials = await context.getCredentials(CREDENTIAL_TYPE);
	const baseUrl = String(credentials.baseUrl || 'https://a.klaviyo.com');
	return new KlaviyoClient({
		transport: n8nTransport(context, baseUrl),
		clock: n8nClock,
		limiter: limiterFor(baseUrl, String(credentials.apiKey ?? '')),
		...options,
	});
}
