/** What both Klaviyo nodes (Upsert Profile and Trigger) share: the client on n8n's HTTP helpers, and its errors. */
import { createHash } from 'node:crypto';

import {
	NodeApiError,
	sleep,
	type IDataObject,
	type IExecuteFunctions,
	type ILoadOptionsFunctions,
	type INode,
	type IPollFunctions,
	type JsonObject,
} from 'n8n-workflow';

import { type Clock, type KlaviyoApiError, KlaviyoClient, type KlaviyoClientOptions, type KlaviyoTransport, RateLimiter } from '../../lib/klaviyo';

export const CREDENTIAL_TYPE = 'klaviyoApi';

export type KlaviyoContext = IExecuteFunctions | IPollFunctions | ILoadOptionsFunctions;

// setTimeout fires at once for a delay past 2^31 - 1 ms; the client caps its waits far below that anyway.
const MAX_TIMER_MS = 2 ** 31 - 1;

export const n8nClock: Clock = { now: () => Date.now(), sleep: async (ms) => await sleep(Math.min(ms, MAX_TIMER_MS)) };

/**
 * Klaviyo calls through `httpRequestWithAuthentication`: the credential adds the API key and
 * the revision header. Every status comes back as a response for the client to judge
 * (retry, wait or fail); only a missing answer (refused, reset, timed out) throws.
 */
export function n8nTransport(context: KlaviyoContext, baseUrl: string): KlaviyoTransport {
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

/** Klaviyo's code, title, detail and pointer, for the operator; the client never holds the API key. */
export function klaviyoNodeError(node: INode, error: KlaviyoApiError, itemIndex?: number): NodeApiError {
	const where = error.pointer ?? error.parameter;
	const description = [
		`Klaviyo error code: ${error.code}`,
		where ? `Where: ${where}` : '',
		typeof error.meta?.duplicate_profile_id === 'string' ? `Existing profile: ${error.meta.duplicate_profile_id}` : '',
		error.errorId ? `Error ID: ${error.errorId}` : '',
	]
		.filter(Boolean)
		.join('. ');
	return new NodeApiError(node, error.toJSON() as unknown as JsonObject, {
		message: `Klaviyo: ${error.message}`,
		description,
		httpCode: error.status === undefined ? undefined : String(error.status),
		...(itemIndex === undefined ? {} : { itemIndex }),
	});
}
