export { packPackage, installPackage } from './communityPackage';
export { embeddedEventCount, openEmbeddedStore } from './embeddedStore';
export { readExecutions, nodeOutput, type Execution, type ExecutionData } from './executions';
export { freePort, portIsFree } from './freePort';
export { N8nInstance, type N8nInstanceOptions, type OwnerAccount } from './n8nInstance';
export { ensureN8n, type N8nRuntime } from './runtime';
export {
	readWorkflow,
	sampleRequest,
	startSandbox,
	webhooksOf,
	type CredentialFile,
	type SampleRequest,
	type Sandbox,
	type SandboxOptions,
	type Webhook,
	type WorkflowFile,
} from './sandbox';
export {
	SANDBOX_CREDENTIALS,
	SANDBOX_KLAVIYO_PROFILES,
	SANDBOX_SALESFORCE_LEADS,
	startApiSandboxes,
	type ApiSandboxes,
} from './apiSandboxes';
