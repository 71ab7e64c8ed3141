import { measureWorkflows, type BenchWorkflow } from './n8nBench';

// Where the scoring workflow's time goes, beside the Set baseline: the same workflows plus one
// without Check Threshold, sequential only. Not part of `npm run bench`; run it after
// `tsc -p tsconfig.bench.json` as `node .bench-build/bench/n8nDiagnosis.js [package.tgz] [lazy]`,
// e.g. with a tarball of a changed node to compare the ratios it reaches.
const WORKFLOWS: BenchWorkflow[] = [
	{
		key: 'set',
		label: 'Webhook → Set (7 expressions) → Respond',
		file: 'set.json',
		path: 'bench-set',
	},
	{
		key: 'scoring',
		label: 'Webhook → Score Event → Check Threshold → Respond',
		file: 'scoring.json',
		path: 'bench-score',
	},
	{
		key: 'scoreOnly',
		label: 'Webhook → Score Event → Respond',
		file: 'score-only.json',
		path: 'bench-score-only',
	},
];

async function main(): Promise<void> {
	const [packageTarball, engine] = process.argv.slice(2);
	const lazy = engine === 'lazy';
	const result = await measureWorkflows({
		name: 'diagnosis',
		workflows: WORKFLOWS,
		env: lazy ? { N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true' } : {},
		modes: [{ key: 'sequential', concurrency: 1 }],
		rounds: Number(process.env.N8N_BENCH_ROUNDS ?? 3),
		requestsPerRound: Number(process.env.N8N_BENCH_REQUESTS_PER_ROUND ?? 200),
		packageTarball: packageTarball || undefined,
	});
	const rate = (key: string) => result.figures[`sequential/${key}`];
	const lines = [
		`package: ${packageTarball || 'the repository build'}; engine: ${lazy ? 'N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true' : 'default'}`,
		...WORKFLOWS.map((workflow) => {
			const figures = rate(workflow.key);
			return `${workflow.label.padEnd(52)} ${figures.perSecond.toFixed(1)} req/s, p50 ${figures.p50.toFixed(1)} ms, p99 ${figures.p99.toFixed(1)} ms, n8n CPU ${figures.cpuMsPerRequest.toFixed(1)} ms/request, ${figures.failures} failed`;
		}),
		`scoring / Set: ${((100 * rate('scoring').perSecond) / rate('set').perSecond).toFixed(0)}% wall, ` +
			`${((100 * rate('set').cpuMsPerRequest) / rate('scoring').cpuMsPerRequest).toFixed(0)}% per n8n CPU second; ` +
			`Score Event alone / Set: ${((100 * rate('scoreOnly').perSecond) / rate('set').perSecond).toFixed(0)}% wall, ` +
			`${((100 * rate('set').cpuMsPerRequest) / rate('scoreOnly').cpuMsPerRequest).toFixed(0)}% per n8n CPU second`,
		...Object.entries(result.nodeTimes).map(
			([key, time]) => `${key}: p50 ${time.p50.toFixed(0)} ms, mean ${time.mean.toFixed(1)} ms`,
		),
	];
	process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error) => {
	process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
	process.exit(1);
});
