/**
 * How the client reaches Salesforce. In n8n the transport is `httpRequestWithAuthentication`
 * (the credential adds the instance URL and the bearer token, and fetches a new token once on a
 * 401); in tests it can be axios against the loopback mock. The client itself knows no secret.
 */

export interface SalesforceRequest {
	method: 'GET' | 'POST' | 'PATCH';
	/** A path on the instance, `/services/data/v64.0/...`, or an absolute URL for the token endpoint. */
	url: string;
	qs?: Record<string, string>;
	body?: unknown;
	/** `form` sends the body as application/x-www-form-urlencoded (the token endpoint). */
	bodyType?: 'json' | 'form';
	/** Set by authenticating transports only: the client never handles a token. */
	headers?: Record<string, string>;
}

export interface SalesforceResponse {
	status: number;
	/** Header names lower-cased. */
	headers: Record<string, string>;
	body: unknown;
}

/**
 * Resolves with the response for any HTTP status; rejects only when no response came
 * (connection refused or reset, timeout), which the client treats as retryable.
 */
export type SalesforceTransport = (request: SalesforceRequest) => Promise<SalesforceResponse>;

export function headerValue(response: SalesforceResponse, name: string): string | undefined {
	return response.headers[name.toLowerCase()];
}
