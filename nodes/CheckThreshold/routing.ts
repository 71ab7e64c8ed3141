import { type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { normalizeLeadId } from '../../lib/scoring/inputs';
import type { Tier } from '../../lib/scoring/model';
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
import { decideCrossings, thresholdKeyFor, type LeadScores } from '../../lib/service/thresholdStates';
import { parseTiers, routeByScore, routeByTierName } from '../../lib/scoring/tierRoutes';
import { itemError } from '../shared/itemError';
import { ItemParameters } from '../shared/parameters';
import { openStore } from '../shared/store';

const CROSSING_OUTPUTS = { crossed: 'Crossed', notCrossed: 'Not Crossed', droppedBelow: 'Dropped Below' } as const;

/**
 * Routes each item to one output, keeping item order within every output. A failed item stops the
 * node, or with "Continue On Fail" becomes an error item on `errorOutput`; with "Continue (using
 * error output)" n8n moves it to the error output it adds after ours.
 */
class Router {
	private readonly routes: Array<{ output: number; item: INodeExecutionData } | undefined>;

	constructor(
		private readonly context: IExecuteFunctions,
		count: number,
		private readonly errorOutput: number,
	) {
		this.routes = new Array(count);
	}

	send(itemIndex: number, output: number, json: IDataObject): void {
		this.routes[itemIndex] = { output, item: { json, pairedItem: { item: itemIndex } } };
	}

	fail(itemIndex: number, error: Error): void {
		const nodeError = itemError.call(this.context, error, itemIndex);
		if (!this.context.continueOnFail()) throw nodeError;
		this.routes[itemIndex] = {
			output: this.errorOutput,
			item: { json: { error: nodeError.message }, pairedItem: { item: itemIndex } },
		};
	}

	/** At least `count` outputs; more if per-item tiers (from an expression) named a later one. */
	outputs(count: number): INodeExecutionData[][] {
		const length = this.routes.reduce((most, route) => (route ? Math.max(most, route.output + 1) : most), count);
		const outputs: INodeExecutionData[][] = Array.from({ length }, () => []);
		for (const route of this.routes) if (route) outputs[route.output].push(route.item);
		return outputs;
	}
}

const tiersCache = new Map<string, Tier[]>();

/** Parses the item's tiers once per distinct value. */
function tiersFor(this: IExecuteFunctions, itemIndex: number): Tier[] {
	const raw = ((this.getNodeParameter('tiers', itemIndex, {}) as IDataObject).tier as IDataObject[] | undefined) ?? [];
	const key = JSON.stringify(raw);
	let tiers = tiersCache.get(key);
	if (!tiers) {
		tiers = parseTiers(raw);
		if (tiersCache.size > 100) tiersCache.clear();
		tiersCache.set(key, tiers);
	}
	return tiers;
}

export function routeTiers(this: IExecuteFunctions): INodeExecutionData[][] {
	const items = this.getInputData();
	const parameters = new ItemParameters(this);
	// Errors with "Continue On Fail" go to the lowest tier, the one that triggers the least.
	const router = new Router(this, items.length, 0);
	const configured = ((this.getNodeParameter('tiers', 0, {}) as IDataObject).tier as unknown[] | undefined) ?? [];
	const source = this.getNodeParameter('tierSource', 0) as 'score' | 'item';
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const tiers = tiersFor.call(this, itemIndex);
			const threshold: IDataObject = { mode: 'tiers' };
			let route;
			if (source === 'item') {
				route = routeByTierName(parameters.get('tier', itemIndex), tiers);
			} else {
				const score = parseScore(parameters.get('score', itemIndex), 'score', 'The score');
				route = routeByScore(score, tiers);
				threshold.score = score;
			}
			threshold.tier = route.tier;
			router.send(itemIndex, route.output, { ...items[itemIndex].json, threshold });
		} catch (error) {
			router.fail(itemIndex, error as Error);
		}
	}
	return router.outputs(Math.max(configured.length, 1));
}

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
	settings: CrossingSettings;
	entries: Array<{ itemIndex: number; scores: LeadScores }>;
}

export async function routeCrossing(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const parameters = new ItemParameters(this);
	const withDroppedBelow = this.getNodeParameter('droppedBelowOutput', 0, false) as boolean;
	const outputOf = (decision: CrossingDecision): { index: number; name: string } => {
		if (decision.outcome === 'crossed') return { index: 0, name: CROSSING_OUTPUTS.crossed };
		if (decision.outcome === 'droppedBelow' && withDroppedBelow) return { index: 2, name: CROSSING_OUTPUTS.droppedBelow };
		return { index: 1, name: CROSSING_OUTPUTS.notCrossed };
	};
	// Errors with "Continue On Fail" go to "Not Crossed", never to the hand-off.
	const router = new Router(this, items.length, 1);
	const deliver = (itemIndex: number, settings: CrossingSettings, scores: Scores, decision: CrossingDecision) => {
		const output = outputOf(decision);
		router.send(itemIndex, output.index, {
			...items[itemIndex].json,
			threshold: crossingJson(settings, scores.score, scores.previousScore, decision, output.name),
		});
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
				const previousScore = parseScore(parameters.get('previousScore', itemIndex), 'previousScore', 'The previous score');
				const scores = { score, previousScore, replayed };
				deliver(itemIndex, settings, scores, decideCrossing(scores, settings));
				continue;
			}
			const previousScore = parseOptionalScore(parameters.get('previousScore', itemIndex, ''), 'previousScore', 'The previous score');
			const leadId = normalizeLeadId(parameters.get('leadId', itemIndex));
			const thresholdKey = thresholdKeyFor(
				this.getWorkflow().id,
				this.getNode().name,
				parameters.get('thresholdName', itemIndex, '') as string,
			);
			const batchKey = `${thresholdKey}\u0000${settings.threshold}\u0000${settings.hysteresis}`;
			let batch = batches.get(batchKey);
			if (!batch) batches.set(batchKey, (batch = { thresholdKey, settings, entries: [] }));
			const revision = parseRevision(parameters.get('revision', itemIndex, ''));
			batch.entries.push({ itemIndex, scores: { leadId, score, previousScore, revision, replayed } });
		} catch (error) {
			router.fail(itemIndex, error as Error);
		}
	}

	for (const { thresholdKey, settings, entries } of batches.values()) {
		let decisions: CrossingDecision[];
		try {
			const store = await openStore.call(this, this.getNodeParameter('store', entries[0].itemIndex, 'embedded') as 'embedded' | 'postgres');
			decisions = await decideCrossings(store, thresholdKey, settings, entries.map((entry) => entry.scores));
		} catch (error) {
			for (const { itemIndex } of entries) router.fail(itemIndex, error as Error);
			continue;
		}
		entries.forEach(({ itemIndex, scores }, index) => deliver(itemIndex, settings, scores, decisions[index]));
	}
	return router.outputs(withDroppedBelow ? 3 : 2);
}
