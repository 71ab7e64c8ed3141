/* eslint-disable @n8n/community-nodes/no-dangerous-functions -- development tooling: it runs npm, tar and n8n, never in the package */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

import { readExecutions, type Execution } from './executions';
import { freePort, portIsFree } from './freePort';
import type { N8nRuntime } from './runtime';

export interface N8nInstanceOptions {
	runtime: N8nRuntime;
	/** n8n's user folder (N8N_USER_FOLDER); a fresh temporary folder when omitted. */
	userFolder?: string;
	/** Extra environment for n8n and its CLI, e.g. N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE. */
	env?: Record<string, string>;
	/** The port for the editor, REST API and webhooks; a free one when omitted or taken. */
	port?: number;
	/** Where n8n's output goes: a log file in the user folder (default) or this process's terminal. */
	output?: 'file' | 'inherit';
	/**
	 * `start` (default) runs the main instance; `worker` runs a queue-mode worker (`n8n worker`),
	 * which answers `/healthz/readiness` on QUEUE_HEALTH_CHECK_PORT: pass `port` and set
	 * QUEUE_HEALTH_CHECK_ACTIVE=true, QUEUE_HEALTH_CHECK_PORT and N8N_WORKER_SERVER_ADDRESS in `env`.
	 */
	command?: 'start' | 'worker';
}

export interface OwnerAccount {
	email: string;
	password: string;
	firstName: string;
	lastName: string;
}

const sleep = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One n8n server on 127.0.0.1 with its own user folder (database, settings, installed community
 * packages, the embedded score store). It runs in its own process group, so stopping it also
 * stops its task runner; it can be stopped (or killed) and started again on the same folder.
 */
export class N8nInstance {
	readonly runtime: N8nRuntime;
	readonly userFolder: string;
	readonly port: number;
	readonly baseUrl: string;
	readonly logFile: string;
	/** Whether the user folder is a temporary one this instance created (and `dispose()` removes). */
	readonly ownsUserFolder: boolean;
	private readonly brokerPort: number;
	private readonly extraEnv: Record<string, string>;
	private readonly output: 'file' | 'inherit';
	private readonly command: 'start' | 'worker';
	private child: ChildProcess | undefined;
	private exited: Promise<void> = Promise.resolve();
	private readonly killOnExit = () => {
		if (this.child?.pid !== undefined) killGroup(this.child.pid, 'SIGKILL');
	};

	private constructor(
		options: N8nInstanceOptions,
		userFolder: string,
		port: number,
		brokerPort: number,
	) {
		this.runtime = options.runtime;
		this.userFolder = userFolder;
		this.ownsUserFolder = options.userFolder === undefined;
		this.port = port;
		this.brokerPort = brokerPort;
		this.baseUrl = `http://127.0.0.1:${port}`;
		this.logFile = join(userFolder, 'n8n.log');
		this.extraEnv = options.env ?? {};
		this.output = options.output ?? 'file';
		this.command = options.command ?? 'start';
	}

	/** Picks free ports and prepares the user folder; `start()` launches n8n. */
	static async create(options: N8nInstanceOptions): Promise<N8nInstance> {
		const userFolder = options.userFolder ?? mkdtempSync(join(tmpdir(), 'n8n-lead-scoring-'));
		mkdirSync(userFolder, { recursive: true });
		const port =
			options.port !== undefined && (await portIsFree(options.port))
				? options.port
				: await freePort();
		let brokerPort = await freePort();
		while (brokerPort === port) brokerPort = await freePort();
		return new N8nInstance(options, userFolder, port, brokerPort);
	}

	/** The environment n8n runs with (see docs/running-n8n.md for what each setting is for). */
	get env(): NodeJS.ProcessEnv {
		return {
			...process.env,
			PATH: [dirname(this.runtime.nodeBin), process.env.PATH].join(delimiter),
			// jest sets NODE_ENV=test, in which n8n refuses to load nodes; the Docker image uses production.
			NODE_ENV: 'production',
			N8N_USER_FOLDER: this.userFolder,
			N8N_PORT: String(this.port),
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_HOST: '127.0.0.1',
			N8N_PROTOCOL: 'http',
			WEBHOOK_URL: `${this.baseUrl}/`,
			N8N_EDITOR_BASE_URL: `${this.baseUrl}/`,
			N8N_SECURE_COOKIE: 'false',
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_PERSONALIZATION_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_TEMPLATES_ENABLED: 'false',
			N8N_HIRING_BANNER_ENABLED: 'false',
			N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
			DB_SQLITE_POOL_SIZE: '2',
			// The default 5679 clashes when two instances run at once.
			N8N_RUNNERS_BROKER_PORT: String(this.brokerPort),
			N8N_WORKFLOW_PUBLICATION_RECONCILE_INTERVAL_SECONDS: '2',
			EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'all',
			...this.extraEnv,
		};
	}

	get running(): boolean {
		return this.child !== undefined;
	}

	/** The production URL of a Webhook node's path. */
	webhookUrl(path: string): string {
		return `${this.baseUrl}/webhook/${path}`;
	}

	/** Runs an n8n CLI command (e.g. `import:workflow`) on this user folder and returns its output. */
	async cli(args: string[]): Promise<string> {
		const child = spawn(this.runtime.nodeBin, [this.runtime.n8nBin, ...args], {
			cwd: this.userFolder,
			env: this.env,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let output = '';
		child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
		const code = await new Promise<number | null>((resolve, reject) => {
			child.on('error', reject);
			child.on('close', resolve);
		});
		if (code !== 0)
			throw new Error(`n8n ${args.join(' ')} failed (exit code ${String(code)}):\n${output}`);
		return output;
	}

	/** Imports a JSON file holding an array of credentials ({id, name, type, data} with plain fields). */
	async importCredentials(file: string): Promise<void> {
		await this.cli(['import:credentials', `--input=${file}`]);
	}

	/** Imports workflow JSON files (each one workflow with a fixed id). Re-importing unpublishes. */
	async importWorkflows(files: string[]): Promise<void> {
		for (const file of files) await this.cli(['import:workflow', `--input=${file}`]);
	}

	/** Publishes (activates) a workflow; a running n8n picks it up within the reconcile interval. */
	async publishWorkflow(id: string): Promise<void> {
		await this.cli(['publish:workflow', `--id=${id}`]);
	}

	/** Starts n8n and resolves once it is ready (database migrated, HTTP up). */
	async start(timeoutMs = 180_000): Promise<void> {
		if (this.child) throw new Error('n8n is already running');
		const logFd = this.output === 'file' ? openSync(this.logFile, 'a') : undefined;
		const stdio = logFd === undefined ? 'inherit' : ['ignore', logFd, logFd];
		const child = spawn(this.runtime.nodeBin, [this.runtime.n8nBin, this.command], {
			cwd: this.userFolder,
			env: this.env,
			stdio: stdio as 'inherit',
			detached: true,
		});
		if (logFd !== undefined) closeSync(logFd);
		this.child = child;
		process.once('exit', this.killOnExit);
		this.exited = new Promise((resolve) =>
			child.once('exit', () => {
				if (this.child === child) this.child = undefined;
				process.removeListener('exit', this.killOnExit);
				resolve();
			}),
		);
		const deadline = Date.now() + timeoutMs;
		while (Date.now() < deadline) {
			if (this.child !== child)
				throw new Error(`n8n exited while starting.\n${this.logProblems()}\n${this.logTail()}`);
			if ((await this.status('/healthz/readiness')) === 200) return;
			await sleep(250);
		}
		await this.stop('SIGKILL');
		throw new Error(`n8n was not ready after ${timeoutMs} ms.\n${this.logTail()}`);
	}

	/**
	 * Stops n8n and its task runner: SIGTERM lets n8n finish and shut down (about 2 s); SIGKILL is a
	 * crash. Whatever is left of the process group after n8n exits is killed.
	 */
	async stop(
		signal: 'SIGTERM' | 'SIGKILL' | 'SIGINT' = 'SIGTERM',
		graceMs = 30_000,
	): Promise<void> {
		const pid = this.child?.pid;
		if (pid === undefined) return;
		killGroup(pid, signal);
		const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
		await this.exited;
		clearTimeout(timer);
		killGroup(pid, 'SIGKILL');
	}

	/** Resolves when the n8n process started last has exited (by `stop()` or on its own). */
	async whenExited(): Promise<void> {
		await this.exited;
	}

	/**
	 * Stops n8n and removes the temporary user folder it created, unless LEAD_SCORING_KEEP_N8N is
	 * set (to read n8n.log and the databases after a failed test).
	 */
	async dispose(): Promise<void> {
		await this.stop();
		if (this.ownsUserFolder && !process.env.LEAD_SCORING_KEEP_N8N) {
			rmSync(this.userFolder, { recursive: true, force: true });
		}
	}

	/** Stops n8n gracefully (or kills it) and starts it again on the same folder and port. */
	async restart(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
		await this.stop(signal);
		await this.start();
	}

	/**
	 * Waits until the production webhook `path` is registered: it answers a CORS preflight with
	 * 204 and allows `method`, without running the workflow.
	 */
	async waitForWebhook(path: string, method = 'POST', timeoutMs = 60_000): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		while (Date.now() < deadline) {
			if (!this.child) throw new Error(`n8n is not running.\n${this.logTail()}`);
			try {
				const response = await fetch(this.webhookUrl(path), {
					method: 'OPTIONS',
					headers: { Origin: this.baseUrl, 'Access-Control-Request-Method': method },
				});
				const allowed = response.headers.get('access-control-allow-methods') ?? '';
				if (response.status === 204 && allowed.toUpperCase().includes(method)) return;
			} catch {
				// not listening yet
			}
			await sleep(250);
		}
		throw new Error(
			`The webhook ${method} /webhook/${path} was not registered after ${timeoutMs} ms.\n${this.logProblems()}`,
		);
	}

	/** Creates the owner account (first start only) so the editor can be logged in to. */
	async setupOwner(owner: OwnerAccount): Promise<void> {
		const response = await fetch(`${this.baseUrl}/rest/owner/setup`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify(owner),
		});
		if (!response.ok) {
			throw new Error(
				`Setting up the owner account failed: HTTP ${response.status} ${await response.text()}`,
			);
		}
	}

	/** The executions n8n saved, oldest first (see `readExecutions`). */
	executions(workflowId?: string): Execution[] {
		return readExecutions(this.userFolder, this.runtime.n8nDir, workflowId);
	}

	/**
	 * Waits until at least `count` executions of the workflow are saved and none is still running
	 * (n8n saves the outcome just after the webhook has answered), and returns them all.
	 */
	async waitForExecutions(
		workflowId: string,
		count: number,
		timeoutMs = 30_000,
	): Promise<Execution[]> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const executions = this.executions(workflowId);
			const settled = executions.every(
				(execution) => !['new', 'running'].includes(execution.status),
			);
			if ((executions.length >= count && settled) || Date.now() > deadline) return executions;
			await sleep(200);
		}
	}

	/** The last lines of n8n's log, for error messages. */
	logTail(lines = 40): string {
		if (this.output !== 'file') return '';
		try {
			return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
		} catch {
			return '';
		}
	}

	/**
	 * The log lines that explain most failures (a package that did not load, a workflow that did
	 * not activate), without stack traces and without the harmless offline noise.
	 */
	logProblems(): string {
		if (this.output !== 'file') return '';
		let log = '';
		try {
			log = readFileSync(this.logFile, 'utf8');
		} catch {
			return '';
		}
		const lines = log
			.split('\n')
			.filter((line) => /fail|error|cannot|could not|unrecognized/i.test(line))
			.filter(
				(line) =>
					!/^\s+at |ENOTFOUND|not registered|system task run failed|Python task runner/.test(line),
			);
		return [...new Set(lines)].slice(0, 20).join('\n');
	}

	private async status(path: string): Promise<number> {
		try {
			const response = await fetch(`${this.baseUrl}${path}`);
			await response.arrayBuffer();
			return response.status;
		} catch {
			return 0;
		}
	}
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
	try {
		process.kill(-pid, signal);
	} catch {
		// the group is gone already
	}
}
