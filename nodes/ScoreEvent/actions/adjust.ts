import { type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { adjustLeads } from '../../../lib/service/scoreBatch';
import { adjustStateless, type AdjustInput, type LeadScore } from '../../../lib/scoring/leadScore';
import { asReported, type Reporting } from '../../../lib/scoring/reporting';
import {
	normalizeLeadId,
	optionalText,
	parseNumber,
	requireText,
} from '../../../lib/scoring/inputs';
import {
	settingsFor,
	Outputs,
	withLeadScore,
	Batches,
	currentScoreOf,
	ItemEvent,
	deliver,
	reportingOf,
	withStore,
} from '../items';
import { ItemParameters } from '../../shared/parameters';

export async function adjustOperation(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const parameters = new ItemParameters(this);
	const outputs = new Outputs(this, items.length);
	const batches = new Batches<AdjustInput>();
	const now = Date.now();
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const settings = await settingsFor.call(this, parameters, itemIndex);
			const event = new ItemEvent(parameters, itemIndex, items[itemIndex], settings.model);
			const input: AdjustInput = {
				leadId: normalizeLeadId(event.field('leadId')),
				mode: parameters.get<'add' | 'set'>('adjustMode', itemIndex),
				points: parseNumber(parameters.get('points', itemIndex), 'points', 'Points'),
				reason: requireText(parameters.get('reason', itemIndex), 'reason', 'The reason'),
				adjustmentId: optionalText(
					parameters.get('adjustmentId', itemIndex, ''),
					'adjustmentId',
					'The adjustment ID',
				),
				time: now,
			};
			batches.add(settings, itemIndex, input, currentScoreOf(event, parameters, settings));
		} catch (error) {
			outputs.fail(itemIndex, error as Error);
		}
	}
	let reporting: Reporting;
	try {
		reporting = reportingOf.call(this);
	} catch (error) {
		outputs.failAll(error as Error);
		return outputs.list();
	}
	for (const { settings, entries } of batches.groups.values()) {
		const reported = (leadScore: LeadScore) =>
			asReported(leadScore, settings.model.tiers, reporting);
		if (settings.storeKind === 'none') {
			for (const { itemIndex, input, currentScore } of entries) {
				outputs.set(
					itemIndex,
					withLeadScore(
						items[itemIndex],
						reported(adjustStateless(settings.model, input, currentScore ?? 0)),
					),
				);
			}
			continue;
		}
		const results = await withStore.call(this, settings, entries, (store) =>
			adjustLeads(
				store,
				settings.model,
				settings.scoreName,
				entries.map((entry) => entry.input),
			),
		);
		deliver.call(this, outputs, items, entries, results, reported);
	}
	return outputs.list();
}
