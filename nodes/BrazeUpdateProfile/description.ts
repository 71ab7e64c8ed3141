import type { INodeProperties } from 'n8n-workflow';

const identifiedBy = (identifyBy: string) => ({ show: { identifyBy: [identifyBy] } });
const withEvent = { hide: { eventOn: ['never'] } };

/** The operator-facing words for each parameter, used in error messages too. */
export const PARAMETER_LABELS = {
	externalId: 'External ID',
	email: 'Email',
	aliasName: 'Alias Name',
	aliasLabel: 'Alias Label',
	attributes: 'Score Attribute',
	score: 'Score',
	previousScore: 'Previous Score',
	tier: 'Tier',
	previousTier: 'Previous Tier',
	threshold: 'Threshold',
	eventName: 'Event Name',
	eventTime: 'Event Time',
	eventProperties: 'Reasons',
} as const;

export const brazeUpdateProfileProperties: INodeProperties[] = [
	{
		displayName: 'Identify User By',
		name: 'identifyBy',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'External ID',
				value: 'externalId',
				description: "The user's external_id in Braze, e.g. your CRM or app user ID",
			},
			{
				name: 'Email',
				value: 'email',
				description:
					'Braze updates the most recently updated profile with this email, or creates an email-only profile',
			},
			{
				name: 'User Alias',
				value: 'userAlias',
				description:
					'An alias name and label, e.g. a lead ID from your CRM before the user has an external ID',
			},
		],
		default: 'externalId',
	},
	{
		displayName: PARAMETER_LABELS.externalId,
		name: 'externalId',
		type: 'string',
		default: '={{ $json.leadScore.leadId }}',
		required: true,
		placeholder: 'user-1001',
		description:
			"The user's external ID. The default is the Score Event's lead ID: score leads by their Braze external ID to use it.",
		displayOptions: identifiedBy('externalId'),
	},
	{
		displayName: PARAMETER_LABELS.email,
		name: 'email',
		type: 'string',
		default: '={{ $json.leadScore.leadId }}',
		required: true,
		placeholder: 'ada@example.com',
		description:
			"The user's email. The default is the Score Event's lead ID, which is often the email.",
		displayOptions: identifiedBy('email'),
	},
	{
		displayName: PARAMETER_LABELS.aliasName,
		name: 'aliasName',
		type: 'string',
		default: '={{ $json.leadScore.leadId }}',
		required: true,
		description: "The alias's name (its value), e.g. the lead's ID in your CRM",
		displayOptions: identifiedBy('userAlias'),
	},
	{
		displayName: PARAMETER_LABELS.aliasLabel,
		name: 'aliasLabel',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'crm_lead_id',
		description: "The alias's label (what kind of ID it is), the same for every user",
		displayOptions: identifiedBy('userAlias'),
	},
	{
		displayName: PARAMETER_LABELS.attributes,
		name: 'scoreAttribute',
		type: 'string',
		default: 'lead_score',
		description: 'The custom attribute that receives the score. Leave empty to write no score.',
	},
	{
		displayName: PARAMETER_LABELS.score,
		name: 'score',
		type: 'string',
		default: '={{ $json.leadScore.score }}',
		description: 'The score to write; Score Event puts it in leadScore.score',
	},
	{
		displayName: 'Tier Attribute',
		name: 'tierAttribute',
		type: 'string',
		default: 'lead_tier',
		description: 'The custom attribute that receives the tier. Leave empty to write no tier.',
	},
	{
		displayName: PARAMETER_LABELS.tier,
		name: 'tier',
		type: 'string',
		default: '={{ $json.leadScore.tier }}',
		description: 'The tier to write; Score Event puts it in leadScore.tier',
	},
	{
		displayName: 'Send Only Changes',
		name: 'sendOnlyChanges',
		type: 'boolean',
		default: true,
		description:
			'Whether to leave out an attribute whose value equals the previous one (Braze bills every attribute written). With no previous value, both are sent.',
	},
	{
		displayName: PARAMETER_LABELS.previousScore,
		name: 'previousScore',
		type: 'string',
		default: '={{ $json.leadScore.previousScore }}',
		description:
			'The score before this event; Score Event puts it in leadScore.previousScore. Used by Send Only Changes and the crossing event.',
	},
	{
		displayName: PARAMETER_LABELS.previousTier,
		name: 'previousTier',
		type: 'string',
		default: '={{ $json.leadScore.previousTier }}',
		description:
			'The tier before this event; Score Event puts it in leadScore.previousTier. Used by Send Only Changes and the tier change event.',
	},
	{
		displayName: 'Replayed Event',
		name: 'replayed',
		type: 'string',
		default: '={{ $json.leadScore.duplicate }}',
		description:
			"True when Score Event had already scored this event (a sender's retry, leadScore.duplicate). The earlier run may not have reached Braze, so the score and tier are then written in full, and no event is sent again.",
	},
	{
		displayName: 'Send Event',
		name: 'eventOn',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Never', value: 'never' },
			{
				name: 'On Tier Change',
				value: 'tierChange',
				description: 'When the tier differs from the previous tier',
			},
			{
				name: 'On Crossing',
				value: 'crossing',
				description: 'When the score rises from below the threshold to the threshold or above',
			},
			{ name: 'On Tier Change or Crossing', value: 'tierChangeOrCrossing' },
		],
		default: 'never',
		description:
			'Also record a custom event on the user, e.g. to enter them into a Canvas. Braze keeps every event it receives: a re-run records it again.',
	},
	{
		displayName: PARAMETER_LABELS.threshold,
		name: 'threshold',
		type: 'number',
		default: 76,
		description:
			'A crossing is previous score < threshold ≤ score: once per rise, not on every later event',
		displayOptions: { show: { eventOn: ['crossing', 'tierChangeOrCrossing'] } },
	},
	{
		displayName: PARAMETER_LABELS.eventName,
		name: 'eventName',
		type: 'string',
		default: 'Lead Score Changed',
		description:
			'The custom event. Its properties are score, previous_score, tier, previous_tier and reasons.',
		displayOptions: withEvent,
	},
	{
		displayName: PARAMETER_LABELS.eventTime,
		name: 'eventTime',
		type: 'string',
		default: '={{ $json.leadScore.scoredAt }}',
		description: 'When the score changed, in ISO 8601. Empty means now.',
		displayOptions: withEvent,
	},
	{
		displayName: PARAMETER_LABELS.eventProperties,
		name: 'reasons',
		type: 'json',
		default: '={{ $json.leadScore.reasons }}',
		description:
			"The event's reasons property: what moved the score (Score Event gives a list of rules and points)",
		displayOptions: withEvent,
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Batch Size',
				name: 'batchSize',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 75 },
				default: 75,
				description:
					"Users per request. Braze takes up to 75 attribute objects and 75 events per request; lower it if your plan's limit is lower.",
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
			{
				displayName: 'Update Existing Users Only',
				name: 'updateExistingOnly',
				type: 'boolean',
				default: false,
				description:
					"Whether Braze should skip users it doesn't know instead of creating them. Braze skips them without an error, so the output cannot tell.",
			},
		],
	},
];
