/** Items that share a model, score name and store are scored as one batch, in one store step. */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { LeadScore } from '../../lib/scoring/leadScore';
import { failed, type Outcome } from '../../lib/outcome';
import type { ScoringModel } from '../../lib/scoring/model';
import { pruneIfDue } from '../../lib/service/retention';
import type { ScoreStore } from '../../lib/store/scoreStore';
import type { ItemOutputs } from '../shared/itemOutputs';
import { openStore, type StoreKind } from '../shared/storeAccess';
import { withLeadScore } from './itemEvent';
import type { ItemSettings } from './modelResolution';
import { retentionOf } from './nodeOptions';

/** Groups items that share a model, score name and store, so each group is one batch. */
export class Batches<T> {
	readonly groups = new Map<
		string,
		{
			settings: ItemSettings;
			entries: Array<{ itemIndex: number; input: T; currentScore?: number }>;
		}
	>();

	add(settings: ItemSettings, itemIndex: number, input: T, currentScore?: number): void {
		let group = this.groups.get(settings.key);
		if (!group) this.groups.set(settings.key, (group = { settings, entries: [] }));
		group.entries.push({ itemIndex, input, currentScore });
	}
}

export function deliver(
	this: IExecuteFunctions,
	outputs: ItemOutputs,
	items: INodeExecutionData[],
	entries: Array<{ itemIndex: number }>,
	results: Array<Outcome<LeadScore>>,
	report: (leadScore: LeadScore) => object,
): void {
	results.forEach((result, index) => {
		const { itemIndex } = entries[index];
		if (!result.ok) outputs.fail(itemIndex, result.error);
		else outputs.set(itemIndex, withLeadScore(items[itemIndex], report(result.value)));
	});
}

/**
 * Opens the store, forgets this score's history past its retention, and runs `work`; a store that
 * cannot be opened, or a bad retention option, fails every item of the batch.
 */
export async function withStore(
	this: IExecuteFunctions,
	score: { storeKind: StoreKind; scoreName: string; model: ScoringModel },
	entries: Array<{ itemIndex: number }>,
	work: (store: ScoreStore) => Promise<Array<Outcome<LeadScore>>>,
): Promise<Array<Outcome<LeadScore>>> {
	let store: ScoreStore;
	try {
		const retention = retentionOf.call(this);
		store = await openStore(this, score.storeKind, entries[0].itemIndex);
		await pruneIfDue(store, score.model, score.scoreName, retention);
	} catch (error) {
		return entries.map(() => failed(error as Error));
	}
	return await work(store);
}
