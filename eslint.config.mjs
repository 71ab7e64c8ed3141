// The embedded score store needs node:sqlite and a file, which n8n's Cloud-only rules
// (no-restricted-imports, no-restricted-globals) forbid; every other community rule applies.
import { configWithoutCloudSupport } from '@n8n/node-cli/eslint';

export default [
	{
		ignores: [
			'dist/**',
			'coverage/**',
			'node_modules/**',
			'.bench-build/**',
			'.bench-tmp/**',
			'**/*.js',
			'**/*.mjs',
			'**/*.cjs',
		],
	},
	...configWithoutCloudSupport,
	{
		// The core (lib/) has no n8n imports: it throws typed errors (ModelError, InputError, ApiError...)
		// that the node classes map to NodeOperationError / NodeApiError with the item index.
		files: ['lib/**/*.ts', 'sandbox/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
		rules: { '@n8n/community-nodes/require-node-api-error': 'off' },
	},
	{
		// Tests and benchmarks start real processes (writers, n8n, databases); node code never does.
		files: ['test/**/*.ts', 'bench/**/*.ts'],
		rules: { '@n8n/community-nodes/no-dangerous-functions': 'off' },
	},
];
