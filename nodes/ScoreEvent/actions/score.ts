import { type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { scoreEvents } from '../../../lib/service/scoreBatch';
import { scoreEventStateless, type EventInput, type LeadScore } from '../../../lib/scoring/leadScore';
import {
	normalizeLeadId,
	optionalText,
	parseEventTime,
	parseProfile,
	requireText,
} from '../../../lib/scoring/inputs';
import { unmatchedConditions } from '../../../lib/scoring/eventData';
import { type ScoringModel } from '../../../lib/scoring/model';
import { modelVersion } from '../../../lib/scoring/modelVersion';
import { type ScoreStore } from '../../../lib/store/scoreStore';
import { asReported, type Reporting } from '../../../lib/scoring/reporting';
import {
	Batches,
	type ItemSettings,
	Outputs,
	ItemEvent,
	currentScoreOf,
	isObject,
	optionalModel,
	reportingOf,
	settingsFor,
	timeWindowFor,
	withLeadScore,
	withStore,
} from '../items';
import { ItemParameters } from '../../shared/parameters';

export async function scoreOperation(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const parameters = new ItemParameters(this);
	const outputs = new Outputs(this, items.length);
	const batches = new Batches<EventInput>();
	const window = timeWindowFor.call(this, Date.now());
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const settings = await settingsFor.call(this, parameters, itemIndex);
			const event = new ItemEvent(parameters, itemIndex, items[itemIndex], settings.model);
			const profile = parseProfile(event.field('profile'));
			const input: EventInput = {
				leadId: normalizeLeadId(event.field('leadId')),
				name: requireText(event.field('eventName'), 'eventName', 'The event name'),
				eventId: optionalText(event.field('eventId'), 'eventId', 'The event ID'),
				time: parseEventTime(event.field('eventTime'), window()),
				data: profile ? { ...event.data, profile } : event.data,
				hasProfile: profile !== undefined || isObject(event.data.profile),
			};
			batches.add(settings, itemIndex, input, currentScoreOf(event, parameters, settings));
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
		outputs.failAll(error as Error);
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
					explained(
						settings.model,
						input,
						reported(scoreEventStateless(settings.model, input, currentScore ?? 0)),
					),
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
		const results = await withStore.call(this, settings, entries, async (store) => {
			await keepModel.call(this, store, settings);
			return await scoreEvents(store, settings.model, settings.scoreName, inputs, {
				keepEventData,
			});
		});
		// The shadow model keeps its own scores under a separate name: the live score is never touched.
		const shadowScore = { ...settings, model: shadow!, scoreName: `${settings.scoreName}~shadow` };
		const shadowResults = shadow
			? await withStore.call(this, shadowScore, entries, (store) =>
					scoreEvents(store, shadow, shadowScore.scoreName, inputs, { keepEventData: false }),
				)
			: undefined;
		results.forEach((result, index) => {
			const { itemIndex } = entries[index];
			if (!result.ok) return outputs.fail(itemIndex, result.error);
			const json = withLeadScore(
				items[itemIndex],
				explained(settings.model, entries[index].input, reported(result.value)),
			);
			const shadowResult = shadowResults?.[index];
			if (shadowResult)
				json.shadowScore =
					shadowResult.ok
						? shadowScoreOf(reported(shadowResult.value, shadow))
						: { error: shadowResult.error.message };
			outputs.set(itemIndex, json);
		});
	}
	return outputs.list();
}

/**
 * Keeps the model with the score, so Apply Decay, Re-Score, Get Score and Backtest use the same
 * one; a score that was last scored with another model is shown as a hint, naming both versions.
 */
async function keepModel(
	this: IExecuteFunctions,
	store: ScoreStore,
	settings: ItemSettings,
): Promise<void> {
	const version = modelVersion(settings.model);
	const previous = await store.useModel(settings.scoreName, {
		version,
		model: settings.model,
		usedAt: Date.now(),
	});
	if (previous === null) return;
	this.addExecutionHints({
		message: `The score "${settings.scoreName}" was last scored with model ${previous}; this node scores it with model ${version}. Every workflow that scores "${settings.scoreName}" should use one model (or its own Score Name): Apply Decay, Re-Score, Get Score and Backtest use the model it was last scored with.`,
		location: 'outputPane',
	});
}

/** Adds `unmatched` when a rule for this event could not check a condition: its field is missing. */
function explained(model: ScoringModel, input: EventInput, leadScore: LeadScore): object {
	const unmatched = unmatchedConditions(model, input.name, input.data);
	return unmatched.length > 0 ? { ...leadScore, unmatched } : leadScore;
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
