import {
	NodeApiError,
	NodeConnectionTypes,
	NodeOperationError,
	sleep,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type JsonObject,
} from 'n8n-workflow';

import { SalesforceClient, type FieldValue } from '../../lib/salesforce/client';
import { SalesforceApiError, SalesforceAuthError } from '../../lib/salesforce/errors';
import { markLeadsAsMql, RequestFailure, type LeadLookup, type MarkMqlRequest } from '../../lib/salesforce/markMql';
import { salesforceMarkMqlProperties } from './description';
import { CREDENTIAL_TYPE, n8nTransport } from './transport';

function readLookup(context: IExecuteFunctions, itemIndex: number): LeadLookup {
	const findBy = context.getNodeParameter('findBy', itemIndex) as LeadLookup['findBy'];
	const text = (name: string) => String(context.getNodeParameter(name, itemIndex, '') ?? '');
	switch (findBy) {
		case 'id':
			return { findBy, leadId: text('leadId') };
		case 'externalId':
			return { findBy, field: text('externalIdField').trim(), value: text('externalIdValue') };
		default:
			return { findBy: 'email', email: text('email') };
	}
}

function readRequest(context: IExecuteFunctions, itemIndex: number): MarkMqlRequest {
	const extra = context.getNodeParameter('extraFields.field', itemIndex, []) as Array<{ name: string; value: unknown }>;
	const fields: Record<string, FieldValue> = {};
	for (const { name, value } of extra) {
		if (!name.trim()) continue;
		if (value !== null && typeof value === 'object') {
			throw new NodeOperationError(context.getNode(), `The value of extra field ${name} must be text, a number or true/false`, {
				itemIndex,
			});
		}
		fields[name.trim()] = (value ?? null) as FieldValue;
	}
	return {
		lookup: readLookup(context, itemIndex),
		statusField: (context.getNodeParameter('statusField', itemIndex) as string).trim(),
		mqlStatus: (context.getNodeParameter('mqlStatus', itemIndex) as string).trim(),
		skipStatuses: (context.getNodeParameter('skipStatuses', itemIndex, '') as string)
			.split(',')
			.map((status) => status.trim())
			.filter(Boolean),
		fields,
	};
}

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
	return new NodeOperationError(context.getNode(), error.message, { itemIndex });
}

/** With Continue On Fail the message is all an error item carries, so it says what to do too. */
function itemErrorMessage(error: Error): string {
	if (error instanceof SalesforceApiError && error.isRequestLimit) {
		return `Salesforce: ${error.message} No further calls were made; run these leads again once the limit allows.`;
	}
	if (error instanceof SalesforceAuthError) return `${error.message}. ${error.hint ?? 'Check the Salesforce credential.'}`;
	return error.message;
}

export class SalesforceMarkMql implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Salesforce Mark MQL',
		name: 'salesforceMarkMql',
		icon: { light: 'file:salesforceMarkMql.svg', dark: 'file:salesforceMarkMql.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{ "Set " + $parameter["statusField"] + " to " + $parameter["mqlStatus"] }}',
		description: 'Hand qualified leads to sales: set the Salesforce lead status to MQL, never downgrading a lead',
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
		const requests: MarkMqlRequest[] = [];
		const requestItems: number[] = [];
		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			try {
				requests.push(readRequest(this, itemIndex));
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
				transport: n8nTransport(this),
				apiVersion: String(credentials.apiVersion || 'v64.0'),
				sleep: async (ms) => await sleep(ms),
			});
		} catch (error) {
			throw new NodeOperationError(this.getNode(), (error as Error).message, {
				description: 'Fix the API Version in the Salesforce credential.',
			});
		}

		let outcomes;
		try {
			outcomes = await markLeadsAsMql(client, requests, { stopAfterFailure: !continueOnFail });
		} catch (error) {
			if (error instanceof RequestFailure) throw nodeError(this, error.error, requestItems[error.index]);
			// REQUEST_LIMIT_EXCEEDED or a refused credential without Continue On Fail: nothing can go on.
			throw nodeError(this, error as Error);
		}
		outcomes.forEach((outcome, position) => {
			const itemIndex = requestItems[position];
			output[itemIndex] = outcome.ok
				? {
						json: { ...items[itemIndex].json, salesforce: outcome.result as unknown as IDataObject },
						pairedItem: { item: itemIndex },
					}
				: { json: { error: itemErrorMessage(outcome.error) }, pairedItem: { item: itemIndex } };
		});
		return [output.filter((item): item is INodeExecutionData => item !== undefined)];
	}
}
