import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import { readScores } from '../../../lib/service/readScores';
import { InputError, normalizeLeadId, parseEventTime } from '../../../lib/scoring/inputs';
import { readingAsReported } from '../../../lib/scoring/reporting';
import { scoreAsOf, timelinePages } from '../../../lib/service/leadHistory';
import { ItemOutputs } from '../../shared/itemOutputs';
import { ItemParameters } from '../../shared/parameters';
import { openStore } from '../../shared/storeAccess';
import { Batches } from '../batches';
import { returnAllAndLimit } from '../description';
import { ItemEvent, currentScoreOf, withLeadScore } from '../itemEvent';
import { settingsFor } from '../modelResolution';
import { reportingOf, reportingOrFailAll, timeWindowFor } from '../nodeOptions';
import { maxResults, optionalTime, perItemOnStore, withReportedScore } from '../storedLeads';

const timeline = { show: { operation: ['get'], getMode: ['timeline'] } };

export const description: INodeProperties[] = [
	{
		displayName: 'Read',
		name: 'getMode',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Current Score',
				value: 'current',
				description: 'The score now, with decay up to now, and the latest changes',
			},
			{
				name: 'Score As Of',
				value: 'asOf',
				description: 'The score, tier and reasons as they stood at a past time, from the history',
			},
			{
				name: 'Timeline',
				value: 'timeline',
				description: 'Every change of the lead in a time range, one item per change',
			},
		],
		default: 'current',
		displayOptions: { show: { operation: ['get'] } },
	},
	{
		displayName: 'As Of',
		name: 'historyAsOf',
		type: 'string',
		required: true,
		default: '',
		placeholder: '2026-11-03T15:00:00Z',
		description:
			'The past time (ISO date or epoch seconds): the answer is the latest change committed at or before it',
		displayOptions: { show: { operation: ['get'], getMode: ['asOf'] } },
	},
	{
		displayName: 'From',
		name: 'historyFrom',
		type: 'string',
		default: '={{ $now.minus({ days: 30 }).toISO() }}',
		description:
			'Start of the time range of changes (ISO date); empty means the oldest kept change',
		displayOptions: timeline,
	},
	{
		displayName: 'To',
		name: 'historyTo',
		type: 'string',
		default: '',
		description: 'End of the time range (ISO date); empty means now',
		displayOptions: timeline,
	},
	...returnAllAndLimit(timeline),
];

/** Get Score's As Of and Timeline: the lead's past, from the history of its changes. */
async function historyOperation(
	this: IExecuteFunctions,
	mode: 'asOf' | 'timeline',
): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	return await perItemOnStore.call(this, async (store, settings, parameters, itemIndex) => {
		const leadId = normalizeLeadId(
			new ItemEvent(parameters, itemIndex, items[itemIndex], settings.model).field('leadId'),
		);
		const window = timeWindowFor.call(this, Date.now())();
		if (mode === 'asOf') {
			const raw = parameters.get('historyAsOf', itemIndex, '');
			if (raw === '' || raw === null || raw === undefined)
				throw new InputError('historyAsOf', 'As Of needs a time, e.g. 2026-11-03T15:00:00Z.');
			const reading = await scoreAsOf(
				store,
				settings.scoreName,
				leadId,
				parseEventTime(raw, window, 'historyAsOf'),
			);
			const reporting = reportingOf.call(this);
			return [
				{
					json: withLeadScore(
						items[itemIndex],
						reading.score === null
							? reading
							: withReportedScore({ ...reading, score: reading.score }, reporting),
					),
				},
			];
		}
		const now = Date.now();
		const from =
			optionalTime(parameters.get('historyFrom', itemIndex, ''), window, 'historyFrom') ?? 0;
		const to = optionalTime(parameters.get('historyTo', itemIndex, ''), window, 'historyTo') ?? now;
		if (from > to)
			throw new InputError(
				'historyFrom',
				`From (${new Date(from).toISOString()}) is after To (${new Date(to).toISOString()}).`,
			);
		const out: INodeExecutionData[] = [];
		for await (const page of timelinePages(
			store,
			settings.scoreName,
			leadId,
			{ from, to },
			maxResults(parameters, itemIndex),
		)) {
			for (const entry of page) out.push({ json: entry as unknown as IDataObject });
		}
		return out;
	});
}

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const mode = this.getNodeParameter('getMode', 0, 'current') as 'current' | 'asOf' | 'timeline';
	if (mode !== 'current') return await historyOperation.call(this, mode);
	const items = this.getInputData();
	const parameters = new ItemParameters(this);
	const outputs = new ItemOutputs(this, items.length);
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
	const reporting = reportingOrFailAll.call(this, outputs);
	if (!reporting) return outputs.list();
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
				await openStore(this, settings.storeKind, entries[0].itemIndex),
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
						withLeadScore(
							items[itemIndex],
							readingAsReported(reading.value, settings.model.tiers, reporting),
						),
					);
			}
		} catch (error) {
			for (const { itemIndex } of entries) outputs.fail(itemIndex, error as Error);
		}
	}
	return outputs.list();
}
