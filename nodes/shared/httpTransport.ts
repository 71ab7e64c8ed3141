/** n8n's HTTP helpers and timers as the lib clients' transport and clock (Klaviyo and Braze share the same shape). */
import { createHash } from 'node:crypto';

import { sleep, type IDataObject, type IExecuteFunctions, type ILoadOptionsFunctions, type IPollFunctions } from 'n8n-workflow';

import type { Clock } from '../../lib/klaviyo';

export type HttpContext = IExecuteFunctions | IPollFunctions | ILoadOptionsFunctions;

/** The request and response every lib transport uses (KlaviyoHttpRequest, BrazeHttpRequest are this shape). */
export interface HttpTransportRequest {
	method: 'GET' | 'POST';
	/** Path and query below the base URL. */
	path: string;
	headers: Record<string, string>;
	body?: unknown;
}

export interface HttpTransportResponse {
	status: number;
	headers: Record<string, unknown>;
	body: unknown;
}

// setTimeout fires at once for a delay past 2^31 - 1 ms; the clients cap their waits far below that anyway.
const MAX_TIMER_MS = 2 ** 31 - 1;

export const n8nClock: Clock = { now: () => Date.now(), sleep: async (ms) => await sleep(Math.min(ms, MAX_TIMER_MS)) };

/**
 * Calls through `httpRequestWithAuthentication`: the credential adds the key (and any fixed
 * headers). Every status comes back as a response for the client to judge (retry, wait or
 * fail); only a missing answer (refused, reset, timed out) throws.
 */
export function n8nHttpTransport(
	context: HttpContext,
	credentialType: string,
	baseUrl: string,
): (request: HttpTransportRequest) => Promise<HttpTransportResponse> {
	const base = baseUrl.trim().replace(/\/+$/, '');
	return async (request) => {
		const response = (await context.helpers.httpRequestWithAuthentication.call(context, credentialType, {
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

/**
 * The limiter of one account (base URL and key), made once per n8n process so executions side by
 * side share it; the map is keyed by a hash, never the key itself.
 */
export function sharedLimiter<T>(limiters: Map<string, T>, baseUrl: string, apiKey: string, create: () => T): T {
	const account = createHash('sha256').update(`${baseUrl}\n${apiKey}`).digest('hex');
	let limiter = limiters.get(account);
	if (!limiter) {
		limiter = create();
		limiters.set(account, limiter);
	}
	return limiter;
}
