import {
	decideCrossing,
	type CrossingDecision,
	type CrossingSettings,
	type Scores,
	type ThresholdState,
} from '../scoring/crossing';
import type { ScoreStore } from '../store/scoreStore';

export interface LeadScores extends Scores {
	leadId: string;
}

/** Where a node keeps its crossing memory: its own name, or the workflow and node it belongs to. */
export function thresholdKeyFor(
	workflowId: string | undefined,
	nodeName: string,
	thresholdName?: string,
): string {
	const name = thresholdName?.trim();
	if (name) return `name:${name}`;
	return `node:${workflowId ?? 'unsaved'}/${nodeName}`;
}

/**
 * Decides a batch of scores against the leads' stored crossing memory in one atomic store step,
 * so executions running at the same time (webhooks in parallel, queue-mode workers) never hand
 * the same rise to sales twice. Scores of one lead are decided in the order given.
 */
export async function decideCrossings(
	store: ScoreStore,
	thresholdKey: string,
	settings: CrossingSettings,
	batch: LeadScores[],
): Promise<CrossingDecision[]> {
	let decisions: CrossingDecision[] = [];
	const leadIds = [...new Set(batch.map((entry) => entry.leadId))];
	await store.updateThresholdStates(thresholdKey, leadIds, (stored) => {
		const states = new Map<string, ThresholdState>(stored);
		const touched = new Map<string, ThresholdState>();
		decisions = batch.map((entry) => {
			const decision = decideCrossing(entry, settings, states.get(entry.leadId));
			states.set(entry.leadId, decision.state);
			touched.set(entry.leadId, decision.state);
			return decision;
		});
		return touched;
	});
	return decisions;
}
