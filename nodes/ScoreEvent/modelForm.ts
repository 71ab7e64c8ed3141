/** The model as the editor shows it: a JSON document, or the form (Rules Below) that modelBuilder.ts reads. */
import type { IDisplayOptions, INodeProperties } from 'n8n-workflow';

import { CONDITION_OPERATORS } from '../../lib/scoring/model';
import { EXAMPLE_MODEL } from './exampleModel';
import { formRulesOf } from './modelBuilder';

/* eslint-disable n8n-nodes-base/node-param-fixed-collection-type-unsorted-items -- a rule's fields are listed in the order an operator thinks, not alphabetically */

// The same operators as the model's JSON (`op`), named in words.
const OPERATOR_NAMES: Record<(typeof CONDITION_OPERATORS)[number], string> = {
	equals: 'Equals',
	notEquals: 'Does Not Equal',
	contains: 'Contains',
	startsWith: 'Starts With',
	matches: 'Matches Regular Expression',
	gt: 'Is Greater Than',
	gte: 'Is Greater Than or Equal To',
	lt: 'Is Less Than',
	lte: 'Is Less Than or Equal To',
	exists: 'Exists',
	in: 'Is One Of (Comma-Separated)',
};

const operatorOptions = CONDITION_OPERATORS.map((op) => ({ name: OPERATOR_NAMES[op], value: op }));

const OPERATOR_DESCRIPTION =
	'How the field is compared; text comparisons ignore case, "Matches" takes a regular expression, "Is One Of" a comma-separated list, "Exists" true or false (empty is true)';

/** A behaviour rule's conditions: several, all must hold. */
const behaviourConditions: INodeProperties = {
	displayName: 'Conditions',
	name: 'conditions',
	type: 'fixedCollection',
	typeOptions: { multipleValues: true },
	default: {},
	placeholder: 'Add Condition',
	description: 'The event scores only when all conditions hold; paths are read in the Event Data',
	options: [
		{
			displayName: 'Condition',
			name: 'condition',
			values: [
				{
					displayName: 'Field',
					name: 'path',
					type: 'string',
					default: '',
					placeholder: 'properties.url',
					description: 'Path of a field in the Event Data, nested fields joined with dots',
				},
				{
					displayName: 'Operator',
					name: 'op',
					type: 'options',
					options: operatorOptions,
					default: 'contains',
					description: OPERATOR_DESCRIPTION,
				},
				{
					displayName: 'Value',
					name: 'value',
					type: 'string',
					default: '',
					placeholder: '/pricing',
				},
			],
		},
	],
};

/** A fit rule's condition, on the profile. */
const fitConditionFields: INodeProperties[] = [
	{
		displayName: 'Condition Field',
		name: 'conditionPath',
		type: 'string',
		default: '',
		placeholder: 'profile.title',
		description:
			'Path of the profile attribute the rule checks, e.g. profile.title or profile.country',
	},
	{
		displayName: 'Condition Operator',
		name: 'conditionOp',
		type: 'options',
		options: operatorOptions,
		default: 'equals',
		description: OPERATOR_DESCRIPTION,
	},
	{
		displayName: 'Condition Value',
		name: 'conditionValue',
		type: 'string',
		default: '',
		placeholder: 'VP|Director|Head',
	},
];

/** The example model's rules as the form holds them: version 2's defaults. */
const EXAMPLE_FORM = formRulesOf(EXAMPLE_MODEL);
const fromVersion2: IDisplayOptions = {
	show: { modelSource: ['editor'], '@version': [{ _cnd: { gte: 2 } }] },
};

/** Behaviour Rules as version 1 has them: empty. */
const behaviourRules: INodeProperties = {
	displayName: 'Behaviour Rules',
	name: 'rules',
	type: 'fixedCollection',
	typeOptions: { multipleValues: true },
	default: {},
	placeholder: 'Add Rule',
	displayOptions: { show: { modelSource: ['editor'], '@version': [1] } },
	options: [
		{
			displayName: 'Rule',
			name: 'rule',
			values: [
				{
					displayName: 'Event Name',
					name: 'event',
					type: 'string',
					default: '',
					placeholder: 'Viewed Page',
					description: 'The event this rule scores, exactly as it arrives (case-sensitive)',
				},
				behaviourConditions,
				{
					displayName: 'Points',
					name: 'points',
					type: 'number',
					default: 1,
					description: 'Negative points lower the score',
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
					displayName: 'Cap (Times)',
					name: 'limitMax',
					type: 'number',
					default: 0,
					description: 'Score at most this many times per window; 0 means no cap',
				},
				{
					displayName: 'Cap Window (Days)',
					name: 'limitPerDays',
					type: 'number',
					default: 1,
				},
				{
					displayName: 'Rule ID',
					name: 'id',
					type: 'string',
					default: '',
					placeholder: 'pricing-page',
					description:
						'A name for the rule, shown in the reasons of every change; empty gives rule-1, rule-2…',
				},
			],
		},
	],
};

/** Fit Rules as version 1 has them: empty. */
const fitRules: INodeProperties = {
	displayName: 'Fit Rules',
	name: 'fitRules',
	type: 'fixedCollection',
	typeOptions: { multipleValues: true },
	default: {},
	placeholder: 'Add Fit Rule',
	description:
		'Points for profile attributes; re-evaluated whenever a profile arrives, never accumulated',
	displayOptions: { show: { modelSource: ['editor'], '@version': [1] } },
	options: [
		{
			displayName: 'Fit Rule',
			name: 'rule',
			values: [
				...fitConditionFields,
				{ displayName: 'Points', name: 'points', type: 'number', default: 5 },
				{
					displayName: 'Rule ID',
					name: 'id',
					type: 'string',
					default: '',
					placeholder: 'senior-title',
					description: 'A name for the rule, shown in the reasons; empty gives fit-1, fit-2…',
				},
			],
		},
	],
};

export const modelFormProperties: INodeProperties[] = [
	{
		displayName: 'Model',
		name: 'model',
		type: 'json',
		default: JSON.stringify(EXAMPLE_MODEL, null, 2),
		description:
			'The scoring model: behaviour rules, fit rules, decay, bounds and tiers (see the README for every field)',
		displayOptions: { show: { modelSource: ['json'] } },
	},
	// Version 1 starts the form empty; version 2 starts it with the example model's rules, as JSON starts.
	behaviourRules,
	{ ...behaviourRules, default: EXAMPLE_FORM.rules, displayOptions: fromVersion2 },
	fitRules,
	{ ...fitRules, default: EXAMPLE_FORM.fitRules, displayOptions: fromVersion2 },
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
];
