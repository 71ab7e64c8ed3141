import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeParameters,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { checkThresholdProperties } from './description';
import { routeCrossing } from './crossingRoutes';
import { routeTiers } from './tierRoutes';

/**
 * The outputs for the current parameters, evaluated by n8n (editor and engine) as in n8n's Switch
 * node: the function is sent as text, so it must not use anything from outside its own body.
 */
export const configuredOutputs = (parameters: INodeParameters) => {
	if (parameters.mode === 'crossing') {
		const names = ['Crossed', 'Not Crossed'];
		if (parameters.droppedBelowOutput === true) names.push('Dropped Below');
		return names.map((displayName) => ({ type: 'main', displayName }));
	}
	const tiers = (parameters.tiers as { tier?: Array<{ name?: unknown }> } | undefined)?.tier ?? [];
	return tiers.map((tier, index) => ({
		type: 'main',
		displayName:
			typeof tier.name === 'string' && tier.name.trim() !== '' ? tier.name : 'Tier ' + (index + 1),
	}));
};

export class CheckThreshold implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Check Threshold',
		name: 'checkThreshold',
		icon: { light: 'file:checkThreshold.svg', dark: 'file:checkThreshold.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle:
			'={{ $parameter["mode"] === "crossing" ? "Crossing · " + $parameter["threshold"] : "Route by tier" }}',
		description:
			'Route leads by score tier, or when their score crosses a threshold (once per rise)',
		defaults: { name: 'Check Threshold' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: `={{(${configuredOutputs})($parameter)}}`,
		// The PostgreSQL store uses n8n's own Postgres credential, so operators reuse the one they have;
		// n8n's verification rule allows a package only its own credentials (see README, Design decisions).
		/* eslint-disable @n8n/community-nodes/no-credential-reuse, @n8n/community-nodes/valid-credential-references, n8n-nodes-base/node-class-description-credentials-name-unsuffixed */
		credentials: [
			{
				name: 'postgres',
				required: true,
				displayOptions: { show: { mode: ['crossing'], store: ['postgres'] } },
			},
		],
		/* eslint-enable @n8n/community-nodes/no-credential-reuse, @n8n/community-nodes/valid-credential-references, n8n-nodes-base/node-class-description-credentials-name-unsuffixed */
		properties: checkThresholdProperties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const mode = this.getNodeParameter('mode', 0) as string;
		if (mode === 'crossing') return await routeCrossing.call(this);
		return routeTiers.call(this);
	}
}
