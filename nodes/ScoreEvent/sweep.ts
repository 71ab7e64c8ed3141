/** Apply Decay and Re-Score: a sweep over every lead of a score, once per input item. */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { ScoreStore } from '../../lib/store/scoreStore';
import { eachItem } from '../shared/itemOutputs';
import { toNodeError } from '../shared/nodeErrors';
import { ItemParameters } from '../shared/parameters';
import { openStore, refuseStateless, type StoreKind } from '../shared/storeAccess';
import { NoStoredModelError, settingsFor, type ItemSettings } from './modelResolution';

/** What a sweep did: the leads it changed, of how many it swept. */
export interface SweepResult {
	changed: object[];
	swept: number;
	/** Re-Score: leads left as they were because some of their events were kept without data. */
	skipped?: number;
}

/** One item's sweep; a score that has no lead yet (and so no stored model) sweeps nothing. */
async function sweepOf(
	this: IExecuteFunctions,
	parameters: ItemParameters,
	itemIndex: number,
	operationName: string,
	sweep: (store: ScoreStore, settings: ItemSettings, itemIndex: number) => Promise<SweepResult>,
): Promise<{ scoreName: string; result: SweepResult }> {
	refuseStateless(parameters.get<StoreKind>('store', itemIndex), operationName);
	let settings: ItemSettings;
	try {
		settings = await settingsFor.call(this, parameters, itemIndex);
	} catch (error) {
		const empty =
			error instanceof NoStoredModelError &&
			(
				await (
					await openStore(this, error.storeKind, itemIndex)
				).listLeads(error.scoreName, null, 1)
			).leads.length === 0;
		if (!empty) throw toNodeError(this.getNode(), error as Error, itemIndex);
		return {
			scoreName: (error as NoStoredModelError).scoreName,
			result: { changed: [], swept: 0 },
		};
	}
	const store = await openStore(this, settings.storeKind, itemIndex);
	return { scoreName: settings.scoreName, result: await sweep(store, settings, itemIndex) };
}

/**
 * Runs a sweep over the whole store once per input item (usually one, from a Schedule
 * Trigger). Output *Changed Leads*: one item per lead the sweep changed (none when nothing
 * changed). Output *Summary*: one item per sweep, `{ sweep: { swept, changed… }, changed: [...] }`,
 * so a webhook that runs the sweep can always answer.
 */
export async function sweepPerItem(
	this: IExecuteFunctions,
	operationName: string,
	sweep: (store: ScoreStore, settings: ItemSettings, itemIndex: number) => Promise<SweepResult>,
): Promise<INodeExecutionData[]> {
	const parameters = new ItemParameters(this);
	return await eachItem(this, async (itemIndex) => {
		const { scoreName, result } = await sweepOf.call(
			this,
			parameters,
			itemIndex,
			operationName,
			sweep,
		);
		if (parameters.get<string>('sweepOutput', itemIndex, 'changed') === 'summary') {
			const summary = {
				operation: operationName,
				scoreName,
				swept: result.swept,
				// Re-Score's skipped leads go out among the changed ones, marked `skipped`.
				changed: result.changed.length - (result.skipped ?? 0),
				...(result.skipped !== undefined ? { skipped: result.skipped } : {}),
			};
			return [{ json: { sweep: summary, changed: result.changed as IDataObject[] } }];
		}
		return result.changed.map((leadScore) => ({ json: { leadScore: leadScore as IDataObject } }));
	});
}
