import {
	NodeApiError,
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type JsonObject,
} from 'n8n-workflow';

import type { Outcome } from '../../lib/outcome';
import { RequestFailure } from '../../lib/salesforce/batches';
import { SalesforceClient } from '../../lib/salesforce/client';
import { SalesforceApiError, SalesforceAuthError } from '../../lib/salesforce/errors';
import { markAsMql, type MarkMqlRequest } from '../../lib/salesforce/markMql';
import { StatusSetupError } from '../../lib/salesforce/statusOrder';
import { syncScores, type SyncScoreRequest } from '../../lib/salesforce/syncScore';
import { n8nCredentialTransport } from '../shared/httpTransport';
import { salesforceMarkMqlProperties } from './description';
import { readMarkMqlRequest, readSyncScoreRequest } from './parameters';

const CREDENTIAL_TYPE = 'salesforceClientCredentialsOAuth2Api';

type Operation = 'markMql' | 'syncScore';

/** An n8n error for the operator, built from the client's own message: never a token or secret. */
function nodeError(context: IExecuteFunctions, error: Error, itemIndex?: number): NodeApiError | NodeOperationError {
	if (error instanceof NodeOperationError || error instanceof NodeApiError) return error;
	if (error instanceof SalesforceApiError) {
		const details: JsonObject = { message: error.message, errorCode: error.errorCode, fields: error.fields };
		return new NodeApiError(context.getNode(), details, {
			message: `Salesforce: ${error.message}`,
			description: error.hint ?? `Salesforce error code ${error.errorCode}`,
			httpCode: String(error.status),
			itemIndex,
		});
	}
	if (error instanceof SalesforceAuthError) {
		return new NodeApiError(context.getNode(), { message: error.message, error: error.error } as JsonObject, {
			message: error.message,
			description: error.hint ?? 'Check the Salesforce credential.',
			itemIndex,
		});
	}
	if (error instanceof StatusSetupError) return new NodeOperationError(context.getNode(), error.message, { itemIndex, description: error.hint });
	return new NodeOperationError(context.getNode(), error.message, { itemIndex });
}

/** With Continue On Fail the message is all an error item carries, so it says what to do too. */
function itemErrorMessage(error: Error): string {
	if (error instanceof SalesforceApiError && error.isRequestLimit) {
		return `Salesforce: ${error.message} No further calls were made; run these leads again once the limit allows.`;
	}
	if (error instanceof SalesforceAuthError) return `${error.message}. ${error.hint ?? 'Check the Salesforce credential.'}`;
	if (error instanceof SalesforceApiError && error.status === 401) {
		return `Salesforce: ${error.message}. ${error.hint ?? 'Check the Salesforce credential.'} No further calls were made.`;
	}
	if (error instanceof StatusSetupError && error.hint) return `${error.message}. ${error.hint}`;
	return error.message;
}

export class SalesforceMarkMql implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Salesforce Mark MQL',
		name: 'salesforceMarkMql',
		icon: { light: 'file:salesforceMarkMql.svg', dark: 'file:salesforceMarkMql.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{ $parameter["operation"] === "syncScore" ? "Sync score" : "Mark MQL" }}',
		description: 'Hand qualified leads and contacts to sales (status MQL, never moved back), and keep their score fields in Salesforce current',
		defaults: { name: 'Salesforce Mark MQL' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: CREDENTIAL_TYPE, required: true }],
		properties: salesforceMarkMqlProperties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const continueOnFail = this.continueOnFail();
		const output: Array<INodeExecutionData | undefined> = new Array(items.length);
		const operation = this.getNodeParameter('operation', 0, 'markMql') as Operation;
		if (operation !== 'markMql' && operation !== 'syncScore') {
			throw new NodeOperationError(this.getNode(), `The operation "${String(operation)}" is not known`);
		}
		const requests: Array<MarkMqlRequest | SyncScoreRequest> = [];
		const requestItems: number[] = [];
		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			try {
				requests.push(operation === 'markMql' ? readMarkMqlRequest(this, itemIndex) : readSyncScoreRequest(this, itemIndex));
				requestItems.push(itemIndex);
			} catch (error) {
				if (!continueOnFail) throw nodeError(this, error as Error, itemIndex);
				output[itemIndex] = { json: { error: (error as Error).message }, pairedItem: { item: itemIndex } };
			}
		}

		const credentials = await this.getCredentials(CREDENTIAL_TYPE);
		let client: SalesforceClient;
		try {
			client = new SalesforceClient({
				// The credential adds the instance URL and the token.
				transport: n8nCredentialTransport(this, CREDENTIAL_TYPE, { refreshesToken: true }),
				apiVersion: String(credentials.apiVersion || 'v64.0'),
			});
		} catch (error) {
			throw new NodeOperationError(this.getNode(), (error as Error).message, {
				description: 'Fix the API Version in the Salesforce credential.',
			});
		}

		let outcomes: Array<Outcome<object>>;
		const options = { stopAfterFailure: !continueOnFail };
		try {
			outcomes =
				operation === 'markMql'
					? await markAsMql(client, requests as MarkMqlRequest[], options)
					: await syncScores(client, requests as SyncScoreRequest[], options);
		} catch (error) {
			if (error instanceof RequestFailure) throw nodeError(this, error.error, requestItems[error.index]);
			// REQUEST_LIMIT_EXCEEDED or a refused credential without Continue On Fail: nothing can go on.
			throw nodeError(this, error as Error);
		}
		outcomes.forEach((outcome, position) => {
			const itemIndex = requestItems[position];
			output[itemIndex] = outcome.ok
				? {
						json: { ...items[itemIndex].json, salesforce: outcome.value as unknown as IDataObject },
						pairedItem: { item: itemIndex },
					}
				: { json: { error: itemErrorMessage(outcome.error) }, pairedItem: { item: itemIndex } };
		});
		return [output.filter((item): item is INodeExecutionData => item !== undefined)];
	}
}
