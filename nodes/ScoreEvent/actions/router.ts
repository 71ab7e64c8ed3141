import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import * as adjust from './adjust.operation';
import * as applyDecay from './applyDecay.operation';
import * as backtest from './backtest.operation';
import * as dashboard from './dashboard.operation';
import * as get from './get.operation';
import * as listLeads from './listLeads.operation';
import * as rescore from './rescore.operation';
import * as score from './score.operation';

type Operation = (this: IExecuteFunctions) => Promise<INodeExecutionData[]>;

const OPERATIONS = {
	score: score.execute,
	get: get.execute,
	adjust: adjust.execute,
	applyDecay: applyDecay.execute,
	rescore: rescore.execute,
	backtest: backtest.execute,
	listLeads: listLeads.execute,
	dashboard: dashboard.execute,
} satisfies Record<string, Operation>;

type ScoreEventOperation = keyof typeof OPERATIONS;

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const operation = this.getNodeParameter('operation', 0) as string;
	// An operation this version does not know (a workflow from a newer one) fails, rather than scoring events.
	if (!Object.hasOwn(OPERATIONS, operation))
		throw new NodeOperationError(
			this.getNode(),
			`Score Event has no operation "${operation}"; choose one of the listed operations.`,
		);
	return [await OPERATIONS[operation as ScoreEventOperation].call(this)];
}
