import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import {
	type BatchOutcomes,
	type EventInput,
	type ImportError,
	type KlaviyoApiError,
	type ProfileInput,
} from '../../lib/klaviyo';
import { errorItem } from '../shared/itemError';
import { CREDENTIAL_TYPE, klaviyoClientFor, klaviyoNodeError } from '../shared/klaviyoTransport';
import { klaviyoUpsertProfileProperties } from './description';
import { type ItemInput, type ItemProblem, readEventInput, readProfileInput } from './itemInputs';

type Operation = 'upsertProfile' | 'createEvent';

interface Settings {
	concurrency: number;
	bulkThreshold: number;
	eventBulkThreshold: number;
	bulkTimeoutSeconds: number;
	maxRetries: number;
	maxWaitSeconds: number;
	maxTotalWaitSeconds: number;
}

function readSettings(context: IExecuteFunctions): Settings {
	const options = context.getNodeParameter('options', 0, {}) as Partial<Record<string, number>>;
	const whole = (value: number | undefined, fallback: number, min: number) =>
		Math.max(min, Math.floor(Number.isFinite(value) ? (value as number) : fallback));
	return {
		concurrency: whole(options.concurrency, 5, 1),
		bulkThreshold: whole(options.bulkThreshold, 100, 0),
		eventBulkThreshold: whole(options.eventBulkThreshold, 100, 0),
		bulkTimeoutSeconds: whole(options.bulkTimeout, 600, 10),
		maxRetries: whole(options.maxRetries, 3, 0),
		// At most an hour: a wait never reaches what setTimeout can hold (24.8 days).
		maxWaitSeconds: Math.min(3600, whole(options.maxWait, 60, 1)),
		maxTotalWaitSeconds: Math.min(3600, whole(options.maxTotalWait, 300, 1)),
	};
}

function problemError(context: IExecuteFunctions, itemIndex: number, problem: ItemProblem): NodeOperationError {
	const where = problem.parameter ? `item ${itemIndex}, parameter "${problem.parameter}"` : `item ${itemIndex}`;
	const fix = problem.parameter ? `the "${problem.parameter}" parameter` : 'the expression';
	return new NodeOperationError(context.getNode(), `${problem.message} (${where})`, {
		itemIndex,
		description: `Nothing was sent to Klaviyo for item ${itemIndex}. Fix ${fix} or the data it is mapped from.`,
	});
}

/**
 * Import errors Klaviyo reported that name no profile of the job: they cannot fail an item,
 * so they are shown beside the output instead of being lost.
 */
function reportUnmatchedImportErrors(context: IExecuteFunctions, errors: ImportError[]): void {
	if (errors.length === 0) return;
	const examples = errors
		.slice(0, 3)
		.map((error) => `${error.code}: ${error.detail}`)
		.join('; ');
	context.addExecutionHints?.({
		message: `Klaviyo reported ${errors.length} bulk import error(s) that could not be traced to an item, e.g. ${examples}`,
		location: 'outputPane',
	});
}

export class KlaviyoUpsertProfile implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Klaviyo Upsert Profile',
		name: 'klaviyoUpsertProfile',
		icon: { light: 'file:klaviyo.svg', dark: 'file:klaviyo.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{ $parameter["operation"] === "createEvent" ? "Create event: " + $parameter["metricName"] : "Upsert profile" }}',
		description: 'Write lead scores and tiers to Klaviyo profiles, or record score events, within Klaviyo\'s rate limits',
		defaults: { name: 'Klaviyo Upsert Profile' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: CREDENTIAL_TYPE, required: true }],
		properties: klaviyoUpsertProfileProperties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const operation = this.getNodeParameter('operation', 0) as Operation;
		const continueOnFail = this.continueOnFail();
		const settings = readSettings(this);
		const output: Array<INodeExecutionData | undefined> = new Array(items.length);

		// Check every item first: a bad item fails alone and nothing is sent for it.
		const inputs: Array<ProfileInput | EventInput> = [];
		const sentItems: number[] = [];
		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			let read: ItemInput<ProfileInput | EventInput>;
			try {
				read = operation === 'createEvent' ? readEventInput(this, itemIndex) : readProfileInput(this, itemIndex);
			} catch (error) {
				// An expression that throws while n8n evaluates it.
				read = { ok: false, problem: { message: (error as Error).message } };
			}
			if (read.ok) {
				inputs.push(read.value);
				sentItems.push(itemIndex);
				continue;
			}
			const error = problemError(this, itemIndex, read.problem);
			if (!continueOnFail) throw error;
			output[itemIndex] = errorItem(itemIndex, error, { parameter: read.problem.parameter ?? null });
		}

		if (inputs.length > 0) {
			const client = await klaviyoClientFor(this, {
				retry: { maxRetries: settings.maxRetries },
				bulk: { timeoutMs: settings.bulkTimeoutSeconds * 1000 },
				waits: { maxWaitMs: settings.maxWaitSeconds * 1000, maxTotalWaitMs: settings.maxTotalWaitSeconds * 1000 },
			});
			const batch = { concurrency: settings.concurrency, stopOnError: !continueOnFail };
			let outcomes: BatchOutcomes<object>;
			if (operation === 'createEvent') {
				outcomes = await client.createEvents(inputs as EventInput[], { ...batch, bulkThreshold: settings.eventBulkThreshold });
			} else {
				const result = await client.upsertProfiles(inputs as ProfileInput[], { ...batch, bulkThreshold: settings.bulkThreshold });
				outcomes = result.outcomes;
				reportUnmatchedImportErrors(this, result.unmatchedImportErrors);
			}

			// Without Continue On Fail the first failed item (in item order) stops the node.
			const firstFailure = outcomes.findIndex((outcome) => outcome && !outcome.ok);
			if (firstFailure >= 0 && !continueOnFail) {
				const failed = outcomes[firstFailure] as { error: Error };
				throw klaviyoNodeError(this.getNode(), failed.error as KlaviyoApiError, sentItems[firstFailure]!);
			}
			outcomes.forEach((outcome, position) => {
				const itemIndex = sentItems[position]!;
				if (outcome?.ok) {
					output[itemIndex] = {
						json: { ...items[itemIndex]!.json, klaviyo: outcome.value as IDataObject },
						pairedItem: { item: itemIndex },
					};
				} else if (outcome) {
					const error = outcome.error as KlaviyoApiError;
					const fields = Object.entries(error.toJSON()).filter(([, value]) => value !== undefined);
					output[itemIndex] = errorItem(itemIndex, klaviyoNodeError(this.getNode(), error, itemIndex), Object.fromEntries(fields) as IDataObject);
				}
			});
		}
		return [output.filter((item): item is INodeExecutionData => item !== undefined)];
	}
}
