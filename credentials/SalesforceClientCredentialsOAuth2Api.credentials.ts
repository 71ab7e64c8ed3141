import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestHelper,
	IHttpRequestOptions,
	Icon,
	INodeProperties,
} from 'n8n-workflow';

import { fetchAccessToken } from '../lib/salesforce/token';
import { n8nTransport } from '../nodes/shared/httpTransport';

/**
 * Salesforce's OAuth 2.0 client credentials flow. The token is fetched by `preAuthentication`
 * into the hidden, expirable `accessToken` (with `instanceUrl`, where API calls go), kept with
 * the credential, and fetched again when a call answers 401, before n8n sends the call once more.
 * n8n's generic OAuth2 credential is not used: it fetches the token inside the request itself,
 * after the URL is fixed, so a node could not send its first call to the token's `instance_url`.
 */
export class SalesforceClientCredentialsOAuth2Api implements ICredentialType {
	name = 'salesforceClientCredentialsOAuth2Api';

	displayName = 'Salesforce Client Credentials OAuth2 API';

	icon: Icon = {
		light: 'file:../nodes/SalesforceMarkMql/salesforceMarkMql.svg',
		dark: 'file:../nodes/SalesforceMarkMql/salesforceMarkMql.dark.svg',
	};

	documentationUrl =
		'https://github.com/n8n-nodes-lead-scoring/n8n-nodes-lead-scoring#salesforce-credentials';

	properties: INodeProperties[] = [
		{
			displayName: 'My Domain URL',
			name: 'myDomainUrl',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'https://acme.my.salesforce.com',
			description:
				"Your org's My Domain URL (Setup → My Domain). The client credentials flow does not work on login.salesforce.com or test.salesforce.com.",
		},
		{
			displayName: 'Client ID',
			name: 'clientId',
			type: 'string',
			default: '',
			required: true,
			description:
				'The consumer key of the connected app or external client app that has the Client Credentials Flow enabled',
		},
		{
			displayName: 'Client Secret',
			name: 'clientSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: "The app's consumer secret",
		},
		{
			displayName: 'API Version',
			name: 'apiVersion',
			type: 'string',
			default: 'v64.0',
			description: 'The REST API version to call, e.g. v64.0 (Summer ’25)',
		},
		{
			displayName: 'Access Token',
			name: 'accessToken',
			type: 'hidden',
			typeOptions: { expirable: true, password: true },
			default: '',
		},
		{
			displayName: 'Instance URL',
			name: 'instanceUrl',
			type: 'hidden',
			default: '',
		},
	];

	async preAuthentication(this: IHttpRequestHelper, credentials: ICredentialDataDecryptedObject) {
		const transport = n8nTransport(async (options) => await this.helpers.httpRequest(options));
		const token = await fetchAccessToken(transport, {
			myDomainUrl: credentials.myDomainUrl as string,
			clientId: credentials.clientId as string,
			clientSecret: credentials.clientSecret as string,
		});
		return { accessToken: token.accessToken, instanceUrl: token.instanceUrl };
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		return {
			...requestOptions,
			baseURL: credentials.instanceUrl as string,
			headers: {
				...requestOptions.headers,
				Authorization: `Bearer ${credentials.accessToken as string}`,
			},
		};
	}

	// Reading one Lead proves the token, the instance URL, the API version and the Run As user's access.
	test: ICredentialTestRequest = {
		request: {
			url: '=/services/data/{{ $credentials.apiVersion.startsWith("v") ? $credentials.apiVersion : "v" + $credentials.apiVersion }}/query',
			qs: { q: 'SELECT Id FROM Lead LIMIT 1' },
		},
	};
}
