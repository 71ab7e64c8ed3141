/**
 * How the client talks HTTP without knowing who does it: in n8n the transport is
 * `httpRequestWithAuthentication` with the `klaviyoApi` credential (which adds the API key
 * and the revision header); in tests it is axios against the loopback mock.
 */
export interface KlaviyoHttpRequest {
	method: 'GET' | 'POST';
	/** Path and query below the base URL, e.g. `/api/profile-import`. */
	path: string;
	headers: Record<string, string>;
	body?: unknown;
}

export interface KlaviyoHttpResponse {
	status: number;
	headers: Record<string, unknown>;
	/** Parsed JSON, or an empty string / undefined for an empty body. */
	body: unknown;
}

/**
 * Sends one request and resolves with whatever status came back. It rejects only when no
 * response arrived (connection refused or reset, timeout): the client retries those.
 */
export type KlaviyoTransport = (request: KlaviyoHttpRequest) => Promise<KlaviyoHttpResponse>;

/** Time, injectable so tests and benchmarks need not wait in real time. */
export interface Clock {
	now(): number;
	sleep(ms: number): Promise<void>;
}

export function headerValue(headers: Record<string, unknown>, name: string): string | undefined {
	const wanted = name.toLowerCase();
	for (const [key, value] of Object.entries(headers)) {
		if (key.toLowerCase() !== wanted) continue;
		if (Array.isArray(value)) return value.length > 0 ? String(value[0]) : undefined;
		return value === undefined || value === null ? undefined : String(value);
	}
	return undefined;
}
