/**
 * A poll trigger as n8n runs it once a workflow is published: n8n-core's PollContext on the
 * workflow, its static data loaded from (and saved back to) what n8n's database would hold.
 */
import { LoadOptionsContext, PollContext } from 'n8n-core';
import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	INodeExecutionData,
	INodePropertyOptions,
	IWorkflowBase,
	WorkflowActivateMode,
} from 'n8n-workflow';

import { instantiate } from '../../sandbox/n8nWorkflow';

export interface PollOptions {
	credentials: Record<string, ICredentialDataDecryptedObject>;
	/** Static data as saved after the last poll that emitted (undefined: never activated). */
	staticData?: IDataObject;
	activation?: WorkflowActivateMode;
}

export interface PollOutcome {
	/** What the poll emitted (n8n then starts an execution with it), or null for nothing new. */
	emitted: INodeExecutionData[][] | null;
	/** The static data n8n saves: JSON, as it goes into the database. */
	staticData: IDataObject;
}

export async function pollOnce(
	workflowJson: IWorkflowBase,
	nodeName: string,
	options: PollOptions,
): Promise<PollOutcome> {
	const staticData =
		options.staticData === undefined
			? undefined
			: (JSON.parse(JSON.stringify(options.staticData)) as IDataObject);
	const { workflow, additionalData } = instantiate(workflowJson, {
		credentials: options.credentials,
		staticData,
		mode: 'trigger',
	});
	const node = workflow.getNode(nodeName);
	if (!node) throw new Error(`No node ${nodeName}`);
	const nodeType = workflow.nodeTypes.getByNameAndVersion(node.type, node.typeVersion);
	if (!nodeType.poll) throw new Error(`${nodeName} is not a poll trigger`);
	const context = new PollContext(
		workflow,
		node,
		additionalData,
		'trigger',
		options.activation ?? 'activate',
	);
	const emitted = await nodeType.poll.call(context);
	return { emitted, staticData: JSON.parse(JSON.stringify(workflow.staticData)) as IDataObject };
}

/** A node's `loadOptions` method as the editor calls it to fill a dropdown. */
export async function loadOptions(
	workflowJson: IWorkflowBase,
	nodeName: string,
	method: string,
	credentials: Record<string, ICredentialDataDecryptedObject>,
): Promise<INodePropertyOptions[]> {
	const { workflow, additionalData } = instantiate(workflowJson, { credentials });
	const node = workflow.getNode(nodeName)!;
	const nodeType = workflow.nodeTypes.getByNameAndVersion(node.type, node.typeVersion);
	const load = nodeType.methods?.loadOptions?.[method];
	if (!load) throw new Error(`${nodeName} has no loadOptions method ${method}`);
	return await load.call(
		new LoadOptionsContext(workflow, node, additionalData, `parameters.${method}`),
	);
}
