/** n8n's HTTP helpers as the lib clients' one transport, for every node and credential. */
import { createHash } from 'node:crypto';

import type {
	IExecuteFunctions,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IPollFunctions,
} from 'n8n-workflow';

import { ApiError } from '../../lib/http/apiError';
import { type HttpResponse, type HttpTransport, lowerCaseHeaders } from '../../lib/http/transport';

export type HttpContext = IExecuteFunctions | IPollFunctions | ILoadOptionsFunctions;

/** One of n8n's request helpers: `httpRequest`, or `httpRequestWithAuthentication` bound to a credential. */
type N8nRequest = (options: IHttpRequestOptions) => Promise<unknown>;

export interface N8nTransportOptions {
	/** Put before every URL; left out when the credential sets the base URL (Salesforce's instance URL) or URLs are absolute. */
	baseUrl?: string;
	/**
	 * The credential fetches its token in `preAuthentication`: n8n fetches a new one, and sends the
	 * call again, only when the call throws a 401. So HTTP errors are let through n8n as thrown
	 * errors here, and their answer is read back out of the error.
	 */
	refreshesToken?: boolean;
}

interface ResponseLike {
	status?: number;
	statusCode?: number;
	headers?: Record<string, unknown>;
	data?: unknown;
	body?: unknown;
}

function parsedBody(body: unknown, headers: Record<string, string>): unknown {
	if (body === '') return undefined;
	// A JSON answer to a form post can reach us as text.
	if (typeof body !== 'string' || !headers['content-type']?.includes('json')) return body;
	try {
		return JSON.parse(body) as unknown;
	} catch {
		return body;
	}
}

function toResponse(response: ResponseLike, status: number): HttpResponse {
	const headers = lowerCaseHeaders(response.headers);
	return { status, headers, body: parsedBody(response.data ?? response.body, headers) };
}

/** The error of lib (e.g. a refused token from a credential's preAuthentication) that n8n wrapped, if any. */
function libErrorIn(error: unknown): ApiError | undefined {
	for (
		let current = error as { cause?: unknown } | undefined;
		current;
		current = current.cause as typeof current
	) {
		if (current instanceof ApiError) return current;
	}
	return undefined;
}

/** The HTTP answer inside an error from n8n's request helper, if the server answered at all. */
function responseIn(error: unknown): HttpResponse | undefined {
	for (let current = error as { response?: ResponseLike; cause?: unknown } | undefined; current; ) {
		const response = current.response;
		const status = response?.status ?? response?.statusCode;
		if (response && typeof status === 'number') return toResponse(response, status);
		current = current.cause as typeof current;
	}
	return undefined;
}

/**
 * Every status comes back as a response for the client to judge (retry, wait or fail); only a
 * missing answer (refused, reset, timed out) throws, as n8n's own error.
 */
export function n8nTransport(send: N8nRequest, options: N8nTransportOptions = {}): HttpTransport {
	const base = options.baseUrl?.trim().replace(/\/+$/, '');
	return async (request) => {
		const form = request.bodyType === 'form';
		const headers = form
			? { ...request.headers, 'Content-Type': 'application/x-www-form-urlencoded' }
			: request.headers;
		const requestOptions: IHttpRequestOptions = {
			method: request.method,
			url: base === undefined ? request.url : `${base}${request.url}`,
			...(request.qs ? { qs: request.qs } : {}),
			...(headers ? { headers } : {}),
			body: form
				? new URLSearchParams(request.body as Record<string, string>).toString()
				: (request.body as IHttpRequestOptions['body']),
			json: true,
			returnFullResponse: true,
			...(options.refreshesToken ? {} : { ignoreHttpStatusErrors: true }),
		};
		try {
			const response = (await send(requestOptions)) as ResponseLike & { statusCode: number };
			return toResponse(response, response.statusCode);
		} catch (error) {
			const libError = libErrorIn(error);
			if (libError) throw libError;
			const response = responseIn(error);
			if (response) return response;
			// No answer: the lib client retries, then throws its own typed error, which the node maps.
			// eslint-disable-next-line @n8n/community-nodes/require-node-api-error
			throw error;
		}
	};
}

/** The transport of a node's calls with its credential: the credential adds the key or token. */
export function n8nCredentialTransport(
	context: HttpContext,
	credentialType: string,
	options: N8nTransportOptions = {},
): HttpTransport {
	return n8nTransport(
		async (requestOptions) =>
			await context.helpers.httpRequestWithAuthentication.call(
				context,
				credentialType,
				requestOptions,
			),
		options,
	);
}

/**
 * The limiter of each account (base URL and key), made once per n8n process so executions side by
 * side share it; the map is keyed by a hash, never the key itself.
 */
export function accountLimiters<T>(create: () => T): (baseUrl: string, apiKey: string) => T {
	const limiters = new Map<string, T>();
	return (baseUrl, apiKey) => {
		const account = createHash('sha256').update(`${baseUrl}\n${apiKey}`).digest('hex');
		let limiter = limiters.get(account);
		if (!limiter) {
			limiter = create();
			limiters.set(account, limiter);
		}
		return limiter;
	};
}
