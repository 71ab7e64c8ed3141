import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { adjustStateless, type AdjustInput, type LeadScore } from '../../../lib/scoring/leadScore';
import { adjustLeads } from '../../../lib/service/scoreBatch';
import {
	normalizeLeadId,
	optionalText,
	parseNumber,
	requireText,
} from '../../../lib/scoring/inputs';
import { asReported } from '../../../lib/scoring/reporting';
import { ItemOutputs } from '../../shared/itemOutputs';
import { ItemParameters } from '../../shared/parameters';
import { Batches, deliver, withStore } from '../batches';
import { onlyFor } from '../description';
import { ItemEvent, currentScoreOf, withLeadScore } from '../itemEvent';
import { settingsFor } from '../modelResolution';
import { reportingOrFailAll } from '../nodeOptions';

export const description: INodeProperties[] = [
	{
		displayName: 'Adjustment',
		name: 'adjustMode',
		type: 'options',
		options: [
			{
				name: 'Add Points',
				value: 'add',
				description: 'Add (or, with a negative number, remove) points',
			},
			{ name: 'Set Score', value: 'set', description: 'Set the score to this value' },
		],
		default: 'add',
		displayOptions: onlyFor('adjust'),
	},
	{
		displayName: 'Points',
		name: 'points',
		type: 'number',
		default: 0,
		displayOptions: onlyFor('adjust'),
	},
	{
		displayName: 'Reason',
		name: 'reason',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'Met at trade show',
		description: "Why the score changes; kept in the lead's history",
		displayOptions: onlyFor('adjust'),
	},
	{
		displayName: 'Adjustment ID',
		name: 'adjustmentId',
		type: 'string',
		default: '',
		placeholder: '={{ $json.body.request_id }}',
		description:
			'Optional unique ID of this adjustment for the lead: a retried adjustment with the same ID counts once and answers with the outcome it had the first time (duplicate: true). Empty: every run counts.',
		displayOptions: onlyFor('adjust'),
	},
];

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const parameters = new ItemParameters(this);
	const outputs = new ItemOutputs(this, items.length);
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
	const reporting = reportingOrFailAll.call(this, outputs);
	if (!reporting) return outputs.list();
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
