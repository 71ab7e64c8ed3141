import {
	NodeConnectionTypes,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import {
	type EventInput,
	type ImportError,
	type BatchOutcomes,
	type ProfileInput,
} from '../../lib/klaviyo';
import { ItemOutputs, readItems } from '../shared/itemOutputs';
import { CREDENTIAL_TYPE, klaviyoClientFor } from '../shared/klaviyoTransport';
import { ItemParameters } from '../shared/parameters';
import { klaviyoUpsertProfileProperties } from './description';
import { readEventInput, readProfileInput } from './itemInputs';

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
		subtitle:
			'={{ $parameter["operation"] === "createEvent" ? "Create event: " + $parameter["metricName"] : "Upsert profile" }}',
		description:
			"Write lead scores and tiers to Klaviyo profiles, or record score events, within Klaviyo's rate limits",
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
		const outputs = new ItemOutputs(this, items.length);
		const parameters = new ItemParameters(this);
		const { inputs, itemIndexes } = readItems<ProfileInput | EventInput>(
			this,
			outputs,
			'Klaviyo',
			(itemIndex) =>
				operation === 'createEvent'
					? readEventInput(parameters, itemIndex)
					: readProfileInput(parameters, itemIndex),
		);

		if (inputs.length > 0) {
			const client = await klaviyoClientFor(this, {
				retry: { maxRetries: settings.maxRetries },
				bulk: { timeoutMs: settings.bulkTimeoutSeconds * 1000 },
				waits: {
					maxWaitMs: settings.maxWaitSeconds * 1000,
					maxTotalWaitMs: settings.maxTotalWaitSeconds * 1000,
				},
			});
			const batch = { concurrency: settings.concurrency, stopOnError: !continueOnFail };
			let outcomes: BatchOutcomes<object>;
			if (operation === 'createEvent') {
				outcomes = await client.createEvents(inputs as EventInput[], {
					...batch,
					bulkThreshold: settings.eventBulkThreshold,
				});
			} else {
				const result = await client.upsertProfiles(inputs as ProfileInput[], {
					...batch,
					bulkThreshold: settings.bulkThreshold,
				});
				outcomes = result.outcomes;
				reportUnmatchedImportErrors(this, result.unmatchedImportErrors);
			}

			// Without Continue On Fail the first failed item (in item order) stops the node.
			outcomes.forEach((outcome, position) => {
				const itemIndex = itemIndexes[position]!;
				if (outcome?.ok)
					outputs.set(itemIndex, {
						...items[itemIndex]!.json,
						klaviyo: outcome.value as IDataObject,
					});
				else if (outcome) outputs.fail(itemIndex, outcome.error);
			});
		}
		return [outputs.list()];
	}
}
