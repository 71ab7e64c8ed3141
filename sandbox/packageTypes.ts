import type { ICredentialType, INodeType } from 'n8n-workflow';

import packageJson from '../package.json';

/**
 * The package's node and credential classes, found through package.json's `n8n` section the
 * way n8n finds them, but loaded from the TypeScript sources so tests need no build.
 */
function loadClasses<T>(distPaths: string[], suffix: '.node.js' | '.credentials.js'): T[] {
	return distPaths.map((distPath) => {
		const sourcePath = `../${distPath.replace(/^dist\//, '').replace(/\.js$/, '')}`;
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const exported = require(sourcePath) as Record<string, new () => T>;
		const className = distPath.split('/').pop()!.replace(suffix, '');
		const Class = exported[className];
		if (!Class) throw new Error(`${sourcePath} does not export ${className}`);
		return new Class();
	});
}

export function packageNodeTypes(): Record<string, INodeType> {
	const types: Record<string, INodeType> = {};
	for (const node of loadClasses<INodeType>(packageJson.n8n.nodes, '.node.js')) {
		types[`${packageJson.name}.${node.description.name}`] = node;
	}
	return types;
}

export function packageCredentialTypes(): Record<string, ICredentialType> {
	const types: Record<string, ICredentialType> = {};
	for (const credential of loadClasses<ICredentialType>(
		packageJson.n8n.credentials,
		'.credentials.js',
	)) {
		types[credential.name] = credential;
	}
	return types;
}
