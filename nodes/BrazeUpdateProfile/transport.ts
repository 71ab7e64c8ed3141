import { createHash } from 'node:crypto';

import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { BrazeRateLimiter, type BrazeTransport } from '../../lib/braze';
import { n8nClock } from '../shared/klaviyoTransport';

export const CREDENTIAL_TYPE = 'brazeApi';

export { n8nClock };

/**
 * Braze calls through `httpRequestWithAuthentication`: the credential adds the bearer key.
 * Every status comes back as a response for the client to judge (retry, wait or fail); only a
 * missing answer (refused, reset, timed out) throws.
 */
export function n8nTransport(context: IExecuteFunctions, baseUrl: string): BrazeTransport {
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

const limiters = new Map<string, BrazeRateLimiter>();

/**
 * Braze counts /users/track requests per workspace, so executions side by side in this n8n
 * process share one limiter per workspace (keyed by a hash, never the key itself). Other
 * workers are not seen: their requests can still draw a 429, which the client waits out.
 */
export function limiterFor(baseUrl: string, apiKey: string): BrazeRateLimiter {
	const workspace = createHash('sha256').update(`${baseUrl}\n${apiKey}`).digest('hex');
	let limiter = limiters.get(workspace);
	if (!limiter) {
		limiter = new BrazeRateLimiter(n8nClock);
		limiters.set(workspace, limiter);
	}
	return limiter;
}
