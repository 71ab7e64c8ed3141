/* eslint-disable @n8n/community-nodes/no-dangerous-functions -- development tooling: it runs the service scripts, never in the package */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

import { Client } from 'pg';

/**
 * Private PostgreSQL and Redis servers for tests and benchmarks outside jest's hooks (the queue-mode
 * test and bench): started by postgres.sh / redis.sh on loopback and free ports, stopped by `stop()`
 * or, if the process ends first, when it exits.
 */
export interface PostgresServerHandle {
	host: string;
	port: number;
	user: string;
	password: string;
	/** The server's folder (data directory, log), deleted by `stop()`. */
	dir: string;
	/** Runs SQL as the superuser in `database` (default `postgres`). */
	sql(text: string, values?: unknown[], database?: string): Promise<Array<Record<string, unknown>>>;
	createDatabase(name: string): Promise<void>;
	stop(): void;
}

export interface RedisServerHandle {
	host: string;
	port: number;
	dir: string;
	stop(): void;
}

function parseSettings(output: string): Record<string, string> {
	return Object.fromEntries(
		output
			.split('\n')
			.filter((line) => line.includes('='))
			.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
	);
}

/** Runs `<script> start`, returns its settings and a stop function that also runs at process exit. */
function startService(
	script: string,
	env: Record<string, string> = {},
): { settings: Record<string, string>; stop: () => void } {
	const settings = parseSettings(
		execFileSync('bash', [script, 'start'], {
			encoding: 'utf8',
			stdio: ['ignore', 'pipe', 'inherit'],
			timeout: 600_000,
			env: { ...process.env, ...env },
		}),
	);
	const dir = settings.SERVICE_DIR;
	let stopped = false;
	const stop = () => {
		if (stopped) return;
		stopped = true;
		process.removeListener('exit', stop);
		execFileSync('bash', [script, 'stop', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
	};
	process.once('exit', stop);
	return { settings, stop };
}

/** A private PostgreSQL 15 (scripts/services/postgres.sh). `settings`: space-separated name=value. */
export function startPostgresServer(repoRoot: string, settings = ''): PostgresServerHandle {
	const started = startService(join(repoRoot, 'scripts', 'services', 'postgres.sh'), {
		POSTGRES_SETTINGS: settings,
	});
	const base = {
		host: started.settings.PGHOST,
		port: Number(started.settings.PGPORT),
		user: started.settings.PGUSER,
		password: started.settings.PGPASSWORD,
	};
	const sql = async (text: string, values: unknown[] = [], database = 'postgres') => {
		const client = new Client({ ...base, database });
		await client.connect();
		try {
			return (await client.query(text, values)).rows as Array<Record<string, unknown>>;
		} finally {
			await client.end();
		}
	};
	return {
		...base,
		dir: started.settings.SERVICE_DIR,
		sql,
		createDatabase: async (name: string) => {
			if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`Not a plain database name: ${name}`);
			await sql(`CREATE DATABASE ${name}`);
		},
		stop: started.stop,
	};
}

/** A private Redis without persistence (scripts/services/redis.sh). */
export function startRedisServer(repoRoot: string): RedisServerHandle {
	const started = startService(join(repoRoot, 'scripts', 'services', 'redis.sh'));
	return {
		host: started.settings.REDIS_HOST,
		port: Number(started.settings.REDIS_PORT),
		dir: started.settings.SERVICE_DIR,
		stop: started.stop,
	};
}
