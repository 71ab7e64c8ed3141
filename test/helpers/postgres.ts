import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

import { Client } from 'pg';

import type { PostgresConnection } from '../../lib/store/postgresStore';

const SCRIPT = join(__dirname, '../../scripts/services/postgres.sh');

export interface PostgresServer {
	host: string;
	port: number;
	user: string;
	password: string;
	/** A database made for this test file. */
	database: string;
	/** The server's folder (data directory, log), deleted at the end. */
	dir: string;
	/** Connection settings for this file's database, or another one. */
	connection(database?: string): PostgresConnection;
	/** Runs SQL as the superuser, e.g. to create roles for permission tests. */
	sql(text: string, values?: unknown[], database?: string): Promise<Array<Record<string, unknown>>>;
	/** Environment for child processes (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE). */
	env(database?: string): Record<string, string>;
}

function parseSettings(output: string): Record<string, string> {
	return Object.fromEntries(
		output
			.split('\n')
			.filter((line) => line.includes('='))
			.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
	);
}

function stopServer(dir: string): void {
	execFileSync('bash', [SCRIPT, 'stop', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/**
 * Starts a private PostgreSQL (scripts/services/postgres.sh) for this test file, on loopback and a
 * free port, with a fresh database; stops it and deletes its folder after the file's tests.
 * `settings`: extra server settings, space-separated name=value.
 * Returns a getter, valid inside tests.
 */
export function usePostgres(databaseName = 'lead_scoring_test', options: { settings?: string } = {}): () => PostgresServer {
	let server: PostgresServer | undefined;
	let stopOnExit: (() => void) | undefined;

	beforeAll(async () => {
		const settings = parseSettings(
			execFileSync('bash', [SCRIPT, 'start'], {
				encoding: 'utf8',
				stdio: ['ignore', 'pipe', 'inherit'],
				timeout: 600_000,
				env: { ...process.env, POSTGRES_SETTINGS: options.settings ?? '' },
			}),
		);
		const dir = settings.SERVICE_DIR;
		// If the test process dies before afterAll, the server must not outlive it.
		stopOnExit = () => stopServer(dir);
		process.once('exit', stopOnExit);
		const base = {
			host: settings.PGHOST,
			port: Number(settings.PGPORT),
			user: settings.PGUSER,
			password: settings.PGPASSWORD,
		};
		const sql = async (text: string, values: unknown[] = [], database = databaseName) => {
			const client = new Client({ ...base, database });
			await client.connect();
			try {
				return (await client.query(text, values)).rows as Array<Record<string, unknown>>;
			} finally {
				await client.end();
			}
		};
		await sql(`CREATE DATABASE ${databaseName}`, [], settings.PGDATABASE);
		server = {
			...base,
			database: databaseName,
			dir,
			connection: (database = databaseName) => ({ ...base, database }),
			sql,
			env: (database = databaseName) => ({
				PGHOST: base.host,
				PGPORT: String(base.port),
				PGUSER: base.user,
				PGPASSWORD: base.password,
				PGDATABASE: database,
			}),
		};
	}, 600_000);

	afterAll(() => {
		if (stopOnExit) process.removeListener('exit', stopOnExit);
		if (server) stopServer(server.dir);
		server = undefined;
	}, 120_000);

	return () => {
		if (!server) throw new Error('usePostgres(): the server is available inside tests only');
		return server;
	};
}
