/* eslint-disable @n8n/community-nodes/no-dangerous-functions -- development tooling: it runs npm, tar and n8n, never in the package */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface PackageJson {
	name: string;
	version: string;
	dependencies?: Record<string, string>;
	devDependencies?: Record<string, string>;
	peerDependencies?: Record<string, string>;
	optionalDependencies?: Record<string, string>;
	n8n?: { nodes?: string[]; credentials?: string[] };
}

function readPackageJson(folder: string): PackageJson {
	return JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as PackageJson;
}

/**
 * `npm pack`s the built package in `repoRoot` into a temporary folder and returns the tarball.
 * The package must have been built (`npm run build`): every node and credential that package.json's
 * `n8n` section lists must exist under dist/.
 */
export function packPackage(repoRoot: string): string {
	const pkg = readPackageJson(repoRoot);
	const missing = [...(pkg.n8n?.nodes ?? []), ...(pkg.n8n?.credentials ?? [])].filter(
		(file) => !existsSync(join(repoRoot, file)),
	);
	if (missing.length > 0) {
		throw new Error(
			`The package is not built (missing ${missing.join(', ')}): run "npm run build" first.`,
		);
	}
	const destination = mkdtempSync(join(tmpdir(), 'lead-scoring-pack-'));
	const output = execFileSync(
		'npm',
		['pack', '--json', '--ignore-scripts', '--pack-destination', destination],
		{
			cwd: repoRoot,
			encoding: 'utf8',
			stdio: ['ignore', 'pipe', 'pipe'],
		},
	);
	const [packed] = JSON.parse(output) as Array<{ filename: string }>;
	return join(destination, packed.filename);
}

/**
 * Installs a package tarball into an n8n user folder the way n8n's Community Nodes installer does:
 * extracted into `.n8n/nodes/node_modules/<name>`, its package.json stripped of dev, peer and
 * optional dependencies (so n8n's own n8n-workflow is used), and listed in `.n8n/nodes/package.json`.
 * n8n scans that folder for `n8n-nodes-*` packages when it starts. Returns the package name.
 */
export function installPackage(tarball: string, userFolder: string): string {
	const nodesFolder = join(userFolder, '.n8n', 'nodes');
	const staging = mkdtempSync(join(tmpdir(), 'lead-scoring-unpack-'));
	try {
		execFileSync('tar', ['-xzf', tarball, '-C', staging, '--strip-components=1']);
		const pkg = readPackageJson(staging);
		const missing = [...(pkg.n8n?.nodes ?? []), ...(pkg.n8n?.credentials ?? [])].filter(
			(file) => !existsSync(join(staging, file)),
		);
		if (missing.length > 0) {
			throw new Error(
				`${tarball} lacks ${missing.join(', ')}, which package.json lists (packed during a build?).`,
			);
		}
		if (Object.keys(pkg.dependencies ?? {}).length > 0) {
			throw new Error(`${pkg.name} has runtime dependencies; n8n would have to npm install them.`);
		}
		const installed = { ...pkg };
		delete installed.devDependencies;
		delete installed.peerDependencies;
		delete installed.optionalDependencies;
		writeFileSync(join(staging, 'package.json'), JSON.stringify(installed, null, 2));

		const target = join(nodesFolder, 'node_modules', pkg.name);
		rmSync(target, { recursive: true, force: true });
		mkdirSync(join(target, '..'), { recursive: true });
		execFileSync('cp', ['-R', staging, target]);

		const manifestPath = join(nodesFolder, 'package.json');
		const manifest: { dependencies?: Record<string, string> } = existsSync(manifestPath)
			? (JSON.parse(readFileSync(manifestPath, 'utf8')) as {
					dependencies?: Record<string, string>;
				})
			: ({ name: 'installed-nodes', private: true } as { dependencies?: Record<string, string> });
		manifest.dependencies = { ...manifest.dependencies, [pkg.name]: pkg.version };
		writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
		return pkg.name;
	} finally {
		rmSync(staging, { recursive: true, force: true });
	}
}
