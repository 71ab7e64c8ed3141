import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

import {
	embeddedEventCount,
	readWorkflow,
	startSandbox,
	type Execution,
	type Sandbox,
} from '../scripts/n8n';
import { percentile, sendLoad, type LoadBatch } from './loopbackClient';
import type { BenchSection } from './section';

const REPO_ROOT = resolve(__dirname, '..', '..');
// Compiled to .bench-build/bench/: the workflow JSON files stay in the source folder.
const WORKFLOW_FOLDER = join(REPO_ROOT, 'bench', 'workflows');

/** The three workflows, measured side by side on one n8n. */
type WorkflowKey = 'scoring' | 'bare' | 'set';
const WORKFLOWS: ReadonlyArray<BenchWorkflow & { key: WorkflowKey }> = [
	{
		key: 'scoring',
		label: 'Webhook → Score Event → Check Threshold → Respond',
		file: 'scoring.json',
		path: 'bench-score',
	},
	{ key: 'bare', label: 'Webhook → Respond (bare)', file: 'bare.json', path: 'bench-bare' },
	{
		key: 'set',
		label: 'Webhook → Set (7 expressions) → Respond',
		file: 'set.json',
		path: 'bench-set',
	},
];

/** n8n's expression engine settings compared; `default` is what an operator gets without setting anything. */
const ENGINES = {
	default: {
		label:
			'default expression engine (N8N_EXPRESSION_ENGINE=vm, N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE unset = false)',
		env: {},
	},
	lazy: {
		label: 'N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true (engine vm)',
		env: { N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true' },
	},
} as const;
type EngineKey = keyof typeof ENGINES;

const MODES = [
	{ key: 'sequential', concurrency: 1 },
	{ key: 'concurrent', concurrency: 50 },
] as const;

/** Tunable from the environment; the defaults are what the README's figures were measured with. */
const SETTINGS = {
	/** Requests per workflow and load mode in one round; the figures add up all rounds. */
	requestsPerRound: Number(process.env.N8N_BENCH_REQUESTS_PER_ROUND ?? 500),
	rounds: Number(process.env.N8N_BENCH_ROUNDS ?? 2),
	warmup: 20,
	engines: (process.env.N8N_BENCH_ENGINES ?? 'default,lazy')
		.split(',')
		.filter((name): name is EngineKey => name in ENGINES),
	/** One request's limit, and one batch's: the load stays bounded on a busy machine. */
	requestTimeoutMs: 60_000,
	batchTimeoutMs: 10 * 60_000,
	leads: 200,
};

const EVENTS = [
	{ event: 'Viewed Page', url: 'https://www.example.com/pricing' },
	{ event: 'Viewed Page', url: 'https://www.example.com/docs/getting-started' },
	{ event: 'Viewed Product', url: 'https://www.example.com/products/analytics' },
	{ event: 'Opened Email', url: 'https://mail.example.com/c/spring-launch' },
	{ event: 'Clicked Email', url: 'https://www.example.com/blog/lead-scoring' },
	{ event: 'Downloaded Guide', url: 'https://www.example.com/guides/mql-playbook.pdf' },
	{ event: 'Added to Cart', url: 'https://www.example.com/cart' },
	{ event: 'Started Checkout', url: 'https://www.example.com/checkout' },
];
const TITLES = [
	'VP Marketing',
	'Growth Manager',
	'Director of Sales',
	'Software Engineer',
	'Head of Demand Gen',
];
const COUNTRIES = ['US', 'GB', 'DE', 'CA', 'FR'];

/** A Klaviyo-like event as a flow webhook sends it; every call gets a new event id. */
function eventBody(runTag: string, sequence: number): string {
	const lead = sequence % SETTINGS.leads;
	const kind = EVENTS[(sequence * 7 + lead) % EVENTS.length];
	return JSON.stringify({
		email: `lead-${lead}@customer-${lead % 37}.example.com`,
		event: kind.event,
		eventId: `${runTag}-${sequence}`,
		time: new Date().toISOString(),
		properties: {
			url: kind.url,
			referrer: 'https://www.google.com/',
			utm_source: 'newsletter',
			utm_campaign: 'spring-launch',
			value: (sequence % 5) * 19.99,
			quantity: 1 + (sequence % 3),
		},
		profile: {
			first_name: 'Alex',
			last_name: `Lead ${lead}`,
			title: TITLES[lead % TITLES.length],
			organization: `Customer ${lead % 37} Ltd`,
			country: COUNTRIES[lead % COUNTRIES.length],
		},
	});
}

interface Batch extends LoadBatch {
	/** CPU time (user + system) the n8n server process used during the batch. */
	cpuSeconds: number;
}

export interface Figures {
	requests: number;
	failures: number;
	perSecond: number;
	/** Requests per second of each round, to show the spread. */
	roundRates: number[];
	p50: number;
	p99: number;
	/** n8n's CPU milliseconds per request: steadier than wall time on a shared machine. */
	cpuMsPerRequest: number;
	firstFailure?: string;
}

function figuresOf(batches: Batch[]): Figures {
	const latencies = batches.flatMap((batch) => batch.latenciesMs).sort((a, b) => a - b);
	const requests = batches.reduce((sum, batch) => sum + batch.requests, 0);
	const seconds = batches.reduce((sum, batch) => sum + batch.seconds, 0);
	return {
		requests,
		failures: batches.reduce((sum, batch) => sum + batch.failures, 0),
		perSecond: requests / seconds,
		roundRates: batches.map((batch) => batch.requests / batch.seconds),
		p50: percentile(latencies, 50),
		p99: percentile(latencies, 99),
		cpuMsPerRequest: (1000 * batches.reduce((sum, batch) => sum + batch.cpuSeconds, 0)) / requests,
		firstFailure: batches.find((batch) => batch.firstFailure)?.firstFailure,
	};
}

/** The pid of the `n8n start` process that runs on `userFolder` (found by its environment). */
function n8nServerPid(userFolder: string): number | undefined {
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
			const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
			if (environ.includes(`N8N_USER_FOLDER=${userFolder}`) && cmdline.includes('start'))
				return Number(entry);
		} catch {
			// gone, or not ours to read
		}
	}
	return undefined;
}

/** CPU seconds (user + system) a process has used so far; clock ticks are 1/100 s on Linux. */
function cpuSecondsOf(pid: number | undefined): number {
	if (pid === undefined) return NaN;
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return (Number(fields[11]) + Number(fields[12])) / 100;
}

export interface BenchWorkflow {
	key: string;
	label: string;
	/** A file in bench/workflows/. */
	file: string;
	/** Its Webhook node's path. */
	path: string;
}

export interface MeasureOptions {
	/** Names the run in progress lines and event ids. */
	name: string;
	workflows: readonly BenchWorkflow[];
	/** Extra environment for n8n, e.g. the expression engine setting. */
	env: Record<string, string>;
	modes: ReadonlyArray<{ key: string; concurrency: number }>;
	rounds: number;
	requestsPerRound: number;
	/** A package tarball to load instead of packing the repository's build. */
	packageTarball?: string;
}

export interface Measurement {
	/** Keyed `mode/workflow`, e.g. `sequential/scoring`. */
	figures: Record<string, Figures>;
	/** Events in the embedded store at the end, and requests sent to workflows with Score Event. */
	scoredEvents: number;
	scoringRequests: number;
	/** n8n's own timing of each node (run data `executionTime`, ms), keyed `workflow/node`. */
	nodeTimes: Record<string, { p50: number; mean: number }>;
}

/** Per workflow and node, the p50 and mean of the execution times n8n recorded in the run data. */
function nodeTimesOf(
	executions: Execution[],
	workflows: readonly BenchWorkflow[],
	ids: Map<string, string>,
): Measurement['nodeTimes'] {
	const times = new Map<string, number[]>();
	for (const execution of executions) {
		const workflow = workflows.find((candidate) => ids.get(candidate.key) === execution.workflowId);
		if (!workflow) continue;
		for (const [node, runs] of Object.entries(execution.data.resultData.runData)) {
			const time = (runs[0] as { executionTime?: number } | undefined)?.executionTime;
			if (typeof time !== 'number') continue;
			const key = `${workflow.key}/${node}`;
			times.set(key, [...(times.get(key) ?? []), time]);
		}
	}
	return Object.fromEntries(
		[...times].map(([key, list]) => {
			const sorted = list.sort((a, b) => a - b);
			return [
				key,
				{
					p50: percentile(sorted, 50),
					mean: sorted.reduce((sum, time) => sum + time, 0) / sorted.length,
				},
			];
		}),
	);
}

/**
 * One n8n with a fresh user folder (and so a fresh embedded store) and the workflows published;
 * each round sends every workflow its requests in every load mode, the order reversed every other round.
 */
export async function measureWorkflows(options: MeasureOptions): Promise<Measurement> {
	// Under the repository's ignored .bench-tmp/, not the shared /tmp/n8n-lead-scoring-* that other
	// runs on this machine create and clean up.
	mkdirSync(join(REPO_ROOT, '.bench-tmp'), { recursive: true });
	const userFolder = mkdtempSync(join(REPO_ROOT, '.bench-tmp', 'n8n-bench-'));
	let sandbox: Sandbox;
	try {
		sandbox = await startSandbox({
			repoRoot: REPO_ROOT,
			userFolder,
			packageTarball: options.packageTarball,
			workflows: options.workflows.map((workflow) => join(WORKFLOW_FOLDER, workflow.file)),
			env: options.env,
		});
	} catch (error) {
		rmSync(userFolder, { recursive: true, force: true });
		throw error;
	}
	// Interrupted (Ctrl-C, a timeout): exiting runs the sandbox's exit hook, which kills n8n's process group.
	const onSignal = (signal: NodeJS.Signals) => process.exit(signal === 'SIGINT' ? 130 : 143);
	const removeFolder = () => rmSync(userFolder, { recursive: true, force: true });
	process.once('SIGINT', onSignal).once('SIGTERM', onSignal).once('exit', removeFolder);
	const runTag = `${options.name}-${Date.now().toString(36)}`;
	let sequence = 0;
	const nextBody = () => eventBody(runTag, sequence++);
	const batches = new Map<string, Batch[]>();
	let scoringRequests = 0;
	const scores = (workflow: BenchWorkflow) => workflow.key.startsWith('scor');
	const serverPid = n8nServerPid(sandbox.n8n.userFolder);
	try {
		for (const workflow of options.workflows) {
			const warm = await sendLoad(
				sandbox.n8n.webhookUrl(workflow.path),
				SETTINGS.warmup,
				1,
				nextBody,
				SETTINGS,
			);
			if (scores(workflow)) scoringRequests += warm.requests;
			if (warm.failures > 0)
				throw new Error(
					`${workflow.label} fails: ${warm.firstFailure ?? ''}\n${sandbox.n8n.logTail()}`,
				);
		}
		for (let round = 0; round < options.rounds; round++) {
			// Alternate the order each round so a busier moment of the shared machine hits all workflows alike.
			const order = round % 2 === 0 ? options.workflows : [...options.workflows].reverse();
			for (const mode of options.modes) {
				for (const workflow of order) {
					const cpuBefore = cpuSecondsOf(serverPid);
					const load = await sendLoad(
						sandbox.n8n.webhookUrl(workflow.path),
						options.requestsPerRound,
						mode.concurrency,
						nextBody,
						SETTINGS,
					);
					const batch: Batch = { ...load, cpuSeconds: cpuSecondsOf(serverPid) - cpuBefore };
					if (scores(workflow)) scoringRequests += batch.requests;
					const key = `${mode.key}/${workflow.key}`;
					batches.set(key, [...(batches.get(key) ?? []), batch]);
					process.stderr.write(
						`n8n bench [${options.name}] round ${round + 1} ${key}: ${(batch.requests / batch.seconds).toFixed(1)} req/s, ` +
							`${((1000 * batch.cpuSeconds) / batch.requests).toFixed(1)} n8n CPU ms/request` +
							`${batch.failures > 0 ? `, ${batch.failures} failed (${batch.firstFailure ?? ''})` : ''}\n`,
					);
				}
			}
		}
		// Executions are saved just after the answer: give the last ones a moment before counting.
		await new Promise((resolve) => setTimeout(resolve, 1000));
		const ids = new Map(
			options.workflows.map((workflow) => [
				workflow.key,
				readWorkflow(join(WORKFLOW_FOLDER, workflow.file)).id,
			]),
		);
		return {
			nodeTimes: nodeTimesOf(sandbox.n8n.executions(), options.workflows, ids),
			figures: Object.fromEntries([...batches].map(([key, list]) => [key, figuresOf(list)])),
			scoredEvents: embeddedEventCount(sandbox.n8n.userFolder),
			scoringRequests,
		};
	} finally {
		process
			.removeListener('SIGINT', onSignal)
			.removeListener('SIGTERM', onSignal)
			.removeListener('exit', removeFolder);
		await sandbox.stop();
		removeFolder();
	}
}

const percent = (ratio: number) => `${(100 * ratio).toFixed(0)}%`;

function describe(figures: Figures): string {
	const failed =
		figures.failures > 0 ? `, ${figures.failures} failed (${figures.firstFailure ?? ''})` : '';
	const rounds = figures.roundRates.map((rate) => rate.toFixed(1)).join(' / ');
	return `${figures.perSecond.toFixed(1)} req/s (rounds ${rounds}), p50 ${figures.p50.toFixed(1)} ms, p99 ${figures.p99.toFixed(1)} ms, n8n CPU ${figures.cpuMsPerRequest.toFixed(1)} ms/request${failed}`;
}

/**
 * Real n8n 2.x: the scoring workflow beside two baselines, a bare Webhook → Respond and a Webhook →
 * Set → Respond that evaluates as many expressions of the same kind as Score Event and Check
 * Threshold do (the floor no package can beat, as n8n's first expression in an execution is costly).
 */
export default async function n8nBench(): Promise<BenchSection> {
	const lines: string[] = [
		`${SETTINGS.rounds} rounds x ${SETTINGS.requestsPerRound} POSTs per workflow and load (${SETTINGS.rounds * SETTINGS.requestsPerRound} each), ` +
			`sequential and 50 concurrent, keep-alive, loopback; workflows alternated; fresh user folder and embedded store per engine setting`,
	];
	for (const engine of SETTINGS.engines) {
		const result = await measureWorkflows({
			name: engine,
			workflows: WORKFLOWS,
			env: { ...ENGINES[engine].env },
			modes: MODES,
			rounds: SETTINGS.rounds,
			requestsPerRound: SETTINGS.requestsPerRound,
			packageTarball: process.env.LEAD_SCORING_PACKAGE_TARBALL || undefined,
		});
		lines.push('', `${ENGINES[engine].label}:`);
		for (const mode of MODES) {
			const figures = (key: WorkflowKey) => result.figures[`${mode.key}/${key}`];
			lines.push(
				`  ${mode.key === 'sequential' ? 'sequential' : `${mode.concurrency} concurrent`}:`,
			);
			for (const workflow of WORKFLOWS)
				lines.push(`    ${workflow.label.padEnd(52)} ${describe(figures(workflow.key))}`);
			const toBare = figures('scoring').perSecond / figures('bare').perSecond;
			const toSet = figures('scoring').perSecond / figures('set').perSecond;
			// Throughput per CPU second is the inverse of CPU per request.
			const cpuToBare = figures('bare').cpuMsPerRequest / figures('scoring').cpuMsPerRequest;
			const cpuToSet = figures('set').cpuMsPerRequest / figures('scoring').cpuMsPerRequest;
			lines.push(
				`    scoring / bare: ${percent(toBare)} wall, ${percent(cpuToBare)} per n8n CPU second; ` +
					`scoring / Set: ${percent(toSet)} wall, ${percent(cpuToSet)} per n8n CPU second (target >= 90%: ${toSet >= 0.9 ? 'met' : 'NOT met'} wall, ${cpuToSet >= 0.9 ? 'met' : 'NOT met'} CPU)`,
			);
		}
		const nodeTimes = Object.entries(result.nodeTimes)
			.filter(([key]) => !key.endsWith('/Webhook'))
			.map(([key, time]) => `${key} ${time.p50.toFixed(0)}/${time.mean.toFixed(1)}`);
		lines.push(
			`  node execution time as n8n records it (p50/mean ms, all requests): ${nodeTimes.join('; ')}`,
		);
		lines.push(
			`  embedded store: ${result.scoredEvents} events kept for ${result.scoringRequests} scoring requests (each with a new event id)`,
		);
	}
	lines.push(
		'',
		'Absolute figures are noisy on a shared 2-core machine: compare the ratios, measured in the same minutes.',
	);
	return { title: 'Real n8n 2.41.1: scoring workflow beside a bare and a Set baseline', lines };
}
