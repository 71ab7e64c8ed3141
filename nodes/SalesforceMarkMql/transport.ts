import { NodeApiError, type IExecuteFunctions, type IHttpRequestMethods, type JsonObject } from 'n8n-workflow';

import { SalesforceAuthError } from '../../lib/salesforce/errors';
import type { SalesforceResponse, SalesforceTransport } from '../../lib/salesforce/transport';

export const CREDENTIAL_TYPE = 'salesforceClientCredentialsOAuth2Api';

interface ResponseLike {
	status?: number;
	statusCode?: number;
	headers?: Record<string, unknown>;
	data?: unknown;
	body?: unknown;
}

function lowerCaseHeaders(headers: Record<string, unknown> | undefined): Record<string, string> {
	const result: Record<string, string> = {};
	for (const [name, value] of Object.entries(headers ?? {})) result[name.toLowerCase()] = String(value);
	return result;
}

/** The HTTP answer inside an error from n8n's request helper, if the server answered at all. */
function responseOf(error: unknown): SalesforceResponse | undefined {
	for (let current = error as { response?: ResponseLike; cause?: unknown } | undefined; current; ) {
		const response = current.response;
		const status = response?.status ?? response?.statusCode;
		if (response && typeof status === 'number') {
			return { status, headers: lowerCaseHeaders(response.headers), body: response.data ?? response.body };
		}
		current = current.cause as typeof current;
	}
	return undefined;
}

function authErrorOf(error: unknown): SalesforceAuthError | undefined {
	for (let current = error as { cause?: unknown } | undefined; current; current = current.cause as typeof current) {
		if (current instanceof SalesforceAuthError) return current;
	}
	return undefined;
}

/**
 * Salesforce calls through `httpRequestWithAuthentication`: the credential adds the instance URL
 * and the token, and n8n fetches a new token once when a call answers 401. HTTP errors are
 * handed back as responses for the client to read; only a refused token or a missing answer throws.
 */
export function n8nTransport(context: IExecuteFunctions): SalesforceTransport {
	return async (request) => {
		try {
			const response = (await context.helpers.httpRequestWithAuthentication.call(context, CREDENTIAL_TYPE, {
				method: request.method as IHttpRequestMethods,
				url: request.url,
				qs: request.qs,
				body: request.body as object | undefined,
				json: true,
				returnFullResponse: true,
			})) as { statusCode: number; headers: Record<string, unknown>; body: unknown };
			return { status: response.statusCode, headers: lowerCaseHeaders(response.headers), body: response.body };
		} catch (error) {
			const authError = authErrorOf(error);
			if (authError) throw authError;
			const response = responseOf(error);
			if (response) return response;
			// No answer at all: the client retries, then reports the message (no request details).
			throw new NodeApiError(context.getNode(), error as JsonObject);
		}
	};
}
