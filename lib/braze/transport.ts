/**
 * How the Braze client talks HTTP without knowing who does it: in n8n the transport is
 * `httpRequestWithAuthentication` with the `brazeApi` credential (which adds the bearer key);
 * in tests and benchmarks it is axios against the loopback Braze.
 */
export { type Clock, headerValue } from '../klaviyo/transport';

export interface BrazeHttpRequest {
	method: 'GET' | 'POST';
	/** Path below the workspace's REST endpoint, e.g. `/users/track`. */
	path: string;
	headers: Record<string, string>;
	body?: unknown;
}

export interface BrazeHttpResponse {
	status: number;
	headers: Record<string, unknown>;
	/** Parsed JSON, or text / undefined for a body that is not JSON. */
	body: unknown;
}

/**
 * Sends one request and resolves with whatever status came back. It rejects only when no
 * response arrived (connection refused or reset, timeout): the client retries those.
 */
export type BrazeTransport = (request: BrazeHttpRequest) => Promise<BrazeHttpResponse>;
