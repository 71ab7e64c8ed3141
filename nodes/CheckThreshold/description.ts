import type { INodeProperties } from 'n8n-workflow';

import { DEFAULT_TIERS } from '../../lib/scoring/model';
import { storeProperties } from '../shared/storeAccess';

const crossing = { mode: ['crossing'] };
const withHysteresis = { mode: ['crossing'], hysteresis: [{ _cnd: { gt: 0 } }] };

export const checkThresholdProperties: INodeProperties[] = [
	{
		displayName: 'Mode',
		name: 'mode',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Crossing',
				value: 'crossing',
				description:
					'Send leads whose score just rose to the threshold to "Crossed", once per rise (e.g. the MQL hand-off)',
			},
			{
				name: 'Tiers',
				value: 'tiers',
				description:
					'One output per tier, lowest first; each lead goes to the tier its score is in',
			},
		],
		default: 'tiers',
	},
	{
		displayName: 'Tier Source',
		name: 'tierSource',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Score',
				value: 'score',
				description: 'Find the tier of the score with the tiers below',
			},
			{
				name: 'Tier in Item',
				value: 'item',
				description:
					"Use the tier the item already has, e.g. Score Event's leadScore.tier; the tiers below name the outputs",
			},
		],
		default: 'score',
		displayOptions: { show: { mode: ['tiers'] } },
	},
	{
		displayName: 'Score',
		name: 'score',
		type: 'string',
		default: '={{ $json.leadScore.score }}',
		description:
			"The lead's current score; Score Event puts it in leadScore.score, or map a score from Klaviyo or a CRM",
		displayOptions: { show: { mode: ['tiers'], tierSource: ['score'] } },
	},
	{
		displayName: 'Tier',
		name: 'tier',
		type: 'string',
		default: '={{ $json.leadScore.tier }}',
		description: 'The name of the tier the lead is in; it must be one of the tiers below',
		displayOptions: { show: { mode: ['tiers'], tierSource: ['item'] } },
	},
	{
		displayName: 'Tiers',
		name: 'tiers',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		placeholder: 'Add Tier',
		default: { tier: DEFAULT_TIERS.map((tier) => ({ ...tier })) },
		description: 'Tiers in ascending order of minimum score; each becomes an output with its name',
		displayOptions: { show: { mode: ['tiers'] } },
		options: [
			{
				displayName: 'Tier',
				name: 'tier',
				values: [
					{
						displayName: 'Name',
						name: 'name',
						type: 'string',
						default: '',
						placeholder: 'hot',
						description: 'Name of the tier and of its output',
					},
					{
						displayName: 'Minimum Score',
						name: 'min',
						type: 'number',
						default: 0,
						description:
							'Lowest score in this tier; scores below the first tier go to the first tier',
					},
				],
			},
		],
	},
	{
		displayName: 'Score',
		name: 'score',
		type: 'string',
		default: '={{ $json.leadScore.score }}',
		description:
			"The lead's current score; Score Event puts it in leadScore.score, or map a score from Klaviyo or a CRM",
		displayOptions: { show: crossing },
	},
	{
		displayName: 'Previous Score',
		name: 'previousScore',
		type: 'string',
		default: '={{ $json.leadScore.previousScore }}',
		description:
			"The score before this change. With hysteresis it may be empty: the node then remembers the lead's last score itself.",
		displayOptions: { show: crossing },
	},
	{
		displayName: 'Replayed',
		name: 'replayed',
		type: 'string',
		default: '={{ $json.leadScore?.replayed }}',
		description:
			"Whether the score is Score Event's answer to a re-sent event (leadScore.replayed): a crossing in it goes out of Crossed again, marked threshold.replayed, so a hand-off that failed the first time is made. Leave empty for scores from Klaviyo or a CRM.",
		displayOptions: { show: crossing },
	},
	{
		displayName: 'Threshold',
		name: 'threshold',
		type: 'number',
		default: 76,
		description:
			'A lead crosses when its previous score was below this and its score is at or above it (76 is the first "hot" score)',
		displayOptions: { show: crossing },
	},
	{
		displayName: 'Dropped Below Output',
		name: 'droppedBelowOutput',
		type: 'boolean',
		default: false,
		description:
			'Whether to add a third output for leads that fell from the threshold to below it, e.g. to re-nurture them',
		displayOptions: { show: crossing },
	},
	{
		displayName: 'Hysteresis (Points)',
		name: 'hysteresis',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 0,
		description:
			"A lead that crossed must fall below the threshold minus these points before it can cross again, so a score that wobbles around the threshold is handed over once. Needs a store for each lead's crossing state.",
		displayOptions: { show: crossing },
	},
	{
		displayName: 'Lead ID',
		name: 'leadId',
		type: 'string',
		default: '={{ $json.leadScore.leadId }}',
		description:
			'Whose crossing state to read and keep; emails are trimmed and lower-cased as in Score Event',
		displayOptions: { show: withHysteresis },
	},
	{
		displayName: 'Score Revision',
		name: 'revision',
		type: 'string',
		default: '={{ $json.leadScore.revision }}',
		description:
			"Puts one lead's scores back in order when parallel executions bring them here late: a score older than one already checked goes to Not Crossed and changes nothing, except the score that crossed (or dropped) coming again, which goes out again marked threshold.replayed. Score Event puts it in leadScore.revision; leave empty for scores from Klaviyo or a CRM.",
		displayOptions: { show: withHysteresis },
	},
	...storeProperties(
		{
			embedded:
				'The same file in the n8n user folder that Score Event uses; no setup. For one n8n instance.',
			postgres:
				"The same database Score Event uses, through n8n's Postgres credential; for queue mode and many workers",
			description: "Where each lead's crossing state is kept",
		},
		withHysteresis,
	),
	{
		displayName: 'Threshold Name',
		name: 'thresholdName',
		type: 'string',
		default: '',
		placeholder: 'mql',
		description:
			'Name of the crossing state in the store. Empty: this workflow and node name, so renaming the node starts afresh. Give two nodes the same name to share one state.',
		displayOptions: { show: withHysteresis },
	},
];
