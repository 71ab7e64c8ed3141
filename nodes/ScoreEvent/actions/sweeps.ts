import { type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { sweepDecay } from '../../../lib/scoring/batch';
import { parseEventTime } from '../../../lib/scoring/inputs';
import { asReported } from '../../../lib/scoring/reporting';
import { rescoreLeads } from '../../../lib/scoring/rescore';
import { reportingOf, sweepPerItem } from '../items';
import { ItemParameters } from '../../shared/parameters';

export async function applyDecayOperation(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const parameters = new ItemParameters(this);
	return await sweepPerItem.call(this, 'Apply Decay', async (store, settings, itemIndex) => {
		const reporting = reportingOf.call(this);
		const asOf = parseEventTime(parameters.get('asOf', itemIndex, ''), Date.now(), 'asOf');
		return await sweepDecay(store, settings.model, settings.scoreName, asOf, { reporting });
	});
}

export async function rescoreOperation(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	return await sweepPerItem.call(this, 'Re-Score Leads', async (store, settings) => {
		const reporting = reportingOf.call(this);
		const { changed, skipped } = await rescoreLeads(store, settings.model, settings.scoreName, {
			reporting,
		});
		// A lead left as it was goes out too, unchanged and with the reason, so none is skipped silently.
		const unchanged = skipped.map(({ leadId, score, tier, reason }) =>
			asReported(
				{
					leadId,
					score,
					previousScore: score,
					delta: 0,
					tier,
					previousTier: tier,
					tierChanged: false,
					skipped: true,
					skippedReason: reason,
				},
				settings.model.tiers,
				reporting,
			),
		);
		return [...changed, ...unchanged];
	});
}
