/* eslint-disable @n8n/community-nodes/no-dangerous-functions -- development tooling: it runs npm, tar and n8n, never in the package */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the pinned n8n lives and the Node 24 binary that runs it. */
export interface N8nRuntime {
	/** The folder `scripts/install-n8n.sh` installed n8n into (n8n is in its node_modules). */
	n8nDir: string;
	/** Node 24, the version n8n 2.x needs. */
	nodeBin: string;
	/** n8n's command-line entry point. */
	n8nBin: string;
}

/**
 * Installs n8n into the cache outside the repository if it is not there yet (a few minutes,
 * once) and returns where it is. The installer's progress goes to this process's stderr.
 */
export function ensureN8n(repoRoot: string): N8nRuntime {
	const result = spawnSync('bash', [join(repoRoot, 'scripts', 'install-n8n.sh')], {
		cwd: repoRoot,
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'inherit'],
	});
	if (result.status !== 0) {
		throw new Error(
			`scripts/install-n8n.sh failed (exit code ${String(result.status ?? result.signal)})`,
		);
	}
	const n8nDir = result.stdout.trim().split('\n').pop() ?? '';
	const nodeBin = readFileSync(join(n8nDir, '.node'), 'utf8').trim();
	return { n8nDir, nodeBin, n8nBin: join(n8nDir, 'node_modules', 'n8n', 'bin', 'n8n') };
}
