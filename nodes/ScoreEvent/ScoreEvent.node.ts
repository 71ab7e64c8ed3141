import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import * as adjust from './actions/adjust.operation';
import * as applyDecay from './actions/applyDecay.operation';
import * as backtest from './actions/backtest.operation';
import * as dashboard from './actions/dashboard.operation';
import * as get from './actions/get.operation';
import * as listLeads from './actions/listLeads.operation';
import * as rescore from './actions/rescore.operation';
import { router } from './actions/router';
import * as score from './actions/score.operation';
import {
	eventProperties,
	operationProperty,
	sharedProperties,
	sweepProperties,
} from './description';
import { TEST_SCORE_SUFFIX, usesTestScore } from './testScore';

export class ScoreEvent implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Score Event',
		name: 'scoreEvent',
		icon: { light: 'file:scoreEvent.svg', dark: 'file:scoreEvent.dark.svg' },
		group: ['transform'],
		// Version 2: Rules Below starts with the example model's rules, as the JSON Model does (version 1 starts empty).
		version: [1, 2],
		defaultVersion: 2,
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
		// In the editor's order: the operation, the event it reads, each operation's own parameters, then the model and store.
		properties: [
			operationProperty,
			...eventProperties,
			...score.description,
			...backtest.description,
			...adjust.description,
			...sweepProperties,
			...applyDecay.description,
			...rescore.description,
			...get.description,
			...listLeads.description,
			...dashboard.description,
			...sharedProperties,
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		if (usesTestScore.call(this)) {
			const scoreName = String(this.getNodeParameter('scoreName', 0, 'default'));
			this.addExecutionHints({
				message: `Test run: this node worked on the test score "${scoreName}${TEST_SCORE_SUFFIX}", the live score "${scoreName}" is unchanged. Published workflows use the live score; Options → Editor Test Runs changes this.`,
				location: 'outputPane',
			});
		}
		return await router.call(this);
	}
}
