// Lets plain Node run the project's TypeScript (this folder, the loopback API stand-ins in
// sandbox/) without a build step: each .ts file is transpiled to CommonJS by the project's own
// TypeScript, exactly as ts-jest does for the tests, and extension-less relative imports resolve
// to .ts files.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire, registerHooks } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const ts = require('typescript');

registerHooks({
	resolve(specifier, context, nextResolve) {
		const parent = context.parentURL;
		if (
			parent?.startsWith('file:') &&
			parent.endsWith('.ts') &&
			specifier.startsWith('.') &&
			!/\.[cm]?[jt]s(on)?$/.test(specifier)
		) {
			const base = fileURLToPath(new URL(specifier, parent));
			for (const candidate of [`${base}.ts`, `${base}/index.ts`]) {
				if (existsSync(candidate))
					return { url: pathToFileURL(candidate).href, format: 'commonjs', shortCircuit: true };
			}
		}
		return nextResolve(specifier, context);
	},
	load(url, context, nextLoad) {
		if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
		const fileName = fileURLToPath(url);
		const { outputText } = ts.transpileModule(readFileSync(fileName, 'utf8'), {
			fileName,
			compilerOptions: {
				module: ts.ModuleKind.CommonJS,
				target: ts.ScriptTarget.ES2022,
				esModuleInterop: true,
				inlineSourceMap: true,
			},
		});
		return { format: 'commonjs', source: outputText, shortCircuit: true };
	},
});
