/** The OAuth 2.0 client credentials flow against the org's My Domain. */
import type { HttpRequest, HttpTransport } from '../http/transport';

import { SalesforceAuthError } from './errors';

export interface ClientCredentials {
	myDomainUrl: string;
	clientId: string;
	clientSecret: string;
}

export interface AccessToken {
	accessToken: string;
	/** Where API calls go: the token response's `instance_url`. */
	instanceUrl: string;
}

/** `acme.my.salesforce.com/` → `https://acme.my.salesforce.com`: scheme added, path dropped. */
export function normalizeMyDomainUrl(value: string): string {
	const trimmed = value.trim();
	let url: URL;
	try {
		url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`);
	} catch {
		throw new SalesforceAuthError(
			`"${trimmed}" is not a URL`,
			0,
			'invalid_my_domain',
			'Enter your My Domain URL, e.g. https://acme.my.salesforce.com (Setup → My Domain).',
		);
	}
	if (/^(login|test)\.salesforce\.com$/i.test(url.hostname)) {
		throw new SalesforceAuthError(
			`${url.hostname} does not support the client credentials flow`,
			0,
			'invalid_my_domain',
			"Use your org's My Domain URL, e.g. https://acme.my.salesforce.com (Setup → My Domain), not login or test.salesforce.com.",
		);
	}
	return url.origin;
}

const TOKEN_ERROR_HINTS: Record<string, string> = {
	'no client credentials user enabled':
		'In the connected app (or external client app) policies, enable the Client Credentials Flow and set a Run As user.',
	'invalid client credentials':
		'Check the Client Secret (the consumer secret of the connected app).',
	'client identifier invalid': 'Check the Client ID (the consumer key of the connected app).',
	'grant type not supported':
		"Enable the Client Credentials Flow in the connected app's OAuth settings.",
	'request not supported on this domain':
		"Use your org's My Domain URL, not login or test.salesforce.com.",
};

/**
 * Fetches an access token. Salesforce's response has no `expires_in` (the token lives as long
 * as the org's session timeout), so callers keep it until an API call answers 401.
 */
export async function fetchAccessToken(
	transport: HttpTransport,
	credentials: ClientCredentials,
): Promise<AccessToken> {
	const myDomainUrl = normalizeMyDomainUrl(credentials.myDomainUrl);
	let response;
	try {
		response = await transport({
			method: 'POST',
			url: `${myDomainUrl}/services/oauth2/token`,
			bodyType: 'form',
			body: {
				grant_type: 'client_credentials',
				client_id: credentials.clientId.trim(),
				client_secret: credentials.clientSecret,
			},
		});
	} catch (error) {
		throw new SalesforceAuthError(
			`Could not reach ${myDomainUrl} to fetch an access token: ${(error as Error).message}`,
			0,
			'network_error',
			'Check the My Domain URL and that n8n can reach it.',
		);
	}
	const body = (
		typeof response.body === 'object' && response.body !== null ? response.body : {}
	) as Record<string, unknown>;
	if (response.status !== 200) {
		const error = typeof body.error === 'string' ? body.error : `HTTP_${response.status}`;
		const description = typeof body.error_description === 'string' ? body.error_description : '';
		throw new SalesforceAuthError(
			`Salesforce refused the client credentials: ${error}${description ? ` (${description})` : ''}`,
			response.status,
			error,
			TOKEN_ERROR_HINTS[description],
		);
	}
	if (typeof body.access_token !== 'string' || typeof body.instance_url !== 'string') {
		throw new SalesforceAuthError(
			'The token response from Salesforce has no access_token or instance_url',
			response.status,
			'invalid_token_response',
		);
	}
	return { accessToken: body.access_token, instanceUrl: body.instance_url.replace(/\/+$/, '') };
}

/**
 * A transport that authenticates as n8n does for this credential: a token is fetched when there
 * is none, and once more when a call answers 401, before that call is sent again. For callers
 * outside n8n (tests, benchmarks); inside n8n the credential's preAuthentication does this.
 */
export function withClientCredentials(
	transport: HttpTransport,
	credentials: ClientCredentials,
): HttpTransport {
	let token: AccessToken | undefined;
	let pending: Promise<AccessToken> | undefined;
	const currentToken = async (stale?: AccessToken): Promise<AccessToken> => {
		if (token && token !== stale) return token;
		pending ??= fetchAccessToken(transport, credentials).finally(() => (pending = undefined));
		token = await pending;
		return token;
	};
	const send = async (request: HttpRequest, auth: AccessToken) =>
		await transport({
			...request,
			url: `${auth.instanceUrl}${request.url}`,
			headers: { ...request.headers, Authorization: `Bearer ${auth.accessToken}` },
		});
	return async (request) => {
		const auth = await currentToken();
		const response = await send(request, auth);
		if (response.status !== 401) return response;
		return await send(request, await currentToken(auth));
	};
}
