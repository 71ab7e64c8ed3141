import { type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { sweepDecay } from '../../../lib/service/decaySweep';
import { parseEventTime } from '../../../lib/scoring/inputs';
import { asReported } from '../../../lib/scoring/reporting';
import { rescoreLeads } from '../../../lib/service/rescore';
import { reportingOf, sweepPerItem, timeWindowFor } from '../items';
import { ItemParameters } from '../../shared/parameters';

export async function applyDecayOperation(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const parameters = new ItemParameters(this);
	return await sweepPerItem.call(this, 'Apply Decay', async (store, settings, itemIndex) => {
		const reporting = reportingOf.call(this);
		const window = timeWindowFor.call(this, Date.now());
		const asOf = parseEventTime(parameters.get('asOf', itemIndex, ''), window(), 'asOf');
		let swept = 0;
		const changed = await sweepDecay(store, settings.model, settings.scoreName, asOf, {
			reporting,
			onPage: (leads) => (swept += leads),
		});
		return { changed, swept };
	});
}

export async function rescoreOperation(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	return await sweepPerItem.call(this, 'Re-Score Leads', async (store, settings) => {
		const reporting = reportingOf.call(this);
		const summary = await rescoreLeads(store, settings.model, settings.scoreName, { reporting });
		// A lead left as it was goes out too, unchanged and with the reason, so none is skipped silently.
		const unchanged = summary.skipped.map(({ leadId, score, tier, reason }) =>
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
		return { changed: [...summary.changed, ...unchanged], swept: summary.leads, skipped: summary.skipped.length };
	});
}
