import { type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { sweepDecay } from '../../../lib/scoring/batch';
import { parseEventTime } from '../../../lib/scoring/inputs';
import { rescoreLeads } from '../../../lib/scoring/rescore';
import { sweepPerItem } from '../items';
import { ItemParameters } from '../../shared/parameters';

export async function applyDecayOperation(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const parameters = new ItemParameters(this);
	return await sweepPerItem.call(this, 'Apply Decay', async (store, settings, itemIndex) => {
		const asOf = parseEventTime(parameters.get('asOf', itemIndex, ''), Date.now(), 'asOf');
		let swept = 0;
		const changed = await sweepDecay(
			store,
			settings.model,
			settings.scoreName,
			asOf,
			undefined,
			undefined,
			(leads) => (swept += leads),
		);
		return { changed, swept };
	});
}

export async function rescoreOperation(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	return await sweepPerItem.call(this, 'Re-Score Leads', async (store, settings) => {
		const summary = await rescoreLeads(store, settings.model, settings.scoreName);
		return { changed: summary.changed, swept: summary.leads, skipped: summary.skipped.length };
	});
}
