import {
	NodeConnectionTypes,
	NodeOperationError,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { scoreEventProperties } from './description';
import { adjustOperation } from './actions/adjust';
import { backtestOperation } from './actions/backtest';
import { getOperation } from './actions/get';
import { scoreOperation } from './actions/score';
import { applyDecayOperation, rescoreOperation } from './actions/sweeps';
import { TEST_SCORE_SUFFIX, usesTestScore } from './items';
import { dashboardOperation, listLeadsOperation } from './actions/views';

export class ScoreEvent implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Score Event',
		name: 'scoreEvent',
		icon: { light: 'file:scoreEvent.svg', dark: 'file:scoreEvent.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle:
			'={{ ({ score: "Score event", get: "Get score", adjust: "Adjust score", applyDecay: "Apply decay", rescore: "Re-score leads", backtest: "Backtest model", listLeads: "List leads", dashboard: "Score dashboard" })[$parameter["operation"]] + " · " + $parameter["scoreName"] }}',
		description: 'Score lead behaviour and profile fit with decay and tiers, kept in a store',
		defaults: { name: 'Score Event' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		// The PostgreSQL store uses n8n's own Postgres credential, so operators reuse the one they have;
		// n8n's verification rule allows a package only its own credentials (see README, Design decisions).
		/* eslint-disable @n8n/community-nodes/no-credential-reuse, @n8n/community-nodes/valid-credential-references, n8n-nodes-base/node-class-description-credentials-name-unsuffixed */
		credentials: [
			{ name: 'postgres', required: true, displayOptions: { show: { store: ['postgres'] } } },
		],
		/* eslint-enable @n8n/community-nodes/no-credential-reuse, @n8n/community-nodes/valid-credential-references, n8n-nodes-base/node-class-description-credentials-name-unsuffixed */
		properties: scoreEventProperties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		if (usesTestScore.call(this)) {
			const scoreName = String(this.getNodeParameter('scoreName', 0, 'default'));
			this.addExecutionHints({
				message: `Test run: this node worked on the test score "${scoreName}${TEST_SCORE_SUFFIX}", the live score "${scoreName}" is unchanged. Published workflows use the live score; Options → Editor Test Runs changes this.`,
				location: 'outputPane',
			});
		}
		return [await runOperation.call(this)];
	}
}

const OPERATIONS: Record<string, (this: IExecuteFunctions) => Promise<INodeExecutionData[]>> = {
	score: scoreOperation,
	get: getOperation,
	adjust: adjustOperation,
	applyDecay: applyDecayOperation,
	rescore: rescoreOperation,
	backtest: backtestOperation,
	listLeads: listLeadsOperation,
	dashboard: dashboardOperation,
};

async function runOperation(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const operation = this.getNodeParameter('operation', 0) as string;
	const run = Object.hasOwn(OPERATIONS, operation) ? OPERATIONS[operation] : undefined;
	// An operation this version does not know (a workflow from a newer one) fails, rather than scoring events.
	if (!run)
		throw new NodeOperationError(
			this.getNode(),
			`Score Event has no operation "${operation}"; choose one of the listed operations.`,
		);
	return await run.call(this);
}
