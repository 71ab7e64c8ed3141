import type { INodeProperties } from 'n8n-workflow';

const upsertOnly = { show: { operation: ['upsertProfile'] } };
const eventOnly = { show: { operation: ['createEvent'] } };
/** Inside a collection, a root parameter is named with a leading slash. */
const upsertOnlyOption = { show: { '/operation': ['upsertProfile'] } };
const eventOnlyOption = { show: { '/operation': ['createEvent'] } };
const identifiedBy = (identifyBy: string) => ({ show: { identifyBy: [identifyBy] } });

/** The operator-facing words for each parameter, used in error messages too. */
export const PARAMETER_LABELS = {
	email: 'Email',
	phone: 'Phone Number',
	externalId: 'External ID',
	profileId: 'Klaviyo Profile ID',
	score: 'Score',
	tier: 'Tier',
	extraProperties: 'Extra Properties',
	extraPropertiesJson: 'Extra Properties (JSON)',
	profileAttributes: 'Profile Attributes',
	metricName: 'Metric Name',
	eventTime: 'Event Time',
	eventValue: 'Value',
	uniqueId: 'Unique ID',
} as const;

export const klaviyoUpsertProfileProperties: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Upsert Profile',
				value: 'upsertProfile',
				action: 'Upsert a profile',
				description:
					'Create the profile or update it, writing the score and tier as custom properties',
			},
			{
				name: 'Create Event',
				value: 'createEvent',
				action: 'Create an event',
				description:
					'Record an event (e.g. Lead Score Changed) on the profile, to trigger flows or build segments',
			},
		],
		default: 'upsertProfile',
	},
	{
		displayName: 'Identify Profile By',
		name: 'identifyBy',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Email', value: 'email' },
			{ name: 'Phone Number', value: 'phone', description: 'In E.164 format, e.g. +15005550006' },
			{
				name: 'External ID',
				value: 'externalId',
				description: 'Your own ID for the person, e.g. from a CRM',
			},
			{
				name: 'Klaviyo Profile ID',
				value: 'profileId',
				description: 'The ID Klaviyo gave the profile, e.g. 01GDDKASAP8TKDDA2GRZDSVP4H',
			},
		],
		default: 'email',
	},
	{
		displayName: PARAMETER_LABELS.email,
		name: 'email',
		type: 'string',
		default: '={{ $json.leadScore.leadId }}',
		required: true,
		placeholder: 'ada@example.com',
		description:
			"The profile's email. The default is the Score Event's lead ID, which is usually the email.",
		displayOptions: identifiedBy('email'),
	},
	{
		displayName: PARAMETER_LABELS.phone,
		name: 'phone',
		type: 'string',
		default: '={{ $json.leadScore.leadId }}',
		required: true,
		placeholder: '+15005550006',
		description: 'The phone number in E.164 format (a plus sign, country code and number)',
		displayOptions: identifiedBy('phone'),
	},
	{
		displayName: PARAMETER_LABELS.externalId,
		name: 'externalId',
		type: 'string',
		default: '={{ $json.leadScore.leadId }}',
		required: true,
		placeholder: 'crm-12345',
		description: "Your own ID for the person, stored as the profile's external_id",
		displayOptions: identifiedBy('externalId'),
	},
	{
		displayName: PARAMETER_LABELS.profileId,
		name: 'profileId',
		type: 'string',
		default: '={{ $json.leadScore.leadId }}',
		required: true,
		placeholder: '01GDDKASAP8TKDDA2GRZDSVP4H',
		description: 'The ID Klaviyo gave the profile; the profile must exist',
		displayOptions: identifiedBy('profileId'),
	},
	{
		displayName: PARAMETER_LABELS.metricName,
		name: 'metricName',
		type: 'string',
		default: 'Lead Score Changed',
		required: true,
		description:
			'The name of the metric the event belongs to; Klaviyo creates the metric on first use',
		displayOptions: eventOnly,
	},
	{
		displayName: 'Score Property',
		name: 'scoreProperty',
		type: 'string',
		default: 'Lead_Score',
		description:
			'The custom property that receives the score, on the profile (Upsert Profile) or on the event (Create Event). Leave empty to write no score.',
	},
	{
		displayName: PARAMETER_LABELS.score,
		name: 'score',
		type: 'string',
		default: '={{ $json.leadScore.score }}',
		description: 'The score to write; Score Event puts it in leadScore.score',
		displayOptions: { hide: { scoreProperty: [''] } },
	},
	{
		displayName: 'Tier Property',
		name: 'tierProperty',
		type: 'string',
		default: 'Lead_Tier',
		description: 'The custom property that receives the tier. Leave empty to write no tier.',
	},
	{
		displayName: PARAMETER_LABELS.tier,
		name: 'tier',
		type: 'string',
		default: '={{ $json.leadScore.tier }}',
		description: 'The tier to write; Score Event puts it in leadScore.tier',
		displayOptions: { hide: { tierProperty: [''] } },
	},
	{
		displayName: 'Extra Properties Input',
		name: 'extraPropertiesInput',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Key/Value Pairs',
				value: 'keyValue',
				description: 'Name each property and map its value',
			},
			{
				name: 'JSON Object',
				value: 'json',
				description: 'One object whose keys become the properties',
			},
		],
		default: 'keyValue',
		description: 'How to give more custom properties to write besides the score and tier',
	},
	{
		displayName: PARAMETER_LABELS.extraProperties,
		name: 'extraProperties',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Property',
		default: {},
		description:
			'More custom properties, e.g. nested webhook data mapped to top-level properties you can segment on. Use an expression for numbers, true/false, lists or objects.',
		displayOptions: { show: { extraPropertiesInput: ['keyValue'] } },
		options: [
			{
				displayName: 'Property',
				name: 'property',
				values: [
					{
						displayName: 'Name',
						name: 'name',
						type: 'string',
						default: '',
						placeholder: 'Last_Scored_Event',
					},
					{
						displayName: 'Value',
						name: 'value',
						type: 'string',
						default: '',
						placeholder: '={{ $json.leadScore.event }}',
					},
				],
			},
		],
	},
	{
		displayName: PARAMETER_LABELS.extraPropertiesJson,
		name: 'extraPropertiesJson',
		type: 'json',
		default: '{}',
		description:
			'A JSON object of more custom properties, e.g. {"Last_Scored_Event": "Viewed Page"}',
		displayOptions: { show: { extraPropertiesInput: ['json'] } },
	},
	{
		displayName: PARAMETER_LABELS.profileAttributes,
		name: 'profileAttributes',
		type: 'collection',
		placeholder: 'Add Attribute',
		default: {},
		description:
			'Standard Klaviyo profile fields to set as well. An identifier here that belongs to another profile makes Klaviyo refuse the update (409 duplicate_profile).',
		displayOptions: upsertOnly,
		options: [
			{
				displayName: 'Email',
				name: 'email',
				type: 'string',
				default: '',
				placeholder: 'ada@example.com',
			},
			{ displayName: 'External ID', name: 'externalId', type: 'string', default: '' },
			{ displayName: 'First Name', name: 'firstName', type: 'string', default: '' },
			{ displayName: 'Last Name', name: 'lastName', type: 'string', default: '' },
			{ displayName: 'Locale', name: 'locale', type: 'string', default: '', placeholder: 'en-US' },
			{ displayName: 'Organization', name: 'organization', type: 'string', default: '' },
			{
				displayName: 'Phone Number',
				name: 'phone',
				type: 'string',
				default: '',
				placeholder: '+15005550006',
			},
			{
				displayName: 'Title',
				name: 'title',
				type: 'string',
				default: '',
				description: 'Job title',
			},
		],
	},
	{
		displayName: PARAMETER_LABELS.eventTime,
		name: 'eventTime',
		type: 'string',
		default: '={{ $json.leadScore?.scoredAt }}',
		description: 'When the event happened (ISO 8601). Empty means when Klaviyo receives it.',
		displayOptions: eventOnly,
	},
	{
		displayName: PARAMETER_LABELS.eventValue,
		name: 'eventValue',
		type: 'string',
		default: '',
		placeholder: '9.99',
		description: 'An optional monetary value for the event',
		displayOptions: eventOnly,
	},
	{
		displayName: PARAMETER_LABELS.uniqueId,
		name: 'uniqueId',
		type: 'string',
		default: '={{ $json.leadScore?.eventId }}',
		description:
			'Klaviyo records only the first event with this ID per profile and metric, so a re-run never records it twice. Empty: an ID is derived from the event itself when it has a time.',
		displayOptions: eventOnly,
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Bulk Create Above',
				name: 'eventBulkThreshold',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 100,
				description:
					'With more items than this, events go to Klaviyo in bulk requests (up to 1,000 events each, 10 a second) instead of one request each. An event Klaviyo refuses fails its own item; the others are sent again without it. 0 never uses bulk requests.',
				displayOptions: eventOnlyOption,
			},
			{
				displayName: 'Bulk Import Above',
				name: 'bulkThreshold',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 100,
				description:
					'With more items than this, profiles go to Klaviyo in bulk import jobs (up to 10,000 a job) instead of one request each: far fewer calls, but no profile IDs in the output. 0 never uses bulk import.',
				displayOptions: upsertOnlyOption,
			},
			{
				displayName: 'Bulk Import Timeout (Seconds)',
				name: 'bulkTimeout',
				type: 'number',
				typeOptions: { minValue: 10 },
				default: 600,
				description:
					'How long to wait for a bulk import job to finish before reporting its items as failed',
				displayOptions: upsertOnlyOption,
			},
			{
				displayName: 'Concurrency',
				name: 'concurrency',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 50 },
				default: 5,
				description:
					"Requests in flight at once. Klaviyo's rate limits (75/s and 750/min for profiles) are kept either way.",
			},
			{
				displayName: 'Max Total Wait (Seconds)',
				name: 'maxTotalWait',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 3600 },
				default: 300,
				description:
					'How long one item may wait in all for Klaviyo (throttling, server errors) before it fails',
			},
			{
				displayName: 'Max Wait (Seconds)',
				name: 'maxWait',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 3600 },
				default: 60,
				description:
					'The longest single wait Klaviyo may ask for (Retry-After, RateLimit-Reset); an item asked to wait longer fails with the wait Klaviyo asked for',
			},
			{
				displayName: 'Retries',
				name: 'maxRetries',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 10 },
				default: 3,
				description:
					'How often to retry a request after a server error (5xx) or a network error, waiting longer each time',
			},
		],
	},
];
