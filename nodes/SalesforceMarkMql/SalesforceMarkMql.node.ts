import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import type { Outcome } from '../../lib/outcome';
import { RequestFailure } from '../../lib/salesforce/batches';
import { SalesforceClient } from '../../lib/salesforce/client';
import { SalesforceApiError, SalesforceAuthError } from '../../lib/salesforce/errors';
import { markAsMql, type MarkMqlRequest } from '../../lib/salesforce/markMql';
import { StatusSetupError } from '../../lib/salesforce/statusOrder';
import { syncScores, type SyncScoreRequest } from '../../lib/salesforce/syncScore';
import { n8nCredentialTransport } from '../shared/httpTransport';
import { ItemOutputs } from '../shared/itemOutputs';
import { toNodeError } from '../shared/nodeErrors';
import { salesforceMarkMqlProperties } from './description';
import { RequestReader } from './parameters';

const CREDENTIAL_TYPE = 'salesforceClientCredentialsOAuth2Api';

type Operation = 'markMql' | 'syncScore';

/** With Continue On Fail the message is all an error item carries, so it says what to do too. */
function itemErrorMessage(error: Error): string {
	if (error instanceof SalesforceApiError && error.isRequestLimit) {
		return `Salesforce: ${error.message} No further calls were made; run these leads again once the limit allows.`;
	}
	if (error instanceof SalesforceAuthError)
		return `${error.message}. ${error.hint ?? 'Check the Salesforce credential.'}`;
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
		description:
			'Hand qualified leads and contacts to sales (status MQL, never moved back), and keep their score fields in Salesforce current',
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
		const outputs = new ItemOutputs(this, items.length);
		const operation = this.getNodeParameter('operation', 0, 'markMql') as Operation;
		if (operation !== 'markMql' && operation !== 'syncScore') {
			throw new NodeOperationError(
				this.getNode(),
				`The operation "${String(operation)}" is not known`,
			);
		}
		const reader = new RequestReader(this);
		const requests: Array<MarkMqlRequest | SyncScoreRequest> = [];
		const requestItems: number[] = [];
		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			try {
				requests.push(
					operation === 'markMql' ? reader.markMql(itemIndex) : reader.syncScore(itemIndex),
				);
				requestItems.push(itemIndex);
			} catch (error) {
				outputs.fail(itemIndex, error as Error);
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
			if (error instanceof RequestFailure)
				throw toNodeError(this.getNode(), error.error, requestItems[error.index]);
			// REQUEST_LIMIT_EXCEEDED or a refused credential without Continue On Fail: nothing can go on.
			throw toNodeError(this.getNode(), error as Error);
		}
		outcomes.forEach((outcome, position) => {
			const itemIndex = requestItems[position];
			if (outcome.ok)
				outputs.set(itemIndex, {
					...items[itemIndex].json,
					salesforce: outcome.value as unknown as IDataObject,
				});
			else outputs.fail(itemIndex, outcome.error, { message: itemErrorMessage(outcome.error) });
		});
		return [outputs.list()];
	}
}
