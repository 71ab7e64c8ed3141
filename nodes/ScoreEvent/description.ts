import type { INodeProperties } from 'n8n-workflow';

import { storeProperties } from '../shared/storeAccess';
import { modelFormProperties } from './modelForm';

// What every operation shares; each operation's own parameters are in actions/<operation>.operation.ts.

export const onlyFor = (...operation: string[]) => ({ show: { operation } });

export const operationProperty: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	// Ordered by use: scoring first, then reading and correcting, then the scheduled and occasional jobs.
	// eslint-disable-next-line n8n-nodes-base/node-param-options-type-unsorted-items
	options: [
		{
			name: 'Score Event',
			value: 'score',
			description: 'Add the points an event earns to its lead',
			action: 'Score an event',
		},
		{
			name: 'Get Score',
			value: 'get',
			description: "Read a lead's current score and the history of its changes",
			action: 'Get a lead score',
		},
		{
			name: 'List Leads',
			value: 'listLeads',
			description:
				'List the leads of this score, filtered and sorted, e.g. every hot lead for a CSV export',
			action: 'List leads by score',
		},
		{
			name: 'Score Dashboard',
			value: 'dashboard',
			description:
				'Build an HTML page of tiers, score distribution, daily crossings, top leads and model versions',
			action: 'Build a score dashboard page',
		},
		{
			name: 'Adjust Score',
			value: 'adjust',
			description: 'Add or set points by hand, with a reason kept in the history',
			action: 'Adjust a lead score',
		},
		{
			name: 'Apply Decay',
			value: 'applyDecay',
			description:
				'Cool down every lead of this score and output those whose score or tier changed',
			action: 'Apply decay to every lead',
		},
		{
			name: 'Re-Score Leads',
			value: 'rescore',
			description:
				'Re-score every lead from its kept events under the current model; outputs the leads whose score or tier changed',
			// The sentence-case rule drops the hyphen ("Re score"); Re-Score is the operation's name.
			// eslint-disable-next-line n8n-nodes-base/node-param-operation-option-action-miscased
			action: 'Re-score every lead',
		},
		{
			name: 'Backtest Model',
			value: 'backtest',
			description:
				'Replay past events through the model (and a candidate) and measure how well tiers and a threshold predict conversion',
			action: 'Backtest a scoring model',
		},
	],
	default: 'score',
};

/** The event Score Event, Get Score and Adjust Score read. */
export const eventProperties: INodeProperties[] = [
	{
		displayName: 'Event Data',
		name: 'eventData',
		type: 'string',
		default: '',
		placeholder: '={{ $json.body }}',
		description:
			'The event the rules read (condition fields are paths in it) and that is kept for replays. Empty: the webhook body when the item has one (after a Webhook node), else the item itself (after a Set node or a trigger).',
		displayOptions: onlyFor('score', 'get', 'adjust'),
	},
	{
		displayName: 'Lead ID',
		name: 'leadId',
		type: 'string',
		default: '',
		placeholder: 'Empty: email of the Event Data',
		description:
			'Who the event belongs to, usually the email; emails are trimmed and lower-cased. Empty reads "email" from the Event Data.',
		displayOptions: onlyFor('score', 'get', 'adjust'),
	},
];

/** What Apply Decay and Re-Score send out. */
export const sweepProperties: INodeProperties[] = [
	{
		displayName: 'Output',
		name: 'sweepOutput',
		type: 'options',
		options: [
			{
				name: 'Changed Leads',
				value: 'changed',
				description: 'One item per lead whose score or tier changed; no item when none did',
			},
			{
				name: 'Summary',
				value: 'summary',
				description:
					'One item: how many leads were swept and changed (sweep), with the changed leads in "changed"; always there, e.g. to answer a webhook',
			},
		],
		default: 'changed',
		displayOptions: onlyFor('applyDecay', 'rescore'),
	},
];

/** Return All and Limit of a listing (List Leads, Get Score's Timeline). */
export function returnAllAndLimit(show: { show: Record<string, string[]> }): INodeProperties[] {
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

/** The model, the score and its store, and the options: after each operation's own parameters. */
export const sharedProperties: INodeProperties[] = [
	{
		displayName: 'Model Source',
		name: 'modelSource',
		type: 'options',
		options: [
			{
				name: 'Rules Below',
				value: 'editor',
				description: 'Build the model from a list of rules in this node',
			},
			{ name: 'JSON', value: 'json', description: 'Paste or map a scoring model document' },
		],
		default: 'json',
		description:
			'The scoring model; Score Event keeps it with the score, so the other operations can use the same one',
		displayOptions: onlyFor('score', 'adjust'),
	},
	{
		displayName: 'Model Source',
		name: 'modelSource',
		type: 'options',
		options: [
			{
				name: 'The Model This Score Was Last Scored With',
				value: 'stored',
				description:
					'The model Score Event kept with the score: this workflow cannot drift from the scoring one',
			},
			{ name: 'JSON', value: 'json', description: 'Paste or map a scoring model document' },
			{
				name: 'Rules Below',
				value: 'editor',
				description: 'Build the model from a list of rules in this node',
			},
		],
		default: 'stored',
		displayOptions: onlyFor('applyDecay', 'rescore', 'get', 'backtest', 'listLeads', 'dashboard'),
	},
	...modelFormProperties,
	{
		displayName: 'Score Name',
		name: 'scoreName',
		type: 'string',
		default: 'default',
		description:
			'The score this node works on. Scores are shared by every workflow of this n8n instance that uses the same store and name: give each model its own name (e.g. per product line).',
	},
	...storeProperties({
		embedded: 'A file in the n8n user folder; no setup. For one n8n instance.',
		none: {
			name: 'None (Score From Item)',
			description:
				'Stateless: the current score comes from the item, e.g. a Klaviyo profile property',
		},
		postgres:
			"A PostgreSQL database through n8n's Postgres credential; for queue mode and many workers",
	}),
	{
		displayName: 'Current Score',
		name: 'currentScore',
		type: 'string',
		default: '',
		placeholder: 'Empty: person.Lead_Score of the Event Data, else 0',
		description:
			'The lead\'s score before this event, e.g. the Lead_Score property of a Klaviyo profile. Empty reads person.Lead_Score from the Event Data (0 when missing). Without a store, "First Time Only", caps and event IDs cannot be remembered, and decay does nothing.',
		displayOptions: { show: { store: ['none'] } },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Editor Test Runs',
				name: 'testRuns',
				type: 'options',
				options: [
					{
						name: 'Use a Test Score',
						value: 'test',
						description:
							'Execute Workflow and Execute Step in the editor work on the score name followed by ~test (default~test); live scores stay untouched',
					},
					{
						name: 'Use the Live Score',
						value: 'live',
						description: 'Test runs change the live scores, as published workflows do',
					},
				],
				default: 'test',
				description:
					'What a test run in the editor works on; published workflows (production webhooks, schedules) always use the live score',
			},
			{
				displayName: 'Event Retention (Days)',
				name: 'eventRetentionDays',
				type: 'number',
				typeOptions: { minValue: 1, numberPrecision: 0 },
				default: 90,
				description:
					"How long this score's events are kept, in whole days: a repeated event ID within this time is never counted twice, and kept events can be replayed to re-score or backtest a model. What older events gave stays in each lead's score.",
			},
			{
				displayName: 'Event Time Allowed Ahead (Hours)',
				name: 'eventTimeHoursAhead',
				type: 'number',
				default: 1,
				description:
					'How far after now an event time may be; a later time fails its item, and nothing is written (a wrong clock, or an epoch time in microseconds). Times before 2000-01-01 always fail.',
			},
			{
				displayName: 'History Entries',
				name: 'historyLimit',
				type: 'number',
				default: 10,
				description: 'How many of the latest score changes Get Score returns',
				displayOptions: { show: { '/operation': ['get'], '/getMode': ['current'] } },
			},
			{
				displayName: 'History Retention (Days)',
				name: 'ledgerRetentionDays',
				type: 'number',
				typeOptions: { minValue: 1, numberPrecision: 0 },
				default: 365,
				description:
					"How long this score's history of changes and their reasons is kept, in whole days",
			},
			{
				displayName: 'Keep Event Data',
				name: 'keepEventData',
				type: 'boolean',
				default: true,
				description:
					"Whether to keep each event (for re-scoring and backtests) or only its ID. A webhook's headers are never kept.",
				displayOptions: { show: { '/operation': ['score'] } },
			},
			{
				displayName: 'Minimum Change',
				name: 'minimumChange',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 1,
				description:
					'Apply Decay and Re-Score output a lead (and add a history row) only when its score moved at least this many points since it was last output, or its tier changed. 0 outputs every change.',
				displayOptions: { show: { '/operation': ['applyDecay', 'rescore'] } },
			},
			{
				displayName: 'Shadow Model',
				name: 'shadowModel',
				type: 'json',
				default: '',
				description:
					'A candidate model scored beside the live one (Score Event only): its score goes to shadowScore and is kept apart, the live score is untouched',
				displayOptions: { show: { '/operation': ['score'] } },
			},
			{
				displayName: 'Whole Points',
				name: 'wholePoints',
				type: 'boolean',
				default: true,
				description:
					'Whether scores go out in whole points, rounded down, with tiers of the whole score (the exact score stays in exactScore and in the store). Rounding down means a lead crosses a threshold exactly when its whole score reaches it.',
				displayOptions: { hide: { '/operation': ['backtest'] } },
			},
		],
	},
];
