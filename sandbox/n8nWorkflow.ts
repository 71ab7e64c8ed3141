/**
 * Runs a workflow JSON in-process through n8n-core's WorkflowExecute with the package's
 * real node classes: the fast tier under the real-n8n end-to-end tests.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// n8n-core reads its user folder when first loaded; keep test state out of the home folder.
process.env.N8N_USER_FOLDER ??= mkdtempSync(join(tmpdir(), 'lead-scoring-n8n-'));

import { ExecutionLifecycleHooks, WorkflowExecute } from 'n8n-core';
import {
	ICredentialsHelper,
	NodeConnectionTypes,
	NodeHelpers,
	Workflow,
	createRunExecutionData,
	type ICredentialDataDecryptedObject,
	type ICredentials,
	type ICredentialType,
	type IDataObject,
	type IExecuteFunctions,
	type IHttpRequestHelper,
	type IHttpRequestOptions,
	type INode,
	type INodeCredentialsDetails,
	type INodeExecutionData,
	type INodeProperties,
	type INodeType,
	type INodeTypes,
	type IRun,
	type IVersionedNodeType,
	type IWorkflowBase,
	type IWorkflowExecuteAdditionalData,
	type WorkflowExecuteMode,
} from 'n8n-workflow';

import { packageCredentialTypes, packageNodeTypes } from './packageTypes';

/** Minimal stand-ins for the n8n-nodes-base nodes that example workflows use around ours. */
type NodeGroup = INodeType['description']['group'];

function passThroughNode(name: string, group: NodeGroup = ['transform'], inputs = true): INodeType {
	return {
		description: {
			displayName: name,
			name,
			group,
			version: [1, 1.1, 1.2, 1.3, 1.4, 1.5, 2, 2.1, 3],
			description: 'test stand-in',
			defaults: { name },
			inputs: inputs ? [NodeConnectionTypes.Main] : [],
			outputs: [NodeConnectionTypes.Main],
			properties: [],
		},
		async execute(this: IExecuteFunctions) {
			return [this.getInputData()];
		},
	};
}

const baseNodeTypes: Record<string, INodeType> = {
	'n8n-nodes-base.manualTrigger': passThroughNode('manualTrigger', ['trigger'], false),
	'n8n-nodes-base.webhook': passThroughNode('webhook', ['trigger'], false),
	'n8n-nodes-base.scheduleTrigger': passThroughNode('scheduleTrigger', ['trigger'], false),
	'n8n-nodes-base.respondToWebhook': passThroughNode('respondToWebhook'),
	'n8n-nodes-base.noOp': passThroughNode('noOp'),
	'n8n-nodes-base.stickyNote': passThroughNode('stickyNote'),
};

class TestNodeTypes implements INodeTypes {
	constructor(private readonly types: Record<string, INodeType | IVersionedNodeType>) {}
	getByName(type: string) {
		return this.types[type];
	}
	getByNameAndVersion(type: string, version?: number) {
		const nodeType = this.types[type];
		if (!nodeType) throw new Error(`Unknown node type in test workflow: ${type}`);
		return NodeHelpers.getVersionedNodeType(nodeType, version);
	}
	getKnownTypes() {
		return {};
	}
}

/** Resolves credentials as n8n's CLI does: generic `authenticate`, and `preAuthentication` for expirable tokens. */
class TestCredentialsHelper extends ICredentialsHelper {
	constructor(
		private readonly types: Record<string, ICredentialType>,
		private readonly data: Record<string, ICredentialDataDecryptedObject>,
	) {
		super();
	}
	getParentTypes(name: string): string[] {
		return this.types[name]?.extends ?? [];
	}
	isCredentialUsableByNode(): boolean {
		return true;
	}
	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		requestOptions: IHttpRequestOptions,
		workflow?: Workflow,
		node?: INode,
	): Promise<IHttpRequestOptions> {
		const authenticate = this.types[typeName]?.authenticate;
		if (typeof authenticate === 'function') return await authenticate(credentials, requestOptions);
		if (!authenticate) return requestOptions;
		const request = requestOptions as unknown as Record<string, Record<string, unknown>>;
		for (const [section, properties] of Object.entries(authenticate.properties)) {
			request[section] ??= {};
			for (const [key, value] of Object.entries(properties as Record<string, unknown>)) {
				request[section][key] = workflow!.expression.getSimpleParameterValue(
					node!,
					value as string,
					'internal',
					{ $credentials: credentials },
					undefined,
					value as string,
				);
			}
		}
		return requestOptions;
	}
	async preAuthentication(
		helpers: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		_node: INode,
		credentialsExpired: boolean,
	): Promise<ICredentialDataDecryptedObject | undefined> {
		const type = this.types[typeName];
		const expirable = type?.properties.find((property) => property.typeOptions?.expirable);
		if (!type?.preAuthentication || !expirable) return undefined;
		if (credentials[expirable.name] && !credentialsExpired) return undefined;
		const output = await type.preAuthentication.call(helpers, credentials);
		Object.assign(this.data[typeName], output);
		return { ...credentials, ...output } as ICredentialDataDecryptedObject;
	}
	async runPreAuthentication(): Promise<undefined> {
		return undefined;
	}
	async getCredentials(): Promise<ICredentials> {
		throw new Error('not used by the in-process harness');
	}
	async getDecrypted(
		_additionalData: unknown,
		_nodeCredentials: INodeCredentialsDetails,
		type: string,
	) {
		const data = this.data[type];
		if (!data) throw new Error(`No test credentials of type ${type}`);
		return data;
	}
	async updateCredentials(
		_nodeCredentials: INodeCredentialsDetails,
		type: string,
		data: ICredentialDataDecryptedObject,
	) {
		this.data[type] = data;
	}
	async updateCredentialsOauthTokenData(
		_nodeCredentials: INodeCredentialsDetails,
		type: string,
		data: ICredentialDataDecryptedObject,
	) {
		this.data[type] = data;
	}
	getCredentialsProperties(type: string): INodeProperties[] {
		return this.types[type]?.properties ?? [];
	}
}

export interface RunOptions {
	/** Items the start node emits (a webhook's body goes in `json.body`). */
	input?: INodeExecutionData[];
	/** Credential data by credential type name. */
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	/** Name of the node to start from; default the workflow's trigger. */
	startNode?: string;
	/**
	 * `trigger` (default) as n8n runs a published workflow, whose poll trigger then passes on `input`
	 * (the items its poll emitted) instead of polling; `manual` as a test run in the editor.
	 */
	mode?: WorkflowExecuteMode;
}

export function loadWorkflow(path: string): IWorkflowBase {
	return JSON.parse(readFileSync(path, 'utf8')) as IWorkflowBase;
}

export interface InstanceOptions {
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	/** The workflow's static data as n8n keeps it in its database (poll triggers keep their position there). */
	staticData?: IDataObject;
	mode?: WorkflowExecuteMode;
}

/** The workflow and the execution context n8n-core needs, as the CLI builds them. */
export function instantiate(workflowJson: IWorkflowBase, options: InstanceOptions = {}) {
	const nodeTypes = new TestNodeTypes({ ...baseNodeTypes, ...packageNodeTypes() });
	const workflow = new Workflow({
		id: workflowJson.id ?? 'test',
		name: workflowJson.name,
		nodes: workflowJson.nodes,
		connections: workflowJson.connections,
		settings: workflowJson.settings,
		staticData: options.staticData,
		active: false,
		nodeTypes,
	});
	const additionalData = {
		hooks: new ExecutionLifecycleHooks(options.mode ?? 'trigger', '1', workflowJson),
		credentialsHelper: new TestCredentialsHelper(packageCredentialTypes(), {
			...(options.credentials ?? {}),
		}),
		currentNodeParameters: undefined,
		executionId: '1',
		restApiUrl: 'http://localhost:5678/rest',
		instanceBaseUrl: 'http://localhost:5678/',
		webhookBaseUrl: 'http://localhost:5678/webhook',
		webhookWaitingBaseUrl: 'http://localhost:5678/webhook-waiting',
		webhookTestBaseUrl: 'http://localhost:5678/webhook-test',
		formWaitingBaseUrl: 'http://localhost:5678/form-waiting',
		variables: {},
	} as unknown as IWorkflowExecuteAdditionalData;
	return { workflow, additionalData };
}

export async function runWorkflow(
	workflowJson: IWorkflowBase,
	options: RunOptions = {},
): Promise<IRun> {
	const mode = options.mode ?? 'trigger';
	const { workflow, additionalData } = instantiate(workflowJson, {
		credentials: options.credentials,
		mode,
	});
	const startNode = options.startNode
		? workflow.getNode(options.startNode)
		: workflow.getStartNode();
	if (!startNode) throw new Error('The workflow has no start node');
	const runData = createRunExecutionData({
		executionData: {
			nodeExecutionStack: [
				{ node: startNode, data: { main: [options.input ?? [{ json: {} }]] }, source: null },
			],
		},
	});
	return await new WorkflowExecute(additionalData, mode, runData).processRunExecutionData(workflow);
}

/** The items a node sent out of one output in its first (or given) run. */
export function outputOf(
	run: IRun,
	nodeName: string,
	output = 0,
	runIndex = 0,
): INodeExecutionData[] {
	const nodeRuns = run.data.resultData.runData[nodeName];
	if (!nodeRuns) {
		const error = run.data.resultData.error;
		throw new Error(`Node "${nodeName}" did not run${error ? `: ${error.message}` : ''}`);
	}
	return nodeRuns[runIndex]?.data?.main?.[output] ?? [];
}
