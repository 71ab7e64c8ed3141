import type { INodeProperties } from 'n8n-workflow';

import { CONDITION_OPERATORS } from '../../lib/scoring/model';
import { postgresStoreProperties } from '../shared/store';
import { EXAMPLE_MODEL } from './exampleModel';

const onlyFor = (...operation: string[]) => ({ show: { operation } });

const operatorOptions = CONDITION_OPERATORS.map((op) => ({ name: op, value: op })).sort((a, b) =>
	a.name.localeCompare(b.name),
);

const conditionFields: INodeProperties[] = [
	{
		displayName: 'Condition Field',
		name: 'conditionPath',
		type: 'string',
		default: '',
		placeholder: 'properties.url',
		description: 'Path in the incoming item the condition checks; leave empty for no condition',
	},
	{
		displayName: 'Condition Operator',
		name: 'conditionOp',
		type: 'options',
		options: operatorOptions,
		default: 'equals',
		description:
			'How the field is compared; text comparisons ignore case, "matches" takes a regular expression, "in" a comma-separated list',
	},
	{
		displayName: 'Condition Value',
		name: 'conditionValue',
		type: 'string',
		default: '',
		placeholder: '/pricing',
	},
];

export const scoreEventProperties: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: [
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
				name: 'Backtest Model',
				value: 'backtest',
				description:
					'Replay past events through the model (and a candidate) and measure how well tiers and a threshold predict conversion',
				action: 'Backtest a scoring model',
			},
			{
				name: 'Get Score',
				value: 'get',
				description: "Read a lead's current score and the history of its changes",
				action: 'Get a lead score',
			},
			{
				name: 'Re-Score Leads',
				value: 'rescore',
				description:
					'Re-score every lead from its kept events under the current model; outputs the leads whose score or tier changed',
				action: 'Re score every lead',
			},
			{
				name: 'Score Event',
				value: 'score',
				description: 'Add the points an event earns to its lead',
				action: 'Score an event',
			},
		],
		default: 'score',
	},
	{
		displayName: 'Lead ID',
		name: 'leadId',
		type: 'string',
		required: true,
		default: '={{ $json.email }}',
		description: 'Who the event belongs to, usually the email; emails are trimmed and lower-cased',
		displayOptions: onlyFor('score', 'get', 'adjust'),
	},
	{
		displayName: 'Event Name',
		name: 'eventName',
		type: 'string',
		required: true,
		default: '={{ $json.event }}',
		description: 'The behaviour, e.g. "Viewed Page"; rules match it exactly',
		displayOptions: onlyFor('score'),
	},
	{
		displayName: 'Event ID',
		name: 'eventId',
		type: 'string',
		default: '',
		description:
			'Unique ID of the event; an event whose ID was already counted is never counted again, so retries and duplicate webhooks are safe',
		displayOptions: onlyFor('score'),
	},
	{
		displayName: 'Event Time',
		name: 'eventTime',
		type: 'string',
		default: '',
		placeholder: '2026-11-23T07:00:00Z',
		description:
			'When the event happened (ISO date or epoch seconds); empty means now. Decay and caps run on event time, so late events count as of when they happened.',
		displayOptions: onlyFor('score'),
	},
	{
		displayName: 'Profile',
		name: 'profile',
		type: 'json',
		default: '',
		placeholder: '={{ $json.profile }}',
		description:
			'Profile attributes for the fit rules (paths like profile.title); empty keeps the fit points from the last profile seen',
		displayOptions: onlyFor('score'),
	},
	{
		displayName: 'Events From',
		name: 'backtestSource',
		type: 'options',
		options: [
			{
				name: 'Kept Events',
				value: 'store',
				description: 'The events this score kept, in a time range',
			},
			{
				name: 'Input Items',
				value: 'items',
				description: 'One event per item, e.g. rows of a CSV file',
			},
		],
		default: 'store',
		displayOptions: onlyFor('backtest'),
	},
	{
		displayName: 'From',
		name: 'from',
		type: 'string',
		default: '={{ $now.minus({ days: 90 }).toISO() }}',
		description: 'Start of the time range of events to replay (ISO date)',
		displayOptions: { show: { operation: ['backtest'], backtestSource: ['store'] } },
	},
	{
		displayName: 'To',
		name: 'to',
		type: 'string',
		default: '={{ $now.toISO() }}',
		description: 'End of the time range (ISO date)',
		displayOptions: { show: { operation: ['backtest'], backtestSource: ['store'] } },
	},
	...['leadId', 'eventName', 'eventTime', 'profile'].map(
		(name): INodeProperties => ({
			displayName: {
				leadId: 'Lead ID',
				eventName: 'Event Name',
				eventTime: 'Event Time',
				profile: 'Profile',
			}[name]!,
			name,
			type: name === 'profile' ? 'json' : 'string',
			default: {
				leadId: '={{ $json.email }}',
				eventName: '={{ $json.event }}',
				eventTime: '={{ $json.time }}',
				profile: '',
			}[name]!,
			required: name === 'leadId' || name === 'eventName' || name === 'eventTime',
			description: 'Read from each input item, as in Score Event',
			displayOptions: { show: { operation: ['backtest'], backtestSource: ['items'] } },
		}),
	),
	{
		displayName: 'Conversion Is',
		name: 'conversionKind',
		type: 'options',
		options: [
			{
				name: 'An Event',
				value: 'event',
				description: 'A lead converted when it has an event of this name',
			},
			{
				name: 'A Field',
				value: 'field',
				description: 'A lead converted when one of its events has this field set',
			},
		],
		default: 'event',
		displayOptions: onlyFor('backtest'),
	},
	{
		displayName: 'Conversion Event',
		name: 'conversionEvent',
		type: 'string',
		default: 'Placed Order',
		placeholder: 'Opportunity Won',
		displayOptions: { show: { operation: ['backtest'], conversionKind: ['event'] } },
	},
	{
		displayName: 'Conversion Field',
		name: 'conversionField',
		type: 'string',
		default: '',
		placeholder: 'properties.converted',
		displayOptions: { show: { operation: ['backtest'], conversionKind: ['field'] } },
	},
	{
		displayName: 'Candidate Model',
		name: 'compareModel',
		type: 'json',
		default: '',
		description:
			'Optional second model to compare with, tier by tier (it needs the same tier names)',
		displayOptions: onlyFor('backtest'),
	},
	{
		displayName: 'Threshold',
		name: 'backtestThreshold',
		type: 'number',
		default: 76,
		description:
			'The hand-off threshold to measure: how many leads it would hand to sales, and precision and recall of those hand-offs',
		displayOptions: onlyFor('backtest'),
	},
	{
		displayName: 'Suggest Threshold By',
		name: 'measure',
		type: 'options',
		options: [
			{ name: 'F1 (Precision and Recall)', value: 'f1' },
			{ name: 'Youden (Recall Minus False-Positive Rate)', value: 'youden' },
		],
		default: 'f1',
		displayOptions: onlyFor('backtest'),
	},
	{
		displayName: 'Adjustment',
		name: 'adjustMode',
		type: 'options',
		options: [
			{
				name: 'Add Points',
				value: 'add',
				description: 'Add (or, with a negative number, remove) points',
			},
			{ name: 'Set Score', value: 'set', description: 'Set the score to this value' },
		],
		default: 'add',
		displayOptions: onlyFor('adjust'),
	},
	{
		displayName: 'Points',
		name: 'points',
		type: 'number',
		default: 0,
		displayOptions: onlyFor('adjust'),
	},
	{
		displayName: 'Reason',
		name: 'reason',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'Met at trade show',
		description: "Why the score changes; kept in the lead's history",
		displayOptions: onlyFor('adjust'),
	},
	{
		displayName: 'Decay Up To',
		name: 'asOf',
		type: 'string',
		default: '',
		description: 'The time decay is applied up to (ISO date); empty means now',
		displayOptions: onlyFor('applyDecay'),
	},
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
	},
	{
		displayName: 'Model',
		name: 'model',
		type: 'json',
		default: JSON.stringify(EXAMPLE_MODEL, null, 2),
		description:
			'The scoring model: behaviour rules, fit rules, decay, bounds and tiers (see the README for every field)',
		displayOptions: { show: { modelSource: ['json'] } },
	},
	{
		displayName: 'Behaviour Rules',
		name: 'rules',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		default: {},
		placeholder: 'Add Rule',
		displayOptions: { show: { modelSource: ['editor'] } },
		options: [
			{
				displayName: 'Rule',
				name: 'rule',
				values: [
					{
						displayName: 'Cap (Times)',
						name: 'limitMax',
						type: 'number',
						default: 0,
						description: 'Score at most this many times per window;	0 means no cap',
					},
					{
						displayName: 'Cap Window (Days)',
						name: 'limitPerDays',
						type: 'number',
						default: 1,
					},
					{
						displayName: 'Event Name',
						name: 'event',
						type: 'string',
						default: '',
						placeholder: 'Viewed Page',
					},
					{
						displayName: 'Frequency',
						name: 'frequency',
						type: 'options',
						options: [
							{
								name: 'Every Time',
								value: 'every',
							},
							{
								name: 'First Time Only',
								value: 'once',
							},
						],
						default: 'every',
					},
					{
						displayName: 'Points',
						name: 'points',
						type: 'number',
						default: 1,
						description: 'Negative points lower the score',
					},
					{
						displayName: 'Rule ID',
						name: 'id',
						type: 'string',
						default: '',
						description: 'A name for the rule, shown in the reasons of every change',
					},
				],
			},
		],
	},
	{
		displayName: 'Fit Rules',
		name: 'fitRules',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		default: {},
		placeholder: 'Add Fit Rule',
		description:
			'Points for profile attributes; re-evaluated whenever a profile arrives, never accumulated',
		displayOptions: { show: { modelSource: ['editor'] } },
		options: [
			{
				displayName: 'Fit Rule',
				name: 'rule',
				values: [
					{ displayName: 'Rule ID', name: 'id', type: 'string', default: '' },
					{ displayName: 'Points', name: 'points', type: 'number', default: 5 },
					...conditionFields,
				],
			},
		],
	},
	{
		displayName: 'Decay',
		name: 'decayType',
		type: 'options',
		options: [
			{ name: 'Half-Life', value: 'halfLife', description: 'Behaviour points halve every N days' },
			{
				name: 'Linear After Grace Period',
				value: 'linear',
				description: 'Lose N points a day once a lead has been inactive for the grace period',
			},
			{ name: 'None', value: 'none' },
			{
				name: 'Points Expire',
				value: 'expire',
				description: 'Each point counts for N days, then drops off',
			},
		],
		default: 'halfLife',
		displayOptions: { show: { modelSource: ['editor'] } },
	},
	{
		displayName: 'Days',
		name: 'decayDays',
		type: 'number',
		default: 30,
		description: 'Half-life, or how long points count before they expire',
		displayOptions: { show: { modelSource: ['editor'], decayType: ['halfLife', 'expire'] } },
	},
	{
		displayName: 'Points Per Day',
		name: 'decayPointsPerDay',
		type: 'number',
		default: 1,
		displayOptions: { show: { modelSource: ['editor'], decayType: ['linear'] } },
	},
	{
		displayName: 'Grace Days',
		name: 'decayGraceDays',
		type: 'number',
		default: 14,
		displayOptions: { show: { modelSource: ['editor'], decayType: ['linear'] } },
	},
	{
		displayName: 'Minimum Score',
		name: 'boundsMin',
		type: 'number',
		default: 0,
		displayOptions: { show: { modelSource: ['editor'] } },
	},
	{
		displayName: 'Maximum Score',
		name: 'boundsMax',
		type: 'number',
		default: 100,
		displayOptions: { show: { modelSource: ['editor'] } },
	},
	{
		displayName: 'Tiers',
		name: 'tiers',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Tier',
		description: 'Score ranges in ascending order; each tier starts at its minimum',
		default: {
			tier: [
				{ name: 'nurture', min: 0 },
				{ name: 'warming', min: 26 },
				{ name: 'engaged', min: 51 },
				{ name: 'hot', min: 76 },
			],
		},
		displayOptions: { show: { modelSource: ['editor'] } },
		options: [
			{
				displayName: 'Tier',
				name: 'tier',
				values: [
					{ displayName: 'Name', name: 'name', type: 'string', default: '' },
					{ displayName: 'Minimum Score', name: 'min', type: 'number', default: 0 },
				],
			},
		],
	},
	{
		displayName: 'Score Name',
		name: 'scoreName',
		type: 'string',
		default: 'default',
		description:
			'Several independent scores (e.g. per product line) can share one store under different names',
	},
	{
		displayName: 'Store',
		name: 'store',
		type: 'options',
		options: [
			{
				name: 'Embedded (SQLite)',
				value: 'embedded',
				description: 'A file in the n8n user folder; no setup. For one n8n instance.',
			},
			{
				name: 'None (Score From Item)',
				value: 'none',
				description:
					'Stateless: the current score comes from the item, e.g. a Klaviyo profile property',
			},
			{
				name: 'PostgreSQL',
				value: 'postgres',
				description:
					"A PostgreSQL database through n8n's Postgres credential; for queue mode and many workers",
			},
		],
		default: 'embedded',
	},
	...postgresStoreProperties({ store: ['postgres'] }),
	{
		displayName: 'Current Score',
		name: 'currentScore',
		type: 'string',
		default: '={{ $json.person?.Lead_Score ?? 0 }}',
		description:
			'The lead\'s score before this event, e.g. the Lead_Score property of a Klaviyo profile. Without a store, "First Time Only", caps and event IDs cannot be remembered.',
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
				displayName: 'Event Retention (Days)',
				name: 'eventRetentionDays',
				type: 'number',
				typeOptions: { minValue: 1, numberPrecision: 0 },
				default: 90,
				description:
					"How long this score's events are kept, in whole days: a repeated event ID within this time is never counted twice, and kept events can be replayed to re-score or backtest a model. What older events gave stays in each lead's score.",
			},
			{
				displayName: 'History Entries',
				name: 'historyLimit',
				type: 'number',
				default: 10,
				description: 'How many of the latest score changes Get Score returns',
			},
			{
				displayName: 'History Retention (Days)',
				name: 'ledgerRetentionDays',
				type: 'number',
				typeOptions: { minValue: 1, numberPrecision: 0 },
				default: 365,
				description: "How long this score's history of changes and their reasons is kept, in whole days",
			},
			{
				displayName: 'Keep Event Data',
				name: 'keepEventData',
				type: 'boolean',
				default: true,
				description:
					"Whether to keep each event (for re-scoring and backtests) or only its ID. A webhook's headers are never kept.",
			},
			{
				displayName: 'Minimum Change',
				name: 'minimumChange',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 1,
				description:
					"Apply Decay and Re-Score output a lead (and add a history row) only when its score moved at least this many points since it was last output, or its tier changed. 0 outputs every change.",
				displayOptions: { show: { '/operation': ['applyDecay', 'rescore'] } },
			},
			{
				displayName: 'Shadow Model',
				name: 'shadowModel',
				type: 'json',
				default: '',
				description:
					'A candidate model scored beside the live one (Score Event only): its score goes to shadowScore and is kept apart, the live score is untouched',
			},
			{
				displayName: 'Whole Points',
				name: 'wholePoints',
				type: 'boolean',
				default: true,
				description:
					'Whether scores go out in whole points, rounded down, with tiers of the whole score (the exact score stays in exactScore and in the store). Rounding down means a lead crosses a threshold exactly when its whole score reaches it.',
			},
		],
	},
];
