import type { BenchFn } from './section';

// Each benchmark module registers here; `npm run bench -- <name>` runs only the named ones.
const benchmarks: Record<string, () => Promise<{ default: BenchFn }>> = {
	engine: async () => await import('./engineBench'),
	salesforce: async () => await import('./salesforceBench'),
	store: async () => await import('./storeBench'),
	klaviyo: async () => await import('./klaviyoBench'),
	braze: async () => await import('./brazeBench'),
	klaviyoEvents: async () => await import('./klaviyoEventsBench'),
	rescore: async () => await import('./rescoreBench'),
	n8n: async () => await import('./n8nBench'),
	bulk: async () => await import('./bulkBench'),
	queue: async () => await import('./queueBench'),
	hostile: async () => await import('./hostileBench'),
	views: async () => await import('./viewsBench'),
	scale: async () => await import('./scaleBench'),
};

async function main(): Promise<void> {
	const only = process.argv.slice(2);
	for (const [name, load] of Object.entries(benchmarks)) {
		if (only.length > 0 && !only.includes(name)) continue;
		const section = await (await load()).default();
		process.stdout.write(
			`\n## ${section.title}\n${section.lines.map((line) => `  ${line}`).join('\n')}\n`,
		);
	}
}

main().catch((error) => {
	process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
	process.exit(1);
});
