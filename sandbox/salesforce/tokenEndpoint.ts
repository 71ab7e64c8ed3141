/**
 * POST /services/oauth2/token on the My Domain host: the client credentials flow with
 * Salesforce's OAuth error bodies, no `expires_in`, and `instance_url` on the other server.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The connected app and org the token endpoint answers for. */
export interface ConnectedApp {
	clientId: string;
	clientSecret: string;
	orgId: string;
	/** False: the app has no Run As user, so the flow is refused. */
	clientCredentialsUserEnabled: boolean;
	instanceUrl: string;
}

export interface TokenAnswer {
	status: number;
	body: Record<string, string>;
	/** The access token handed out, when the request succeeded. */
	accessToken?: string;
}

export function answerTokenRequest(
	app: ConnectedApp,
	headers: IncomingHttpHeaders,
	raw: string,
): TokenAnswer {
	const tokenError = (error: string, description: string): TokenAnswer => ({
		status: 400,
		body: { error, error_description: description },
	});
	if (!(headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
		return tokenError('unsupported_grant_type', 'grant type not supported');
	}
	const form = new URLSearchParams(raw);
	let clientId = form.get('client_id');
	let clientSecret = form.get('client_secret');
	const basic = /^Basic (.+)$/.exec(headers.authorization ?? '')?.[1];
	if (basic) {
		const [id, secret] = Buffer.from(basic, 'base64').toString('utf8').split(':');
		clientId = decodeURIComponent(id);
		clientSecret = decodeURIComponent(secret ?? '');
	}
	if (form.get('grant_type') !== 'client_credentials')
		return tokenError('unsupported_grant_type', 'grant type not supported');
	if (clientId !== app.clientId)
		return tokenError('invalid_client_id', 'client identifier invalid');
	if (clientSecret !== app.clientSecret)
		return tokenError('invalid_client', 'invalid client credentials');
	if (!app.clientCredentialsUserEnabled)
		return tokenError('invalid_grant', 'no client credentials user enabled');
	const accessToken = `${app.orgId}!AR8AQ${randomBytes(36).toString('base64url')}`;
	const id = `https://login.salesforce.com/id/${app.orgId}AAA/0055g00000XYZabAAG`;
	const issuedAt = String(Date.now());
	return {
		status: 200,
		accessToken,
		body: {
			access_token: accessToken,
			signature: createHmac('sha256', app.clientSecret)
				.update(id + issuedAt)
				.digest('base64'),
			scope: 'api',
			instance_url: app.instanceUrl,
			id,
			token_type: 'Bearer',
			issued_at: issuedAt,
		},
	};
}
