import type { INodeProperties } from 'n8n-workflow';

/** Statuses past MQL in Salesforce's standard templates; the MQL status itself is always skipped. */
export const DEFAULT_SKIP_STATUSES =
	'Working - Contacted, Closed - Converted, Closed - Not Converted, Qualified, Unqualified';

const LEAD_OBJECTS = ['lead', 'leadThenContact'];
const CONTACT_OBJECTS = ['contact', 'leadThenContact'];

export const salesforceMarkMqlProperties: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Mark MQL',
				value: 'markMql',
				action: 'Mark a lead or contact as MQL',
				description: 'Set the status to MQL, never moving a record that sales already works back',
			},
			{
				name: 'Sync Score',
				value: 'syncScore',
				action: 'Write the score to a lead or contact',
				description:
					'Write the score and tier fields of every item, only where Salesforce has other values',
			},
		],
		default: 'markMql',
	},
	{
		displayName: 'Object',
		name: 'object',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Lead', value: 'lead', description: 'Leads only' },
			{
				name: 'Contact',
				value: 'contact',
				description: 'Contacts only (known people at existing accounts)',
			},
			{
				name: 'Lead, Then Contact',
				value: 'leadThenContact',
				description:
					'The lead; if there is none, or it is converted, the contact (a converted lead leads to its contact)',
			},
		],
		default: 'lead',
	},
	{
		displayName: 'Find By',
		name: 'findBy',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Email',
				value: 'email',
				description: 'The record whose Email field matches (ignoring case)',
			},
			{
				name: 'External ID',
				value: 'externalId',
				description: 'The record whose external ID field has this value',
			},
			{
				name: 'Salesforce ID',
				value: 'id',
				description: 'The 15- or 18-character Salesforce ID (00Q… for a lead, 003… for a contact)',
			},
		],
		default: 'email',
	},
	{
		displayName: 'Lead ID',
		name: 'leadId',
		type: 'string',
		default: '',
		required: true,
		placeholder: '00Q5g00000AbCdEEAV',
		description:
			'The Salesforce ID of the lead, 15 or 18 characters. With Object "Lead, Then Contact" a Contact ID (003…) also works.',
		displayOptions: { show: { findBy: ['id'], object: LEAD_OBJECTS } },
	},
	{
		displayName: 'Contact ID',
		name: 'contactId',
		type: 'string',
		default: '',
		required: true,
		placeholder: '0035g00000AbCdEAAV',
		description: 'The Salesforce ID of the contact, 15 or 18 characters (starts with 003)',
		displayOptions: { show: { findBy: ['id'], object: ['contact'] } },
	},
	{
		displayName: 'Email',
		name: 'email',
		type: 'string',
		default: '={{ $json.leadScore.leadId }}',
		required: true,
		placeholder: 'ada@example.com',
		description:
			"The record's email. The default is the Score Event's lead ID, which is usually the email. If several leads share it, the one not yet converted is used.",
		displayOptions: { show: { findBy: ['email'] } },
	},
	{
		displayName: 'External ID Field',
		name: 'externalIdField',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'External_Id__c',
		description:
			'API name of the field that holds your ID for the record (custom fields end in __c). With "Lead, Then Contact" both objects need it.',
		displayOptions: { show: { findBy: ['externalId'] } },
	},
	{
		displayName: 'External ID',
		name: 'externalIdValue',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'crm-12345',
		description: 'The value the external ID field must have',
		displayOptions: { show: { findBy: ['externalId'] } },
	},
	{
		displayName: 'Status Field',
		name: 'statusField',
		type: 'string',
		default: 'Status',
		description:
			'API name of the Lead field that holds the lead stage; Status is the standard Lead Status',
		displayOptions: { show: { operation: ['markMql'], object: LEAD_OBJECTS } },
	},
	{
		displayName: 'MQL Status',
		name: 'mqlStatus',
		type: 'string',
		default: 'MQL',
		description:
			'The value that hands the lead to sales. It must exist in the Lead Status picklist (Setup → Object Manager → Lead → Lead Status).',
		displayOptions: { show: { operation: ['markMql'], object: LEAD_OBJECTS } },
	},
	{
		displayName: 'Contact Status Field',
		name: 'contactStatusField',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'Lifecycle_Stage__c',
		description:
			'API name of the Contact field that holds the stage. Contacts have no standard status, so this names your own field; it is checked against the org once per run.',
		displayOptions: { show: { operation: ['markMql'], object: CONTACT_OBJECTS } },
	},
	{
		displayName: 'Contact MQL Status',
		name: 'contactMqlStatus',
		type: 'string',
		default: 'MQL',
		description: 'The value of the Contact Status Field that hands the contact to sales',
		displayOptions: { show: { operation: ['markMql'], object: CONTACT_OBJECTS } },
	},
	{
		displayName: 'Skip Statuses',
		name: 'skipStatuses',
		type: 'string',
		default: DEFAULT_SKIP_STATUSES,
		description:
			'Comma-separated statuses that are never changed, because sales already works the record. Records already at the MQL status and converted leads are always skipped.',
		displayOptions: { show: { operation: ['markMql'] } },
	},
	{
		displayName: 'Respect Status Order',
		name: 'respectStatusOrder',
		type: 'boolean',
		default: true,
		description:
			"Whether to leave records whose status comes at or after the MQL status in the org's order (Lead Status sort order; a contact field's picklist order). Turn off when the picklist order is not your funnel; Skip Statuses still apply.",
		displayOptions: { show: { operation: ['markMql'] } },
	},
	{
		displayName: 'Score',
		name: 'score',
		type: 'string',
		default: '={{ $json.leadScore.score }}',
		description: "The score to write; the default is the Score Event's score",
		displayOptions: { show: { operation: ['syncScore'] } },
	},
	{
		displayName: 'Score Field',
		name: 'scoreField',
		type: 'string',
		default: 'Lead_Score__c',
		description: 'API name of the number field that holds the score; empty to leave the score out',
		displayOptions: { show: { operation: ['syncScore'] } },
	},
	{
		displayName: 'Tier',
		name: 'tier',
		type: 'string',
		default: '={{ $json.leadScore.tier }}',
		description: "The tier to write; the default is the Score Event's tier",
		displayOptions: { show: { operation: ['syncScore'] } },
	},
	{
		displayName: 'Tier Field',
		name: 'tierField',
		type: 'string',
		default: 'Lead_Tier__c',
		description:
			'API name of the text or picklist field that holds the tier; empty to leave the tier out',
		displayOptions: { show: { operation: ['syncScore'] } },
	},
	{
		displayName: 'Create If Missing',
		name: 'createIfMissing',
		type: 'boolean',
		default: false,
		description:
			'Whether to create a lead when none is found (by email or external ID). With an external ID the lead is upserted on that field, so a retry never creates a second one.',
		displayOptions: { show: { operation: ['syncScore'], object: LEAD_OBJECTS } },
	},
	{
		displayName: 'Last Name',
		name: 'lastName',
		type: 'string',
		default: '',
		required: true,
		placeholder: '={{ $json.body.lastName }}',
		description: 'Last name of a new lead (required by Salesforce)',
		displayOptions: {
			show: { operation: ['syncScore'], object: LEAD_OBJECTS, createIfMissing: [true] },
		},
	},
	{
		displayName: 'Company',
		name: 'company',
		type: 'string',
		default: '',
		required: true,
		placeholder: '={{ $json.body.company }}',
		description: 'Company of a new lead (required by Salesforce)',
		displayOptions: {
			show: { operation: ['syncScore'], object: LEAD_OBJECTS, createIfMissing: [true] },
		},
	},
	{
		displayName: 'Extra Fields',
		name: 'extraFields',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Field',
		default: {},
		description:
			'More fields to write, e.g. Lead_Score__c or MQL_Date__c: with Mark MQL on records that become MQLs, with Sync Score on every record whose value differs',
		options: [
			{
				displayName: 'Field',
				name: 'field',
				values: [
					{
						displayName: 'Field Name',
						name: 'name',
						type: 'string',
						default: '',
						placeholder: 'Lead_Score__c',
						description: 'API name of the field',
					},
					{
						displayName: 'Value',
						name: 'value',
						type: 'string',
						default: '',
						placeholder: '={{ $json.leadScore.score }}',
						description: 'The value to set; an expression may give a number or true/false',
					},
				],
			},
		],
	},
];
