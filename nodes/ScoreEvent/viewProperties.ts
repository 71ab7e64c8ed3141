import type { INodeProperties } from 'n8n-workflow';

// Parameters of the views: List Leads, Get Score's As Of and Timeline, and Score Dashboard.

const listLeads = { show: { operation: ['listLeads'] } };
const timeline = { show: { operation: ['get'], getMode: ['timeline'] } };

function returnAllAndLimit(show: { show: Record<string, string[]> }): INodeProperties[] {
	return [
		{
			displayName: 'Return All',
			name: 'returnAll',
			type: 'boolean',
			default: false,
			description: 'Whether to return all results or only up to a given limit',
			displayOptions: show,
		},
		{
			displayName: 'Limit',
			name: 'limit',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 50,
			description: 'Max number of results to return',
			displayOptions: { show: { ...show.show, returnAll: [false] } },
		},
	];
}

export const viewProperties: INodeProperties[] = [
	{
		displayName: 'Read',
		name: 'getMode',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Current Score',
				value: 'current',
				description: 'The score now, with decay up to now, and the latest changes',
			},
			{
				name: 'Score As Of',
				value: 'asOf',
				description: 'The score, tier and reasons as they stood at a past time, from the history',
			},
			{
				name: 'Timeline',
				value: 'timeline',
				description: 'Every change of the lead in a time range, one item per change',
			},
		],
		default: 'current',
		displayOptions: { show: { operation: ['get'] } },
	},
	{
		displayName: 'As Of',
		name: 'historyAsOf',
		type: 'string',
		required: true,
		default: '',
		placeholder: '2026-11-03T15:00:00Z',
		description:
			'The past time (ISO date or epoch seconds): the answer is the latest change committed at or before it',
		displayOptions: { show: { operation: ['get'], getMode: ['asOf'] } },
	},
	{
		displayName: 'From',
		name: 'historyFrom',
		type: 'string',
		default: '={{ $now.minus({ days: 30 }).toISO() }}',
		description:
			'Start of the time range of changes (ISO date); empty means the oldest kept change',
		displayOptions: timeline,
	},
	{
		displayName: 'To',
		name: 'historyTo',
		type: 'string',
		default: '',
		description: 'End of the time range (ISO date); empty means now',
		displayOptions: timeline,
	},
	...returnAllAndLimit(timeline),
	...returnAllAndLimit(listLeads),
	{
		displayName: 'Sort By',
		name: 'leadSort',
		type: 'options',
		options: [
			{ name: 'Highest Score First', value: 'scoreDesc' },
			{ name: 'Latest Change First', value: 'changedDesc' },
			{ name: 'Lead ID', value: 'leadId' },
			{ name: 'Lowest Score First', value: 'scoreAsc' },
			{ name: 'Oldest Change First', value: 'changedAsc' },
		],
		default: 'scoreDesc',
		displayOptions: listLeads,
	},
	{
		displayName: 'Filters',
		name: 'leadFilters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: listLeads,
		options: [
			{
				displayName: 'Changed Since',
				name: 'changedSince',
				type: 'string',
				default: '',
				placeholder: '={{ $now.minus({ days: 7 }).toISO() }}',
				description: 'Only leads whose score changed at or after this time (ISO date)',
			},
			{
				displayName: 'Last Activity Since',
				name: 'activeSince',
				type: 'string',
				default: '',
				placeholder: '={{ $now.minus({ days: 30 }).toISO() }}',
				description: 'Only leads with a behaviour event at or after this time (ISO date)',
			},
			{
				displayName: 'Maximum Score',
				name: 'maxScore',
				type: 'number',
				default: 100,
			},
			{
				displayName: 'Minimum Score',
				name: 'minScore',
				type: 'number',
				default: 0,
			},
			{
				displayName: 'Model Version',
				name: 'modelVersion',
				type: 'string',
				default: '',
				description: 'Only leads last changed by this model version, as shown in the output',
			},
			{
				displayName: 'Tiers',
				name: 'tiers',
				type: 'string',
				default: '',
				placeholder: 'hot, engaged',
				description: 'Only leads in these tiers (comma-separated names)',
			},
		],
	},
	{
		displayName: 'Crossing Threshold',
		name: 'crossingThreshold',
		type: 'number',
		default: 76,
		description:
			'The dashboard counts a lead as crossing when its score rises from below this to this or above',
		displayOptions: { show: { operation: ['dashboard'] } },
	},
	{
		displayName: 'Title',
		name: 'dashboardTitle',
		type: 'string',
		default: 'Lead scores',
		displayOptions: { show: { operation: ['dashboard'] } },
	},
	{
		displayName: 'Put Output File in Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		hint: 'The name of the output binary field to put the HTML page in',
		displayOptions: { show: { operation: ['dashboard'] } },
	},
];
