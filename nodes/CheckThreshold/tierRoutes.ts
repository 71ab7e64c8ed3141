import { type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import type { Tier } from '../../lib/scoring/model';
import { parseScore } from '../../lib/scoring/crossing';
import { parseTiers, routeByScore, routeByTierName } from '../../lib/scoring/tierRoutes';
import { ItemOutputs } from '../shared/itemOutputs';
import { ItemParameters } from '../shared/parameters';

const tiersCache = new Map<string, Tier[]>();

/** Parses the item's tiers once per distinct value. */
function tiersFor(parameters: ItemParameters, itemIndex: number): Tier[] {
	const raw =
		(parameters.get<IDataObject>('tiers', itemIndex, {}).tier as IDataObject[] | undefined) ?? [];
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
	const outputs = new ItemOutputs(this, items.length, 0);
	const configured =
		((this.getNodeParameter('tiers', 0, {}) as IDataObject).tier as unknown[] | undefined) ?? [];
	const source = this.getNodeParameter('tierSource', 0) as 'score' | 'item';
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const tiers = tiersFor(parameters, itemIndex);
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
			outputs.set(itemIndex, { ...items[itemIndex].json, threshold }, route.output);
		} catch (error) {
			outputs.fail(itemIndex, error as Error);
		}
	}
	return outputs.outputs(Math.max(configured.length, 1));
}
