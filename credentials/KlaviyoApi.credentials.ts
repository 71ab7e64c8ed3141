import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	Icon,
	INodeProperties,
} from 'n8n-workflow';

/** Stable revisions with the same behaviour for the calls this package makes (newest first). */
const REVISIONS = [
	'2026-07-15',
	'2026-04-15',
	'2026-01-15',
	'2025-10-15',
	'2025-07-15',
	'2025-04-15',
	'2025-01-15',
	'2024-10-15',
];

export class KlaviyoApi implements ICredentialType {
	name = 'klaviyoApi';

	displayName = 'Klaviyo API';

	icon: Icon = {
		light: 'file:../nodes/KlaviyoUpsertProfile/klaviyo.svg',
		dark: 'file:../nodes/KlaviyoUpsertProfile/klaviyo.dark.svg',
	};

	documentationUrl = 'https://github.com/n8n-nodes-lead-scoring/n8n-nodes-lead-scoring#credential';

	properties: INodeProperties[] = [
		{
			displayName: 'Private API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			placeholder: 'pk_...',
			description:
				'A private key from Klaviyo (Settings → Account → API keys) with the scopes profiles:write and events:write; bulk import also needs lists:write, profiles:read and lists:read, the Klaviyo Trigger events:read, metrics:read and profiles:read, and the Test button accounts:read',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://a.klaviyo.com',
			description: "Klaviyo's API address. Change it only to go through a proxy.",
		},
		{
			displayName: 'API Revision',
			name: 'revision',
			type: 'options',
			options: REVISIONS.map((revision, index) => ({
				name:
					index === 0
						? `${revision} (Newest)`
						: revision === '2024-10-15'
							? `${revision} (Deprecated)`
							: revision,
				value: revision,
			})),
			default: REVISIONS[0],
			description: 'The Klaviyo API revision sent with every request (the revision header)',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Klaviyo-API-Key {{$credentials.apiKey}}',
				revision: '={{$credentials.revision}}',
			},
		},
	};

	// A read-only call that every private key with accounts:read may make.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl}}',
			url: '/api/accounts/',
			headers: { accept: 'application/vnd.api+json' },
		},
	};
}
