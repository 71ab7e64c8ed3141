import { type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import {
	InputError,
	normalizeLeadId,
	parseEventTime,
	parseNumber,
	type TimeWindow,
} from '../../../lib/scoring/inputs';
import { reportedScore, type Reporting } from '../../../lib/scoring/reporting';
import type { LeadFilter, LeadSort, ScoreStore } from '../../../lib/store/scoreStore';
import { buildDashboard } from '../../../lib/service/dashboard';
import { dashboardPage } from '../../../lib/views/dashboardPage';
import { scoreAsOf, timelinePages } from '../../../lib/service/leadHistory';
import { leadPages } from '../../../lib/service/leadList';
import { ItemParameters } from '../../shared/parameters';
import {
	errorItem,
	ItemEvent,
	openStore,
	reportingOf,
	settingsFor,
	timeWindowFor,
	withLeadScore,
	type ItemSettings,
} from '../items';

/**
 * Runs `work` once per input item (usually one, from a trigger) on the store of its settings;
 * the items it returns are paired with that input item. An item's failure is its error item
 * under Continue On Fail, else it stops the node.
 */
async function perItem(
	this: IExecuteFunctions,
	work: (
		store: ScoreStore,
		settings: ItemSettings,
		parameters: ItemParameters,
		itemIndex: number,
	) => Promise<INodeExecutionData[]>,
): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const parameters = new ItemParameters(this);
	const out: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const settings = await settingsFor.call(this, parameters, itemIndex);
			const store = await openStore.call(this, settings.storeKind);
			for (const item of await work(store, settings, parameters, itemIndex))
				out.push({ ...item, pairedItem: { item: itemIndex } });
		} catch (error) {
			out.push(errorItem.call(this, error as Error, itemIndex));
		}
	}
	return out;
}

/** Return All, or the Limit (a whole number of at least 1). */
function maxResults(parameters: ItemParameters, itemIndex: number): number | null {
	if (parameters.get<boolean>('returnAll', itemIndex, false)) return null;
	const limit = parseNumber(parameters.get('limit', itemIndex, 50), 'limit', 'The limit');
	if (!Number.isInteger(limit) || limit < 1)
		throw new InputError('limit', `The limit must be a whole number of at least 1, got ${limit}.`);
	return limit;
}

/** An optional time: empty means "not set". */
function optionalTime(value: unknown, window: TimeWindow, field: string): number | undefined {
	return value === undefined || value === null || value === ''
		? undefined
		: parseEventTime(value, window, field);
}

function leadFilter(raw: IDataObject, window: TimeWindow): LeadFilter {
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
	filter.activeSince = optionalTime(raw.activeSince, window, 'activeSince');
	filter.changedSince = optionalTime(raw.changedSince, window, 'changedSince');
	const version = String(raw.modelVersion ?? '').trim();
	if (version) filter.modelVersion = version;
	for (const key of Object.keys(filter) as Array<keyof LeadFilter>)
		if (filter[key] === undefined) delete filter[key];
	return filter;
}

/**
 * A stored lead's score as the other outputs report it (whole points by default), the exact one
 * beside it. The stored tier stays: it is the tier of the model version that scored the lead.
 */
function withReportedScore<T extends { score: number }>(
	lead: T,
	reporting: Reporting,
): T & { exactScore?: number } {
	const score = reportedScore(lead.score, reporting);
	return score === lead.score ? lead : { ...lead, score, exactScore: lead.score };
}

const SORTS: LeadSort[] = ['scoreDesc', 'scoreAsc', 'changedDesc', 'changedAsc', 'leadId'];

export async function listLeadsOperation(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	return await perItem.call(this, async (store, settings, parameters, itemIndex) => {
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

/** Get Score's As Of and Timeline: the lead's past, from the history of its changes. */
export async function historyOperation(
	this: IExecuteFunctions,
	mode: 'asOf' | 'timeline',
): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	return await perItem.call(this, async (store, settings, parameters, itemIndex) => {
		const leadId = normalizeLeadId(
			new ItemEvent(parameters, itemIndex, items[itemIndex], settings.model).field('leadId'),
		);
		const window = timeWindowFor.call(this, Date.now())();
		if (mode === 'asOf') {
			const raw = parameters.get('historyAsOf', itemIndex, '');
			if (raw === '' || raw === null || raw === undefined)
				throw new InputError('historyAsOf', 'As Of needs a time, e.g. 2026-11-03T15:00:00Z.');
			const reading = await scoreAsOf(
				store,
				settings.scoreName,
				leadId,
				parseEventTime(raw, window, 'historyAsOf'),
			);
			const reporting = reportingOf.call(this);
			return [
				{
					json: withLeadScore(
						items[itemIndex],
						reading.score === null
							? reading
							: withReportedScore({ ...reading, score: reading.score }, reporting),
					),
				},
			];
		}
		const now = Date.now();
		const from = optionalTime(parameters.get('historyFrom', itemIndex, ''), window, 'historyFrom') ?? 0;
		const to = optionalTime(parameters.get('historyTo', itemIndex, ''), window, 'historyTo') ?? now;
		if (from > to)
			throw new InputError(
				'historyFrom',
				`From (${new Date(from).toISOString()}) is after To (${new Date(to).toISOString()}).`,
			);
		const out: INodeExecutionData[] = [];
		for await (const page of timelinePages(
			store,
			settings.scoreName,
			leadId,
			{ from, to },
			maxResults(parameters, itemIndex),
		)) {
			for (const entry of page) out.push({ json: entry as unknown as IDataObject });
		}
		return out;
	});
}

export async function dashboardOperation(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	return await perItem.call(this, async (store, settings, parameters, itemIndex) => {
		const reporting = reportingOf.call(this);
		const threshold = parseNumber(
			parameters.get('crossingThreshold', itemIndex, 76),
			'crossingThreshold',
			'The crossing threshold',
		);
		const title = String(
			parameters.get('dashboardTitle', itemIndex, 'Lead scores') || 'Lead scores',
		);
		const field = String(parameters.get('binaryPropertyName', itemIndex, 'data')).trim();
		if (!field)
			throw new InputError(
				'binaryPropertyName',
				'Put Output File in Field needs a field name, e.g. data.',
			);
		const built = await buildDashboard(
			store,
			settings.model,
			settings.scoreName,
			threshold,
			Date.now(),
		);
		// The top leads' scores as Score Event, Get Score and List Leads report them.
		const dashboard = {
			...built,
			topLeads: built.topLeads.map((lead) => withReportedScore(lead, reporting)),
		};
		const page = await this.helpers.prepareBinaryData(
			Buffer.from(dashboardPage(dashboard, title), 'utf8'),
			'lead-scores.html',
			'text/html',
		);
		return [
			{ json: { dashboard: dashboard as unknown as IDataObject }, binary: { [field]: page } },
		];
	});
}
