/**
 * How the API clients talk HTTP without knowing who does it: in n8n the transport is
 * `httpRequestWithAuthentication` with the node's credential (which adds the key or token);
 * in tests and benchmarks it is axios against the loopback stand-ins.
 */

export interface HttpRequest {
	method: 'GET' | 'POST' | 'PATCH';
	/** A path (and query) below the transport's base URL, e.g. `/api/profile-import`, or an absolute URL. */
	url: string;
	qs?: Record<string, string>;
	headers?: Record<string, string>;
	body?: unknown;
	/** `form` sends the body as application/x-www-form-urlencoded (an OAuth token endpoint); default JSON. */
	bodyType?: 'json' | 'form';
}

export interface HttpResponse {
	status: number;
	/** Header names lower-cased, so `headers['retry-after']` finds the header however the server spelled it. */
	headers: Record<string, string>;
	/** Parsed JSON, text, or undefined for an empty body. */
	body: unknown;
}

/**
 * Sends one request and resolves with whatever status came back. It rejects only when no
 * response arrived (connection refused or reset, timeout): the clients retry those.
 */
export type HttpTransport = (request: HttpRequest) => Promise<HttpResponse>;

/** Headers as a transport receives them (any case, a list for a repeated header) → lower-cased names, one value each. */
export function lowerCaseHeaders(
	headers: Record<string, unknown> | undefined,
): Record<string, string> {
	const result: Record<string, string> = {};
	for (const [name, value] of Object.entries(headers ?? {})) {
		const first: unknown = Array.isArray(value) ? value[0] : value;
		if (first !== undefined && first !== null) result[name.toLowerCase()] = String(first);
	}
	return result;
}
