// Lets plain Node 24 run this folder's TypeScript without a build step: Node strips the types,
// and this hook resolves the extension-less relative imports that tsc and ts-jest expect.
import { registerHooks } from 'node:module';

registerHooks({
	resolve(specifier, context, nextResolve) {
		const fromTypeScript = context.parentURL?.endsWith('.ts');
		if (fromTypeScript && specifier.startsWith('.') && !/\.[cm]?[jt]s(on)?$/.test(specifier)) {
			return nextResolve(`${specifier}.ts`, context);
		}
		return nextResolve(specifier, context);
	},
});
