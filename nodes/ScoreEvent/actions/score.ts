import { type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import {
	scoreEvents,
	scoreEventStateless,
	type EventInput,
	type LeadScore,
} from '../../../lib/scoring/batch';
import {
	normalizeLeadId,
	optionalText,
	parseEventTime,
	parseProfile,
	requireText,
} from '../../../lib/scoring/inputs';
import { type ScoringModel } from '../../../lib/scoring/model';
import { asReported, type Reporting } from '../../../lib/scoring/reporting';
import {
	Batches,
	Outputs,
	currentScoreOf,
	isObject,
	optionalModel,
	reportingOf,
	settingsFor,
	withLeadScore,
	withStore,
} from '../items';
import { ItemParameters } from '../../shared/parameters';

export async function scoreOperation(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const parameters = new ItemParameters(this);
	const outputs = new Outputs(this, items.length);
	const batches = new Batches<EventInput>();
	const now = Date.now();
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const settings = settingsFor.call(this, parameters, itemIndex);
			const profile = parseProfile(parameters.get('profile', itemIndex, ''));
			const data = profile ? { ...items[itemIndex].json, profile } : items[itemIndex].json;
			const input: EventInput = {
				leadId: normalizeLeadId(parameters.get('leadId', itemIndex)),
				name: requireText(parameters.get('eventName', itemIndex), 'eventName', 'The event name'),
				eventId: optionalText(parameters.get('eventId', itemIndex, ''), 'eventId', 'The event ID'),
				time: parseEventTime(parameters.get('eventTime', itemIndex, ''), now),
				data,
				hasProfile: profile !== undefined || isObject(items[itemIndex].json.profile),
			};
			batches.add(settings, itemIndex, input, currentScoreOf(parameters, itemIndex, settings));
		} catch (error) {
			outputs.fail(itemIndex, error as Error);
		}
	}
	const options = this.getNodeParameter('options', 0, {}) as IDataObject;
	let shadow: ScoringModel | undefined;
	let reporting: Reporting;
	try {
		shadow = optionalModel(options.shadowModel, 'options.shadowModel');
		reporting = reportingOf.call(this);
	} catch (error) {
		for (let itemIndex = 0; itemIndex < items.length; itemIndex++)
			outputs.fail(itemIndex, error as Error);
		return outputs.list();
	}
	for (const { settings, entries } of batches.groups.values()) {
		const inputs = entries.map((entry) => entry.input);
		const reported = (leadScore: LeadScore, model = settings.model) =>
			asReported(leadScore, model.tiers, reporting);
		if (settings.storeKind === 'none') {
			for (const { itemIndex, input, currentScore } of entries) {
				const json = withLeadScore(
					items[itemIndex],
					reported(scoreEventStateless(settings.model, input, currentScore ?? 0)),
				);
				if (shadow)
					json.shadowScore = shadowScoreOf(
						reported(scoreEventStateless(shadow, input, currentScore ?? 0), shadow),
					);
				outputs.set(itemIndex, json);
			}
			continue;
		}
		const keepEventData = options.keepEventData !== false;
		const results = await withStore.call(this, settings, entries, (store) =>
			scoreEvents(store, settings.model, settings.scoreName, inputs, { keepEventData }),
		);
		// The shadow model keeps its own scores under a separate name: the live score is never touched.
		const shadowScore = { ...settings, model: shadow!, scoreName: `${settings.scoreName}~shadow` };
		const shadowResults = shadow
			? await withStore.call(this, shadowScore, entries, (store) =>
					scoreEvents(store, shadow, shadowScore.scoreName, inputs, { keepEventData: false }),
				)
			: undefined;
		results.forEach((result, index) => {
			const { itemIndex } = entries[index];
			if ('error' in result) return outputs.fail(itemIndex, result.error);
			const json = withLeadScore(items[itemIndex], reported(result.leadScore));
			const shadowResult = shadowResults?.[index];
			if (shadowResult)
				json.shadowScore =
					'error' in shadowResult
						? { error: shadowResult.error.message }
						: shadowScoreOf(reported(shadowResult.leadScore, shadow));
			outputs.set(itemIndex, json);
		});
	}
	return outputs.list();
}

function shadowScoreOf(leadScore: LeadScore): IDataObject {
	const { score, previousScore, delta, tier, previousTier, tierChanged, reasons, modelVersion } =
		leadScore;
	return {
		score,
		previousScore,
		delta,
		tier,
		previousTier,
		tierChanged,
		reasons: reasons as unknown as IDataObject[],
		modelVersion,
	};
}
