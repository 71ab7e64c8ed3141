/** The views (List Leads, Get Score's As Of and Timeline, Score Dashboard) read the leads kept in a store. */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { InputError, parseEventTime, parseNumber, type TimeWindow } from '../../lib/scoring/inputs';
import { reportedScore, type Reporting } from '../../lib/scoring/reporting';
import type { ScoreStore } from '../../lib/store/scoreStore';
import { eachItem } from '../shared/itemOutputs';
import { ItemParameters } from '../shared/parameters';
import { openStore } from '../shared/storeAccess';
import { settingsFor, type ItemSettings } from './modelResolution';

/**
 * Runs `work` once per input item (usually one, from a trigger) on the store of its settings;
 * the items it returns are paired with that input item. An item's failure is its error item
 * under Continue On Fail, else it stops the node.
 */
export async function perItemOnStore(
	this: IExecuteFunctions,
	work: (
		store: ScoreStore,
		settings: ItemSettings,
		parameters: ItemParameters,
		itemIndex: number,
	) => Promise<INodeExecutionData[]>,
): Promise<INodeExecutionData[]> {
	const parameters = new ItemParameters(this);
	return await eachItem(this, async (itemIndex) => {
		const settings = await settingsFor.call(this, parameters, itemIndex);
		const store = await openStore(this, settings.storeKind, itemIndex);
		return await work(store, settings, parameters, itemIndex);
	});
}

/** Return All, or the Limit (a whole number of at least 1). */
export function maxResults(parameters: ItemParameters, itemIndex: number): number | null {
	if (parameters.get<boolean>('returnAll', itemIndex, false)) return null;
	const limit = parseNumber(parameters.get('limit', itemIndex, 50), 'limit', 'The limit');
	if (!Number.isInteger(limit) || limit < 1)
		throw new InputError('limit', `The limit must be a whole number of at least 1, got ${limit}.`);
	return limit;
}

/** An optional time: empty means "not set". */
export function optionalTime(
	value: unknown,
	window: TimeWindow,
	field: string,
): number | undefined {
	return value === undefined || value === null || value === ''
		? undefined
		: parseEventTime(value, window, field);
}

/**
 * A stored lead's score as the other outputs report it (whole points by default), the exact one
 * beside it. The stored tier stays: it is the tier of the model version that scored the lead.
 */
export function withReportedScore<T extends { score: number }>(
	lead: T,
	reporting: Reporting,
): T & { exactScore?: number } {
	const score = reportedScore(lead.score, reporting);
	return score === lead.score ? lead : { ...lead, score, exactScore: lead.score };
}
