// `npm run dev`: a local n8n with this package, the example workflows and offline API sandboxes.
//
// Builds nothing itself (npm run dev builds first). Installs the pinned n8n once into a cache
// outside the repository, installs the packed package into a fresh n8n user folder (.n8n-dev/)
// as n8n's Community Nodes installer does, starts the loopback Klaviyo and Salesforce stand-ins,
// imports and publishes examples/workflows/*.json, creates an owner account, prints the editor
// URL and a curl per webhook, and stops everything on Ctrl-C.
//
// Options: --port N (editor port, default 5678 or a free one), --verbose (n8n's log on the terminal).
import './n8n/load.mjs';

import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const { readWorkflow, sampleRequest, startApiSandboxes, startSandbox } = await import(
	'./n8n/index.ts'
);

const repoRoot = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const option = (name) => {
	const index = args.indexOf(name);
	return index === -1 ? undefined : args[index + 1];
};
const port = Number(option('--port') ?? 5678);
const verbose = args.includes('--verbose');

const examplesFolder = join(repoRoot, 'examples', 'workflows');
const workflowFiles = readdirSync(examplesFolder)
	.filter((file) => file.endsWith('.json'))
	.sort()
	.map((file) => join(examplesFolder, file));

const userFolder = join(repoRoot, '.n8n-dev');
rmSync(userFolder, { recursive: true, force: true });
mkdirSync(userFolder, { recursive: true });

let apis;
let sandbox;
let stopping = false;
async function shutdown(code) {
	if (stopping) return;
	stopping = true;
	console.log('\nStopping n8n and the sandboxes...');
	await sandbox?.stop();
	await apis?.close();
	process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
	apis = await startApiSandboxes(repoRoot);
	console.log(`Starting n8n with ${workflowFiles.length} example workflow(s)...`);
	sandbox = await startSandbox({
		repoRoot,
		workflows: workflowFiles,
		credentials: apis.credentials,
		userFolder,
		port,
		output: verbose ? 'inherit' : 'file',
	});
} catch (error) {
	console.error(`\n${error.message}`);
	await shutdown(1);
}

const { n8n, webhooks } = sandbox;
const owner = {
	email: 'owner@example.com',
	firstName: 'Local',
	lastName: 'Owner',
	// n8n wants 8+ characters with a digit and an upper-case letter; a new one per run.
	password: `Dev-${randomBytes(6).toString('base64url')}9`,
};
await n8n.setupOwner(owner);

/** A curl for a webhook: its sample request (the Webhook node's pinned data, or the sample file of an upload). */
function curlFor(webhook) {
	const file = workflowFiles.find((candidate) => readWorkflow(candidate).id === webhook.workflowId);
	const sample = sampleRequest(file, webhook);
	if (!sample)
		return `  ${webhook.method} ${webhook.url}   (${readWorkflow(file).name}: its notes describe the request)`;
	if (sample.body === undefined && !sample.file) return `  curl -s ${sample.url}`;
	const data = sample.file
		? `@${relative(process.cwd(), sample.file)}`
		: `'${sample.body.replaceAll("'", "'\\''")}'`;
	return `  curl -s -X ${sample.method} ${sample.url} -H 'Content-Type: ${sample.contentType}' --data-binary ${data}`;
}

const dashboard = webhooks.find((webhook) => webhook.path === 'lead-scores');
const lines = [
	'',
	`n8n ${n8n.baseUrl} is ready (user folder ${userFolder}, log ${verbose ? 'above' : n8n.logFile}).`,
	`Editor: ${n8n.baseUrl}  login ${owner.email} / ${owner.password}`,
	...(dashboard ? [`Lead score dashboard: ${dashboard.url} (open it in a browser)`] : []),
	...apis.notes,
	'',
	'Send a test event:',
	...webhooks.map(curlFor),
	'',
	'Ctrl-C stops everything.',
];
console.log(lines.join('\n'));

await n8n.whenExited();
if (!stopping) {
	console.error(`n8n exited on its own.\n${n8n.logTail()}`);
	await shutdown(1);
}
