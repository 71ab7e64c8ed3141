import {
	NodeApiError,
	NodeConnectionTypes,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type JsonObject,
} from 'n8n-workflow';

import { BrazeClient } from '../../lib/braze';
import { systemClock } from '../../lib/http/clock';
import { n8nCredentialTransport } from '../shared/httpTransport';
import { ItemOutputs, readItems } from '../shared/itemOutputs';
import { describeBrazeErrors } from '../shared/nodeErrors';
import { brazeUpdateProfileProperties } from './description';
import { ItemReader, readSettings } from './itemInputs';
import { CREDENTIAL_TYPE, limiterFor } from './transport';

export class BrazeUpdateProfile implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Braze Update Profile',
		name: 'brazeUpdateProfile',
		icon: { light: 'file:braze.svg', dark: 'file:braze.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{ "Identify by " + $parameter["identifyBy"] }}',
		description:
			"Write lead scores and tiers to Braze user profiles as custom attributes, in batches, within Braze's rate limit",
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
		const outputs = new ItemOutputs(this, items.length);
		const { inputs: updates, itemIndexes } = readItems(this, outputs, 'Braze', (itemIndex) =>
			reader.read(itemIndex),
		);

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
				const position = result.outcomes.findIndex(
					(outcome) => outcome && (!outcome.ok || outcome.value.errors),
				);
				const outcome = result.outcomes[position];
				// Without Continue On Fail, failing the item throws its error.
				if (outcome && !outcome.ok) outputs.fail(itemIndexes[position]!, outcome.error);
				if (outcome?.ok) {
					throw new NodeApiError(
						this.getNode(),
						{ errors: outcome.value.errors } as unknown as JsonObject,
						{
							message: `Braze: the event of item ${itemIndexes[position]} was refused: ${describeBrazeErrors(outcome.value.errors)}`,
							description:
								'Braze wrote its attributes and refused its event. Other items of the same request were applied.',
							itemIndex: itemIndexes[position],
						},
					);
				}
			}

			const refusedEvents: number[] = [];
			result.outcomes.forEach((outcome, position) => {
				const itemIndex = itemIndexes[position]!;
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
					outputs.set(itemIndex, { ...items[itemIndex]!.json, braze });
				} else if (outcome) {
					outputs.fail(itemIndex, outcome.error);
				}
			});
			const hints: string[] = [];
			if (refusedEvents.length > 0)
				hints.push(
					`Braze wrote the attributes but refused the event of ${refusedEvents.length} item(s) (items ${refusedEvents.slice(0, 10).join(', ')}); see braze.errors.`,
				);
			if (result.unmatchedErrors.length > 0)
				hints.push(
					`Braze reported ${result.unmatchedErrors.length} error(s) that name no item: ${describeBrazeErrors(result.unmatchedErrors.slice(0, 3))}`,
				);
			for (const message of hints) this.addExecutionHints?.({ message, location: 'outputPane' });
		}
		return [outputs.list()];
	}
}
