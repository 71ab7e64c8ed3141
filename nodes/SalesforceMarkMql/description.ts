import type { INodeProperties } from 'n8n-workflow';

const onlyWhenFoundBy = (findBy: string) => ({ show: { findBy: [findBy] } });

/** Statuses past MQL in Salesforce's standard templates; the MQL status itself is always skipped. */
export const DEFAULT_SKIP_STATUSES = 'Working - Contacted, Closed - Converted, Closed - Not Converted, Qualified, Unqualified';

export const salesforceMarkMqlProperties: INodeProperties[] = [
	{
		displayName: 'Find Lead By',
		name: 'findBy',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Email', value: 'email', description: 'The lead whose Email field matches (ignoring case)' },
			{ name: 'External ID', value: 'externalId', description: 'The lead whose external ID field has this value' },
			{ name: 'Lead ID', value: 'id', description: 'The 15- or 18-character Salesforce ID (starts with 00Q)' },
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
		description: 'The Salesforce ID of the lead, 15 or 18 characters',
		displayOptions: onlyWhenFoundBy('id'),
	},
	{
		displayName: 'Email',
		name: 'email',
		type: 'string',
		default: '={{ $json.leadScore.leadId }}',
		required: true,
		placeholder: 'ada@example.com',
		description:
			"The lead's email. The default is the Score Event's lead ID, which is usually the email. If several leads share it, the one not yet converted is used.",
		displayOptions: onlyWhenFoundBy('email'),
	},
	{
		displayName: 'External ID Field',
		name: 'externalIdField',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'External_Id__c',
		description: 'API name of the Lead field that holds your ID for the lead (custom fields end in __c)',
		displayOptions: onlyWhenFoundBy('externalId'),
	},
	{
		displayName: 'External ID',
		name: 'externalIdValue',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'crm-12345',
		description: 'The value the external ID field must have',
		displayOptions: onlyWhenFoundBy('externalId'),
	},
	{
		displayName: 'Status Field',
		name: 'statusField',
		type: 'string',
		default: 'Status',
		description: 'API name of the Lead field that holds the lead stage; Status is the standard Lead Status',
	},
	{
		displayName: 'MQL Status',
		name: 'mqlStatus',
		type: 'string',
		default: 'MQL',
		description:
			'The value that hands the lead to sales. It must exist in the Lead Status picklist (Setup → Object Manager → Lead → Lead Status).',
	},
	{
		displayName: 'Skip Statuses',
		name: 'skipStatuses',
		type: 'string',
		default: DEFAULT_SKIP_STATUSES,
		description:
			'Comma-separated statuses that are never changed, because sales already works the lead. Leads already at the MQL status and converted leads are always skipped.',
	},
	{
		displayName: 'Extra Fields',
		name: 'extraFields',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Field',
		default: {},
		description: 'More Lead fields to set on leads that become MQLs, e.g. Lead_Score__c or MQL_Date__c',
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
						description: 'API name of the Lead field',
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
