import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	Icon,
	INodeProperties,
} from 'n8n-workflow';

export class BrazeApi implements ICredentialType {
	name = 'brazeApi';

	displayName = 'Braze API';

	icon: Icon = {
		light: 'file:../nodes/BrazeUpdateProfile/braze.svg',
		dark: 'file:../nodes/BrazeUpdateProfile/braze.dark.svg',
	};

	documentationUrl =
		'https://github.com/n8n-nodes-lead-scoring/n8n-nodes-lead-scoring#braze-update-profile';

	properties: INodeProperties[] = [
		{
			displayName: 'REST API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'A REST API key from Braze (Settings → APIs and Identifiers) with the users.track permission',
		},
		{
			displayName: 'REST Endpoint',
			name: 'baseUrl',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'https://rest.iad-01.braze.com',
			description:
				"Your workspace's REST endpoint: it depends on the Braze instance your dashboard runs on (dashboard-01.braze.com → rest.iad-01, dashboard-03.braze.com → rest.iad-03, dashboard-01.braze.eu → rest.fra-01, …). Braze lists it under Settings → APIs and Identifiers.",
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: { Authorization: '=Bearer {{$credentials.apiKey}}' },
		},
	};

	// Braze has no read-only call that a users.track key may make. This one needs only that
	// permission and changes nothing: it updates an alias that no user has, existing users only.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl}}',
			url: '/users/track',
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: {
				attributes: [
					{
						user_alias: {
							alias_name: 'n8n-credential-test',
							alias_label: 'n8n-nodes-lead-scoring',
						},
						_update_existing_only: true,
					},
				],
			},
		},
	};
}
