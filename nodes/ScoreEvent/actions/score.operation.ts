import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import { scoreEvents } from '../../../lib/service/scoreBatch';
import {
	scoreEventStateless,
	type EventInput,
	type LeadScore,
} from '../../../lib/scoring/leadScore';
import { unmatchedConditions } from '../../../lib/scoring/eventData';
import {
	normalizeLeadId,
	optionalText,
	parseEventTime,
	parseProfile,
	requireText,
} from '../../../lib/scoring/inputs';
import type { ScoringModel } from '../../../lib/scoring/model';
import { modelVersion } from '../../../lib/scoring/modelVersion';
import { asReported, type Reporting } from '../../../lib/scoring/reporting';
import type { ScoreStore } from '../../../lib/store/scoreStore';
import { ItemOutputs } from '../../shared/itemOutputs';
import { ItemParameters } from '../../shared/parameters';
import { Batches, withStore } from '../batches';
import { onlyFor } from '../description';
import { ItemEvent, currentScoreOf, isObject, withLeadScore } from '../itemEvent';
import { optionalModel, settingsFor, type ItemSettings } from '../modelResolution';
import { reportingOf, timeWindowFor } from '../nodeOptions';

export const description: INodeProperties[] = [
	{
		displayName: 'Event Name',
		name: 'eventName',
		type: 'string',
		default: '',
		placeholder: 'Empty: event of the Event Data',
		description:
			'The behaviour, e.g. "Viewed Page"; rules match it exactly. Empty reads "event" from the Event Data.',
		displayOptions: onlyFor('score'),
	},
	{
		displayName: 'Event ID',
		name: 'eventId',
		type: 'string',
		default: '',
		placeholder: 'Empty: eventId of the Event Data',
		description:
			'Unique ID of the event for this lead; an ID already counted for the lead is never counted again and answers with the outcome it had the first time (duplicate: true), so a sender\'s retry runs the steps after this one again. Two leads may use the same ID. Empty reads "eventId" from the Event Data (no ID when it has none).',
		displayOptions: onlyFor('score'),
	},
	{
		displayName: 'Event Time',
		name: 'eventTime',
		type: 'string',
		default: '',
		placeholder: 'Empty: time of the Event Data, else now',
		description:
			'When the event happened: ISO 8601 with a time zone (2026-11-23T07:00:00Z), a date, or epoch seconds or milliseconds. Empty reads "time" from the Event Data, and means now when it has none. Decay and caps run on event time, so late events count as of when they happened.',
		displayOptions: onlyFor('score'),
	},
	{
		displayName: 'Profile',
		name: 'profile',
		type: 'json',
		default: '',
		placeholder: 'Empty: profile of the Event Data',
		description:
			'Profile attributes for the fit rules (paths like profile.title). Empty reads "profile" from the Event Data; without a profile, the fit points from the last profile seen are kept.',
		displayOptions: onlyFor('score'),
	},
];

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

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const parameters = new ItemParameters(this);
	const outputs = new ItemOutputs(this, items.length);
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
				json.shadowScore = shadowResult.ok
					? shadowScoreOf(reported(shadowResult.value, shadow))
					: { error: shadowResult.error.message };
			outputs.set(itemIndex, json);
		});
	}
	return outputs.list();
}
