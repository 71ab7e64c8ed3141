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

import { type BrazeApiError, type BrazeObjectError, BrazeClient, type ProfileUpdate } from '../../lib/braze';
import { systemClock } from '../../lib/http/clock';
import { n8nCredentialTransport } from '../shared/httpTransport';
import { errorItem } from '../shared/itemError';
import { brazeUpdateProfileProperties } from './description';
import { ItemReader, type ItemProblem, readSettings } from './itemInputs';
import { CREDENTIAL_TYPE, limiterFor } from './transport';

function problemError(context: IExecuteFunctions, itemIndex: number, problem: ItemProblem): NodeOperationError {
	const where = problem.parameter ? `item ${itemIndex}, parameter "${problem.parameter}"` : `item ${itemIndex}`;
	const fix = problem.parameter ? `the "${problem.parameter}" parameter` : 'the expression';
	return new NodeOperationError(context.getNode(), `${problem.message} (${where})`, {
		itemIndex,
		description: `Nothing was sent to Braze for item ${itemIndex}. Fix ${fix} or the data it is mapped from.`,
	});
}

function describeObjectErrors(errors: BrazeObjectError[] | undefined): string {
	return (errors ?? []).map((error) => `${error.inputArray ?? 'request'}[${error.index ?? '?'}]: ${error.type}`).join('; ');
}

/** Braze's message and indexed errors, for the operator; the client redacts any quoted key. */
function apiError(context: IExecuteFunctions, itemIndex: number, error: BrazeApiError): NodeApiError {
	const description = [
		error.kind === 'object' ? 'Braze refused this item and applied the other items of the same request.' : '',
		error.errors ? `Braze errors: ${describeObjectErrors(error.errors)}` : '',
	]
		.filter(Boolean)
		.join(' ');
	return new NodeApiError(context.getNode(), error.toJSON() as unknown as JsonObject, {
		message: `Braze: ${error.message}`,
		description: description || undefined,
		httpCode: error.status === undefined ? undefined : String(error.status),
		itemIndex,
	});
}

export class BrazeUpdateProfile implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Braze Update Profile',
		name: 'brazeUpdateProfile',
		icon: { light: 'file:braze.svg', dark: 'file:braze.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{ "Identify by " + $parameter["identifyBy"] }}',
		description: 'Write lead scores and tiers to Braze user profiles as custom attributes, in batches, within Braze\'s rate limit',
		defaults: { name: 'Braze Update Profile' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: CREDENTIAL_TYPE, required: true }],
		properties: brazeUpdateProfileProperties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const continueOnFail = this.continueOnFail();
		const settings = readSettings(this);
		const reader = new ItemReader(this, settings, systemClock.now);
		const output: Array<INodeExecutionData | undefined> = new Array(items.length);

		// Check every item first: a bad item fails alone and nothing is sent for it.
		const updates: ProfileUpdate[] = [];
		const sentItems: number[] = [];
		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			let read;
			try {
				read = reader.read(itemIndex);
			} catch (error) {
				// An expression that throws while n8n evaluates it.
				read = { ok: false as const, problem: { message: (error as Error).message } };
			}
			if (read.ok) {
				updates.push(read.update);
				sentItems.push(itemIndex);
				continue;
			}
			const error = problemError(this, itemIndex, read.problem);
			if (!continueOnFail) throw error;
			output[itemIndex] = errorItem(itemIndex, error, { parameter: read.problem.parameter ?? null });
		}

		if (updates.length > 0) {
			const credentials = await this.getCredentials(CREDENTIAL_TYPE);
			const baseUrl = String(credentials.baseUrl ?? '');
			const client = new BrazeClient({
				transport: n8nCredentialTransport(this, CREDENTIAL_TYPE, { baseUrl }),
				clock: systemClock,
				limiter: limiterFor(baseUrl, String(credentials.apiKey ?? '')),
				retry: { maxRetries: settings.maxRetries },
				batchSize: settings.batchSize,
			});
			const result = await client.updateProfiles(updates, { stopOnError: !continueOnFail });

			// Without Continue On Fail the first item Braze refused anything of (in item order) stops the node.
			if (!continueOnFail) {
				const position = result.outcomes.findIndex((outcome) => outcome && (!outcome.ok || outcome.value.errors));
				const outcome = result.outcomes[position];
				if (outcome && !outcome.ok) throw apiError(this, sentItems[position]!, outcome.error as BrazeApiError);
				if (outcome?.ok) {
					throw new NodeApiError(this.getNode(), { errors: outcome.value.errors } as unknown as JsonObject, {
						message: `Braze: the event of item ${sentItems[position]} was refused: ${describeObjectErrors(outcome.value.errors)}`,
						description: 'Braze wrote its attributes and refused its event. Other items of the same request were applied.',
						itemIndex: sentItems[position],
					});
				}
			}

			const refusedEvents: number[] = [];
			result.outcomes.forEach((outcome, position) => {
				const itemIndex = sentItems[position]!;
				const update = updates[position]!;
				if (outcome?.ok) {
					const { attributesWritten, eventWritten, errors } = outcome.value;
					if (errors) refusedEvents.push(itemIndex);
					const braze: IDataObject = {
						updated: attributesWritten || eventWritten,
						attributes: attributesWritten ? update.attributes : {},
						event: eventWritten ? update.event!.name : null,
						...(errors ? { errors: errors as unknown as IDataObject[] } : {}),
					};
					output[itemIndex] = { json: { ...items[itemIndex]!.json, braze }, pairedItem: { item: itemIndex } };
				} else if (outcome) {
					const error = outcome.error as BrazeApiError;
					const fields = Object.entries(error.toJSON()).filter(([, value]) => value !== undefined);
					output[itemIndex] = errorItem(itemIndex, apiError(this, itemIndex, error), Object.fromEntries(fields) as IDataObject);
				}
			});
			const hints: string[] = [];
			if (refusedEvents.length > 0) hints.push(`Braze wrote the attributes but refused the event of ${refusedEvents.length} item(s) (items ${refusedEvents.slice(0, 10).join(', ')}); see braze.errors.`);
			if (result.unmatchedErrors.length > 0) hints.push(`Braze reported ${result.unmatchedErrors.length} error(s) that name no item: ${describeObjectErrors(result.unmatchedErrors.slice(0, 3))}`);
			for (const message of hints) this.addExecutionHints?.({ message, location: 'outputPane' });
		}
		return [output.filter((item): item is INodeExecutionData => item !== undefined)];
	}
}
