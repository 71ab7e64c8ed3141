import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

import { installPackage, packPackage } from './communityPackage';
import { N8nInstance } from './n8nInstance';
import { ensureN8n } from './runtime';

export interface SandboxOptions {
	/** The repository whose built package n8n loads (and whose scripts/install-n8n.sh installs n8n). */
	repoRoot: string;
	/** A package tarball to install instead of packing the repository, e.g. a release candidate. */
	packageTarball?: string;
	/** Workflow JSON files to import; each has a fixed `id`, and its Webhook nodes a fixed `webhookId`. */
	workflows: string[];
	/** Ids of the workflows to publish (activate); all of them when omitted. */
	publish?: string[];
	/** Credentials to import: `{id, name, type, data}` with plain fields (n8n encrypts them). */
	credentials?: CredentialFile[];
	userFolder?: string;
	/** The editor and webhook port; a free one when omitted or taken. */
	port?: number;
	env?: Record<string, string>;
	output?: 'file' | 'inherit';
}

export interface CredentialFile {
	id: string;
	name: string;
	type: string;
	data: Record<string, unknown>;
}

export interface WorkflowFile {
	id: string;
	name: string;
	nodes: Array<{ name: string; type: string; parameters: Record<string, unknown> }>;
	/** Data pinned to nodes for manual runs in the editor; a Webhook node's shows a sample request. */
	pinData?: Record<string, Array<{ json: Record<string, unknown> }>>;
}

export interface Webhook {
	workflowId: string;
	method: string;
	path: string;
	url: string;
}

export interface Sandbox {
	n8n: N8nInstance;
	/** The production webhooks of the published workflows. */
	webhooks: Webhook[];
	/** Starts n8n again on the same folder (after `n8n.stop()`) and waits for the webhooks. */
	start: () => Promise<void>;
	stop: () => Promise<void>;
	/** Stops n8n and removes its temporary user folder (see `N8nInstance.dispose`). */
	dispose: () => Promise<void>;
}

export function readWorkflow(file: string): WorkflowFile {
	return JSON.parse(readFileSync(file, 'utf8')) as WorkflowFile;
}

/** The production webhooks a workflow registers when it is published. */
export function webhooksOf(workflow: WorkflowFile, n8n: N8nInstance): Webhook[] {
	return workflow.nodes
		.filter((node) => node.type === 'n8n-nodes-base.webhook')
		.map((node) => {
			const path = String(node.parameters.path ?? '');
			return {
				workflowId: workflow.id,
				method: String(node.parameters.httpMethod ?? 'GET'),
				path,
				url: n8n.webhookUrl(path),
			};
		});
}

export interface SampleRequest {
	method: string;
	url: string;
	contentType: string;
	/** The body to send: the pinned request's JSON, or the sample file's text; none for a GET. */
	body?: string;
	/** For a file upload: the sample file (`examples/data/<workflow file name>.csv`), which n8n cannot pin. */
	file?: string;
}

/**
 * The sample request of a webhook: the data pinned to its Webhook node (what the editor's
 * "Execute workflow" uses). A file upload (text/csv) cannot be pinned, so its sample is the file
 * named after the workflow in the `data` folder beside the workflows folder.
 */
export function sampleRequest(workflowFile: string, webhook: Webhook): SampleRequest | undefined {
	const workflow = readWorkflow(workflowFile);
	const node = workflow.nodes.find(
		(candidate) =>
			candidate.type === 'n8n-nodes-base.webhook' && candidate.parameters.path === webhook.path,
	);
	const sample = node ? workflow.pinData?.[node.name]?.[0]?.json : undefined;
	if (!sample) return undefined;
	const contentType =
		(sample.headers as Record<string, string> | undefined)?.['content-type'] ?? 'application/json';
	const request = { method: webhook.method, url: webhook.url, contentType };
	if (contentType.startsWith('text/csv')) {
		const file = join(
			dirname(dirname(workflowFile)),
			'data',
			`${basename(workflowFile, '.json')}.csv`,
		);
		return { ...request, body: readFileSync(file, 'utf8'), file };
	}
	if (webhook.method === 'GET') return request;
	if (sample.body === undefined) return undefined;
	return {
		...request,
		body: typeof sample.body === 'string' ? sample.body : JSON.stringify(sample.body),
	};
}

/**
 * A real n8n with the built package installed as a community package, the credentials and
 * workflows imported, the workflows published, and every production webhook answering.
 */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
	const runtime = ensureN8n(options.repoRoot);
	const n8n = await N8nInstance.create({
		runtime,
		userFolder: options.userFolder,
		port: options.port,
		env: options.env,
		output: options.output,
	});
	if (options.packageTarball) {
		installPackage(options.packageTarball, n8n.userFolder);
	} else {
		const tarball = packPackage(options.repoRoot);
		try {
			installPackage(tarball, n8n.userFolder);
		} finally {
			rmSync(join(tarball, '..'), { recursive: true, force: true });
		}
	}

	const staging = mkdtempSync(join(tmpdir(), 'lead-scoring-import-'));
	try {
		if (options.credentials?.length) {
			const file = join(staging, 'credentials.json');
			writeFileSync(file, JSON.stringify(options.credentials));
			await n8n.importCredentials(file);
		}
		const workflowFolder = join(staging, 'workflows');
		const workflows = options.workflows.map(readWorkflow);
		if (workflows.length > 0) {
			mkdirSync(workflowFolder);
			for (const file of options.workflows)
				copyFileSync(file, join(workflowFolder, basename(file)));
			await n8n.cli(['import:workflow', '--separate', `--input=${workflowFolder}`]);
		}
		const published = workflows.filter(
			(workflow) => options.publish?.includes(workflow.id) ?? true,
		);
		for (const workflow of published) await n8n.publishWorkflow(workflow.id);
		const webhooks = published.flatMap((workflow) => webhooksOf(workflow, n8n));

		const start = async () => {
			await n8n.start();
			for (const webhook of webhooks) await n8n.waitForWebhook(webhook.path, webhook.method);
		};
		try {
			await start();
		} catch (error) {
			await n8n.stop('SIGKILL');
			// eslint-disable-next-line @n8n/community-nodes/require-node-api-error -- tooling, not a node
			throw new Error(
				`${(error as Error).message}\n(n8n's user folder and log: ${n8n.userFolder})`,
			);
		}
		return {
			n8n,
			webhooks,
			start,
			stop: async () => await n8n.stop(),
			dispose: async () => await n8n.dispose(),
		};
	} finally {
		rmSync(staging, { recursive: true, force: true });
	}
}
