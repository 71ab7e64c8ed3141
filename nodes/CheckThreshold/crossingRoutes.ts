import { type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { normalizeLeadId } from '../../lib/scoring/inputs';
import {
	decideCrossing,
	parseCrossingSettings,
	parseOptionalScore,
	parseReplayed,
	parseRevision,
	parseScore,
	type CrossingDecision,
	type CrossingSettings,
	type Scores,
} from '../../lib/scoring/crossing';
import {
	decideCrossings,
	thresholdKeyFor,
	type LeadScores,
} from '../../lib/service/thresholdStates';
import { ItemOutputs } from '../shared/itemOutputs';
import { ItemParameters } from '../shared/parameters';
import { openStore, storeKeyOf, type StoreKind } from '../shared/storeAccess';

const CROSSING_OUTPUTS = {
	crossed: 'Crossed',
	notCrossed: 'Not Crossed',
	droppedBelow: 'Dropped Below',
} as const;

function crossingJson(
	settings: CrossingSettings,
	score: number,
	previousScore: number | undefined,
	decision: CrossingDecision,
	output: string,
): IDataObject {
	return {
		mode: 'crossing',
		crossed: decision.outcome === 'crossed',
		droppedBelow: decision.outcome === 'droppedBelow',
		threshold: settings.threshold,
		hysteresis: settings.hysteresis,
		score,
		...(previousScore === undefined ? {} : { previousScore }),
		...(decision.stale ? { stale: true } : {}),
		...(decision.replayed ? { replayed: true } : {}),
		output,
	};
}

interface PendingBatch {
	thresholdKey: string;
	storeKind: StoreKind;
	settings: CrossingSettings;
	entries: Array<{ itemIndex: number; scores: LeadScores }>;
}

export async function routeCrossing(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const parameters = new ItemParameters(this);
	const withDroppedBelow = this.getNodeParameter('droppedBelowOutput', 0, false) as boolean;
	const outputOf = (decision: CrossingDecision): { index: number; name: string } => {
		if (decision.outcome === 'crossed') return { index: 0, name: CROSSING_OUTPUTS.crossed };
		if (decision.outcome === 'droppedBelow' && withDroppedBelow)
			return { index: 2, name: CROSSING_OUTPUTS.droppedBelow };
		return { index: 1, name: CROSSING_OUTPUTS.notCrossed };
	};
	// Errors with "Continue On Fail" go to "Not Crossed", never to the hand-off.
	const outputs = new ItemOutputs(this, items.length, 1);
	const deliver = (
		itemIndex: number,
		settings: CrossingSettings,
		scores: Scores,
		decision: CrossingDecision,
	) => {
		const output = outputOf(decision);
		outputs.set(
			itemIndex,
			{
				...items[itemIndex].json,
				threshold: crossingJson(
					settings,
					scores.score,
					scores.previousScore,
					decision,
					output.name,
				),
			},
			output.index,
		);
	};

	const batches = new Map<string, PendingBatch>();
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const settings = parseCrossingSettings(
				parameters.get('threshold', itemIndex),
				parameters.get('hysteresis', itemIndex, 0),
			);
			const score = parseScore(parameters.get('score', itemIndex), 'score', 'The score');
			const replayed = parseReplayed(parameters.get('replayed', itemIndex, ''));
			if (settings.hysteresis === 0) {
				const previousScore = parseScore(
					parameters.get('previousScore', itemIndex),
					'previousScore',
					'The previous score',
				);
				const scores = { score, previousScore, replayed };
				deliver(itemIndex, settings, scores, decideCrossing(scores, settings));
				continue;
			}
			const previousScore = parseOptionalScore(
				parameters.get('previousScore', itemIndex, ''),
				'previousScore',
				'The previous score',
			);
			const leadId = normalizeLeadId(parameters.get('leadId', itemIndex));
			const thresholdKey = thresholdKeyFor(
				this.getWorkflow().id,
				this.getNode().name,
				parameters.get('thresholdName', itemIndex, '') as string,
			);
			// Read per item like every parameter: the store can be chosen by an expression.
			const storeKind = parameters.get<StoreKind>('store', itemIndex, 'embedded');
			const batchKey = `${storeKeyOf(parameters, storeKind, itemIndex)}\u0000${thresholdKey}\u0000${settings.threshold}\u0000${settings.hysteresis}`;
			let batch = batches.get(batchKey);
			if (!batch)
				batches.set(batchKey, (batch = { thresholdKey, storeKind, settings, entries: [] }));
			const revision = parseRevision(parameters.get('revision', itemIndex, ''));
			batch.entries.push({
				itemIndex,
				scores: { leadId, score, previousScore, revision, replayed },
			});
		} catch (error) {
			outputs.fail(itemIndex, error as Error);
		}
	}

	for (const { thresholdKey, storeKind, settings, entries } of batches.values()) {
		let decisions: CrossingDecision[];
		try {
			const store = await openStore(this, storeKind, entries[0].itemIndex);
			decisions = await decideCrossings(
				store,
				thresholdKey,
				settings,
				entries.map((entry) => entry.scores),
			);
		} catch (error) {
			for (const { itemIndex } of entries) outputs.fail(itemIndex, error as Error);
			continue;
		}
		entries.forEach(({ itemIndex, scores }, index) =>
			deliver(itemIndex, settings, scores, decisions[index]),
		);
	}
	return outputs.outputs(withDroppedBelow ? 3 : 2);
}
