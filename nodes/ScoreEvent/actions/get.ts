import { type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { readScores } from '../../../lib/service/readScores';
import { normalizeLeadId } from '../../../lib/scoring/inputs';
import { readingAsReported, type Reporting } from '../../../lib/scoring/reporting';
import {
	settingsFor,
	openStore,
	Outputs,
	withLeadScore,
	Batches,
	currentScoreOf,
	ItemEvent,
	reportingOf,
} from '../items';
import { ItemParameters } from '../../shared/parameters';
import { historyOperation } from './views';

export async function getOperation(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const mode = this.getNodeParameter('getMode', 0, 'current') as 'current' | 'asOf' | 'timeline';
	if (mode !== 'current') return await historyOperation.call(this, mode);
	const items = this.getInputData();
	const parameters = new ItemParameters(this);
	const outputs = new Outputs(this, items.length);
	const batches = new Batches<string>();
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const settings = await settingsFor.call(this, parameters, itemIndex);
			const event = new ItemEvent(parameters, itemIndex, items[itemIndex], settings.model);
			batches.add(
				settings,
				itemIndex,
				normalizeLeadId(event.field('leadId')),
				currentScoreOf(event, parameters, settings),
			);
		} catch (error) {
			outputs.fail(itemIndex, error as Error);
		}
	}
	const historyLimit =
		((this.getNodeParameter('options', 0, {}) as IDataObject).historyLimit as number | undefined) ??
		10;
	const now = Date.now();
	let reporting: Reporting;
	try {
		reporting = reportingOf.call(this);
	} catch (error) {
		outputs.failAll(error as Error);
		return outputs.list();
	}
	for (const { settings, entries } of batches.groups.values()) {
		if (settings.storeKind === 'none') {
			for (const { itemIndex, input, currentScore } of entries) {
				outputs.set(
					itemIndex,
					withLeadScore(items[itemIndex], {
						leadId: input,
						found: false,
						score: currentScore ?? 0,
					}),
				);
			}
			continue;
		}
		try {
			const readings = await readScores(
				await openStore.call(this, settings.storeKind),
				settings.model,
				settings.scoreName,
				entries.map((entry) => entry.input),
				now,
				historyLimit,
			);
			for (const { itemIndex, input } of entries) {
				const reading = readings.get(input)!;
				if (!reading.ok) outputs.fail(itemIndex, reading.error);
				else
					outputs.set(
						itemIndex,
						withLeadScore(items[itemIndex], readingAsReported(reading.value, settings.model.tiers, reporting)),
					);
			}
		} catch (error) {
			for (const { itemIndex } of entries) outputs.fail(itemIndex, error as Error);
		}
	}
	return outputs.list();
}
