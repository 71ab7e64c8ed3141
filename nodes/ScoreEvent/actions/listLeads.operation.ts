import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import { InputError, parseNumber, type TimeWindow } from '../../../lib/scoring/inputs';
import { exactScoreRange, type Reporting } from '../../../lib/scoring/reporting';
import type { LeadFilter, LeadSort } from '../../../lib/store/scoreStore';
import { leadPages } from '../../../lib/service/leadList';
import { returnAllAndLimit } from '../description';
import { reportingOf, timeWindowFor } from '../nodeOptions';
import { maxResults, optionalTime, perItemOnStore, withReportedScore } from '../storedLeads';

const listLeads = { show: { operation: ['listLeads'] } };

export const description: INodeProperties[] = [
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
				description:
					'Only leads whose score, as the output shows it (whole points by default), is at most this',
			},
			{
				displayName: 'Minimum Score',
				name: 'minScore',
				type: 'number',
				default: 0,
				description:
					'Only leads whose score, as the output shows it (whole points by default), is at least this',
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
];

function leadFilter(raw: IDataObject, window: TimeWindow, reporting: Reporting): LeadFilter {
	const filter: LeadFilter = {};
	const tiers = String(raw.tiers ?? '')
		.split(',')
		.map((tier) => tier.trim())
		.filter((tier) => tier.length > 0);
	if (tiers.length > 0) filter.tiers = tiers;
	if (raw.minScore !== undefined && raw.minScore !== '')
		filter.minScore = parseNumber(raw.minScore, 'minScore', 'The minimum score');
	if (raw.maxScore !== undefined && raw.maxScore !== '')
		filter.maxScore = parseNumber(raw.maxScore, 'maxScore', 'The maximum score');
	if (
		filter.minScore !== undefined &&
		filter.maxScore !== undefined &&
		filter.minScore > filter.maxScore
	) {
		throw new InputError(
			'maxScore',
			`The maximum score (${filter.maxScore}) is below the minimum score (${filter.minScore}).`,
		);
	}
	// The bounds apply to the score as the operator sees it (whole points by default).
	const range = exactScoreRange({ min: filter.minScore, max: filter.maxScore }, reporting);
	filter.minScore = range.min;
	filter.maxScore = range.max;
	filter.activeSince = optionalTime(raw.activeSince, window, 'activeSince');
	filter.changedSince = optionalTime(raw.changedSince, window, 'changedSince');
	const version = String(raw.modelVersion ?? '').trim();
	if (version) filter.modelVersion = version;
	for (const key of Object.keys(filter) as Array<keyof LeadFilter>)
		if (filter[key] === undefined) delete filter[key];
	return filter;
}

const SORTS: LeadSort[] = ['scoreDesc', 'scoreAsc', 'changedDesc', 'changedAsc', 'leadId'];

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	return await perItemOnStore.call(this, async (store, settings, parameters, itemIndex) => {
		const reporting = reportingOf.call(this);
		const sort = parameters.get<LeadSort>('leadSort', itemIndex, 'scoreDesc');
		if (!SORTS.includes(sort))
			throw new InputError(
				'leadSort',
				`"${String(sort)}" is not a sort order; use one of ${SORTS.join(', ')}.`,
			);
		const filter = leadFilter(
			parameters.get<IDataObject>('leadFilters', itemIndex, {}),
			timeWindowFor.call(this, Date.now())(),
			reporting,
		);
		const out: INodeExecutionData[] = [];
		for await (const page of leadPages(
			store,
			settings.scoreName,
			filter,
			sort,
			maxResults(parameters, itemIndex),
		)) {
			for (const row of page)
				out.push({ json: withReportedScore(row, reporting) as unknown as IDataObject });
		}
		return out;
	});
}
