import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

import { installPackage, packPackage } from './communityPackage';
import { freePort } from './freePort';
import { N8nInstance } from './n8nInstance';
import { ensureN8n, type N8nRuntime } from './runtime';
import { readWorkflow, webhooksOf, type CredentialFile, type Webhook } from './sandbox';

/** Where n8n keeps its own data in queue mode: one PostgreSQL database shared by every process. */
export interface N8nDatabase {
	host: string;
	port: number;
	database: string;
	user: string;
	password: string;
}

export interface QueueModeOptions {
	/** The repository whose built package every process loads (and whose install-n8n.sh installs n8n). */
	repoRoot: string;
	/** A package tarball to install instead of packing the repository. */
	packageTarball?: string;
	/** How many `n8n worker` processes to start beside the main instance. */
	workers: number;
	/** The Redis that carries the queue (Bull). */
	redis: { host: string; port: number };
	/** n8n's database (DB_TYPE=postgresdb); the main instance migrates it on first use. */
	database: N8nDatabase;
	/** Workflow JSON files to import and publish (fixed `id`s, Webhook nodes with fixed `webhookId`s). */
	workflows: string[];
	/** Credentials to import: `{id, name, type, data}` with plain fields. */
	credentials?: CredentialFile[];
	/** Jobs one worker runs at once (N8N_CONCURRENCY_PRODUCTION_LIMIT; n8n's default is 10). */
	workerConcurrency?: number;
	/** Extra environment for every process (main and workers). */
	env?: Record<string, string>;
}

/**
 * n8n in queue mode on 127.0.0.1: a main instance that receives webhooks and puts executions on the
 * queue, and workers that run them. Every process has its own user folder with the package
 * installed, as an operator's custom image (or N8N_REINSTALL_MISSING_PACKAGES) would give it.
 */
export interface QueueMode {
	main: N8nInstance;
	workers: N8nInstance[];
	/** The production webhooks of the published workflows, on the main instance. */
	webhooks: Webhook[];
	/** The environment every process shares (queue, database, encryption key). */
	sharedEnv: Record<string, string>;
	/** Starts one more worker (e.g. after one was killed) and waits until it is ready. */
	addWorker: () => Promise<N8nInstance>;
	/** Stops every process (SIGTERM, workers first) and removes the user folders. */
	dispose: () => Promise<void>;
}

/**
 * The environment of every process in one queue-mode set-up. The queue and the database are what
 * makes the processes one n8n; they must share the encryption key, since credentials are stored
 * encrypted in the database and decrypted by whichever worker runs the execution.
 */
export function queueModeEnv(
	options: Pick<QueueModeOptions, 'redis' | 'database' | 'env'>,
	encryptionKey: string,
): Record<string, string> {
	return {
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: options.redis.host,
		QUEUE_BULL_REDIS_PORT: String(options.redis.port),
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: options.database.host,
		DB_POSTGRESDB_PORT: String(options.database.port),
		DB_POSTGRESDB_DATABASE: options.database.database,
		DB_POSTGRESDB_USER: options.database.user,
		DB_POSTGRESDB_PASSWORD: options.database.password,
		// n8n's default pool of 2 connections is too small for a main instance taking hundreds of
		// webhooks at once: requests wait for a connection, time out after 20 s, and n8n then reports
		// "Database is not ready" (HTTP 503) until its connection recovery has run.
		DB_POSTGRESDB_POOL_SIZE: '20',
		N8N_ENCRYPTION_KEY: encryptionKey,
		...options.env,
	};
}

/** Stops an instance and removes its temporary user folder (kept with LEAD_SCORING_KEEP_N8N set). */
async function discard(instance: N8nInstance): Promise<void> {
	await instance.stop();
	if (!process.env.LEAD_SCORING_KEEP_N8N)
		rmSync(instance.userFolder, { recursive: true, force: true });
}

async function createWorker(
	runtime: N8nRuntime,
	tarball: string,
	sharedEnv: Record<string, string>,
	concurrency?: number,
): Promise<N8nInstance> {
	// A worker serves /healthz/readiness on QUEUE_HEALTH_CHECK_PORT only; N8nInstance waits for it on `port`.
	const port = await freePort();
	const worker = await N8nInstance.create({
		runtime,
		command: 'worker',
		port,
		env: {
			...sharedEnv,
			QUEUE_HEALTH_CHECK_ACTIVE: 'true',
			QUEUE_HEALTH_CHECK_PORT: String(port),
			N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
			...(concurrency === undefined
				? {}
				: { N8N_CONCURRENCY_PRODUCTION_LIMIT: String(concurrency) }),
		},
	});
	installPackage(tarball, worker.userFolder);
	return worker;
}

/**
 * Starts n8n in queue mode: imports the credentials and workflows into the shared database,
 * publishes the workflows, starts the main instance and waits for its webhooks, then starts the
 * workers and waits until each is ready. On failure everything started is stopped again.
 */
export async function startQueueMode(options: QueueModeOptions): Promise<QueueMode> {
	const runtime = ensureN8n(options.repoRoot);
	const sharedEnv = queueModeEnv(options, randomBytes(24).toString('base64url'));
	const packed = options.packageTarball ? undefined : packPackage(options.repoRoot);
	const tarball = options.packageTarball ?? packed!;
	const started: N8nInstance[] = [];
	const staging = mkdtempSync(join(tmpdir(), 'lead-scoring-import-'));
	try {
		const main = await N8nInstance.create({ runtime, env: sharedEnv });
		started.push(main);
		installPackage(tarball, main.userFolder);

		if (options.credentials?.length) {
			const file = join(staging, 'credentials.json');
			writeFileSync(file, JSON.stringify(options.credentials));
			await main.importCredentials(file);
		}
		const workflows = options.workflows.map(readWorkflow);
		if (workflows.length > 0) {
			const folder = join(staging, 'workflows');
			mkdirSync(folder);
			for (const file of options.workflows) copyFileSync(file, join(folder, basename(file)));
			await main.cli(['import:workflow', '--separate', `--input=${folder}`]);
		}
		for (const workflow of workflows) await main.publishWorkflow(workflow.id);
		const webhooks = workflows.flatMap((workflow) => webhooksOf(workflow, main));

		await main.start();
		for (const webhook of webhooks) await main.waitForWebhook(webhook.path, webhook.method);

		const workers: N8nInstance[] = [];
		for (let index = 0; index < options.workers; index++) {
			const worker = await createWorker(runtime, tarball, sharedEnv, options.workerConcurrency);
			started.push(worker);
			workers.push(worker);
		}
		await Promise.all(workers.map(async (worker) => await worker.start()));

		const cluster: QueueMode = {
			main,
			workers,
			webhooks,
			sharedEnv,
			addWorker: async () => {
				const worker = await createWorker(runtime, tarball, sharedEnv, options.workerConcurrency);
				started.push(worker);
				workers.push(worker);
				await worker.start();
				return worker;
			},
			dispose: async () => {
				// Workers first, so none is left waiting on a queue whose main instance is gone.
				for (const worker of started.filter((instance) => instance !== main)) await discard(worker);
				await discard(main);
				if (packed) rmSync(join(packed, '..'), { recursive: true, force: true });
			},
		};
		return cluster;
	} catch (error) {
		for (const instance of started) await instance.stop('SIGKILL');
		// The user folders stay, with each process's n8n.log, for a look at what went wrong.
		if (error instanceof Error)
			error.message += `\nn8n user folders and logs: ${started.map((instance) => instance.userFolder).join(', ')}`;
		if (packed) rmSync(join(packed, '..'), { recursive: true, force: true });
		// eslint-disable-next-line @n8n/community-nodes/require-node-api-error -- not a node: the caller sees n8n's log tail
		throw error;
	} finally {
		rmSync(staging, { recursive: true, force: true });
	}
}
