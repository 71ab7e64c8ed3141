// The embedded score store needs node:sqlite and a file, which n8n's Cloud-only rules
// (no-restricted-imports, no-restricted-globals) forbid; every other community rule applies.
import { configWithoutCloudSupport } from '@n8n/node-cli/eslint';

export default [
	{ ignores: ['dist/**', 'coverage/**', 'node_modules/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
	...configWithoutCloudSupport,
];
