import { createHash } from 'node:crypto';

import { sleep, type IDataObject, type IExecuteFunctions } from 'n8n-workflow';

import { type Clock, type KlaviyoTransport, RateLimiter } from '../../lib/klaviyo';

export const CREDENTIAL_TYPE = 'klaviyoApi';

// setTimeout fires at once for a delay past 2^31 - 1 ms; the client caps its waits far below that anyway.
const MAX_TIMER_MS = 2 ** 31 - 1;

export const n8nClock: Clock = { now: () => Date.now(), sleep: async (ms) => await sleep(Math.min(ms, MAX_TIMER_MS)) };

/**
 * Klaviyo calls through `httpRequestWithAuthentication`: the credential adds the API key and
 * the revision header. Every status comes back as a response for the client to judge
 * (retry, wait or fail); only a missing answer (refused, reset, timed out) throws.
 */
export function n8nTransport(context: IExecuteFunctions, baseUrl: string): KlaviyoTransport {
	const base = baseUrl.trim().replace(/\/+$/, '');
	return async (request) => {
		const response = (await context.helpers.httpRequestWithAuthentication.call(context, CREDENTIAL_TYPE, {
			method: request.method,
			url: `${base}${request.path}`,
			headers: request.headers,
			body: request.body as IDataObject | undefined,
			json: true,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
		})) as { statusCode: number; headers: Record<string, unknown>; body: unknown };
		return { status: response.statusCode, headers: response.headers ?? {}, body: response.body };
	};
}

const limiters = new Map<string, RateLimiter>();

/**
 * Klaviyo counts requests per account, so executions running side by side in this n8n process
 * share one limiter per account (keyed by a hash, never the key itself). Other workers and
 * processes are not seen: their requests can still draw a 429, which the client waits out.
 */
export function limiterFor(baseUrl: string, apiKey: string): RateLimiter {
	const account = createHash('sha256').update(`${baseUrl}\n${apiKey}`).digest('hex');
	let limiter = limiters.get(account);
	if (!limiter) {
		limiter = new RateLimiter(n8nClock);
		limiters.set(account, limiter);
	}
	return limiter;
}
