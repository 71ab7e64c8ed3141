// Command line for the real-n8n tooling (run with Node 24: node_modules/.bin/node).
//
//   node scripts/n8n/cli.mjs install
//       Installs the pinned n8n into the cache (once) and prints its folder and Node binary.
//   node scripts/n8n/cli.mjs install-package --user-folder DIR
//       Packs the built package and installs it into DIR/.n8n/nodes as n8n's Community Nodes
//       installer does (restart that n8n to load it). DIR is n8n's N8N_USER_FOLDER (default: ~).
//   node scripts/n8n/cli.mjs start [--workflow FILE]... [--credentials FILE] [--user-folder DIR] [--port N] [--keep]
//       Starts n8n with the built package, imports and publishes the workflows, waits for their
//       webhooks, prints the URLs, stops on Ctrl-C. The user folder is temporary unless given;
//       --keep leaves it in place afterwards.
//   node scripts/n8n/cli.mjs executions --user-folder DIR [--workflow ID]
//       Prints the saved executions (id, status, mode, last node) as JSON lines.
//   node scripts/n8n/cli.mjs n8n [--user-folder DIR] <n8n command and options>   (npm run n8n -- ...)
//       Runs n8n's own CLI (import:workflow, export:workflow, publish:workflow...) with the pinned
//       n8n on the user folder of `npm run dev` (.n8n-dev), or DIR. Relative --input= and
//       --output= paths are read from the current folder.
import './load.mjs';

import { readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';

const { ensureN8n, installPackage, N8nInstance, packPackage, readExecutions, startSandbox } =
	await import('./index.ts');

const repoRoot = resolve(import.meta.dirname, '..', '..');
const [command, ...args] = process.argv.slice(2);
const values = (name) =>
	args.flatMap((arg, index) => (arg === name && args[index + 1] ? [args[index + 1]] : []));
const value = (name) => values(name)[0];

switch (command) {
	case 'install': {
		const runtime = ensureN8n(repoRoot);
		console.log(
			`n8n folder: ${runtime.n8nDir}\nNode: ${runtime.nodeBin}\nn8n: ${runtime.nodeBin} ${runtime.n8nBin}`,
		);
		break;
	}
	case 'install-package': {
		const userFolder = resolve(value('--user-folder') ?? homedir());
		const tarball = packPackage(repoRoot);
		const name = installPackage(tarball, userFolder);
		rmSync(resolve(tarball, '..'), { recursive: true, force: true });
		console.log(
			`Installed ${name} into ${userFolder}/.n8n/nodes/node_modules/${name}; restart n8n to load it.`,
		);
		break;
	}
	case 'start': {
		const credentials = values('--credentials').flatMap((file) =>
			JSON.parse(readFileSync(file, 'utf8')),
		);
		const userFolder = value('--user-folder') && resolve(value('--user-folder'));
		const sandbox = await startSandbox({
			repoRoot,
			workflows: values('--workflow').map((file) => resolve(file)),
			credentials,
			userFolder,
			port: value('--port') ? Number(value('--port')) : undefined,
		});
		const { n8n } = sandbox;
		console.log(`n8n ${n8n.baseUrl} (user folder ${n8n.userFolder}, log ${n8n.logFile})`);
		for (const webhook of sandbox.webhooks) console.log(`  ${webhook.method} ${webhook.url}`);
		console.log('Ctrl-C stops n8n.');
		const stop = async () => {
			await sandbox.stop();
			if (!userFolder && !args.includes('--keep'))
				rmSync(n8n.userFolder, { recursive: true, force: true });
			process.exit(0);
		};
		process.on('SIGINT', stop);
		process.on('SIGTERM', stop);
		await n8n.whenExited();
		console.error(`n8n exited on its own.\n${n8n.logTail()}`);
		process.exit(1);
		break;
	}
	case 'executions': {
		const runtime = ensureN8n(repoRoot);
		const userFolder = resolve(value('--user-folder') ?? homedir());
		for (const execution of readExecutions(userFolder, runtime.n8nDir, value('--workflow'))) {
			const { id, workflowId, status, mode, startedAt, stoppedAt } = execution;
			const { lastNodeExecuted, error } = execution.data.resultData;
			console.log(
				JSON.stringify({
					id,
					workflowId,
					status,
					mode,
					startedAt,
					stoppedAt,
					lastNodeExecuted,
					error: error?.message,
				}),
			);
		}
		break;
	}
	case 'n8n': {
		const userFolderAt = args.indexOf('--user-folder');
		const userFolder = resolve(
			userFolderAt === -1 ? resolve(repoRoot, '.n8n-dev') : args[userFolderAt + 1],
		);
		const n8nArgs = (
			userFolderAt === -1
				? args
				: args.filter((_, index) => index !== userFolderAt && index !== userFolderAt + 1)
		).map((arg) =>
			// n8n runs in its user folder: file paths given relative to here are made absolute.
			arg.replace(/^(--(?:input|output)=)(.+)$/, (_, option, path) => option + resolve(path)),
		);
		if (n8nArgs.length === 0) {
			console.error(
				'Usage: npm run n8n -- <n8n command>, e.g. npm run n8n -- import:workflow --input=examples/workflows/route-by-tier.json',
			);
			process.exit(1);
		}
		const n8n = await N8nInstance.create({ runtime: ensureN8n(repoRoot), userFolder });
		try {
			process.stdout.write(await n8n.cli(n8nArgs));
		} catch (error) {
			console.error(error.message);
			process.exit(1);
		}
		break;
	}
	default:
		console.error(
			readFileSync(new URL(import.meta.url), 'utf8')
				.split('\n')
				.filter((line) => line.startsWith('//'))
				.join('\n')
				.replaceAll('// ', '')
				.replaceAll('//', ''),
		);
		process.exit(command && !['help', '--help', '-h'].includes(command) ? 1 : 0);
}
