import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type NodeApiError,
} from 'n8n-workflow';

import { BacktestError } from '../../lib/scoring/backtest';
import { InputError } from '../../lib/scoring/inputs';
import { ModelError } from '../../lib/scoring/model';
import { TierError } from '../../lib/scoring/tierRoutes';

/** An error for one item, naming the item and, where one is to blame, the parameter to fix. */
export function itemError(
	this: IExecuteFunctions,
	error: Error,
	itemIndex: number,
): NodeOperationError {
	if (error instanceof NodeOperationError) return error;
	if (error instanceof ModelError || error instanceof TierError) {
		const [subject, field] =
			error instanceof ModelError ? ['The scoring model is', error.field] : ['The tiers are', 'tiers'];
		return new NodeOperationError(
			this.getNode(),
			`${subject} invalid (item ${itemIndex}, parameter "${field}")`,
			{
				itemIndex,
				description: error.issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'),
			},
		);
	}
	if (error instanceof InputError || error instanceof BacktestError) {
		return new NodeOperationError(
			this.getNode(),
			`${error.message} (item ${itemIndex}, parameter "${error.field}")`,
			{ itemIndex },
		);
	}
	return new NodeOperationError(this.getNode(), `${error.message} (item ${itemIndex})`, {
		itemIndex,
	});
}

/** An error item that n8n can route to the error output: its JSON holds only `error` and `details`. */
export function errorItem(itemIndex: number, error: NodeOperationError | NodeApiError, details: IDataObject): INodeExecutionData {
	return { json: { error: error.message, details: { ...details, description: error.description ?? null } }, pairedItem: { item: itemIndex } };
}
