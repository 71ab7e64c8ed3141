import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { asReported } from '../../../lib/scoring/reporting';
import { rescoreLeads } from '../../../lib/service/rescore';
import { reportingOf } from '../nodeOptions';
import { sweepPerItem } from '../sweep';

// Re-Score has no parameters of its own: it sweeps with the model kept with the score.
export const description: INodeProperties[] = [];

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
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
		return {
			changed: [...summary.changed, ...unchanged],
			swept: summary.leads,
			skipped: summary.skipped.length,
		};
	});
}
