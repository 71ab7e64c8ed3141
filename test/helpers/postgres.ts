import { join } from 'node:path';

import type { PostgresConnection } from '../../lib/store/postgres/pool';
import { startPostgresServer, type PostgresServerHandle } from '../../scripts/services/servers';

const REPO_ROOT = join(__dirname, '..', '..');

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

/**
 * Starts a private PostgreSQL (scripts/services/postgres.sh) for this test file, on loopback and a
 * free port, with a fresh database; stops it and deletes its folder after the file's tests (or when
 * the test process exits first). `settings`: extra server settings, space-separated name=value.
 * Returns a getter, valid inside tests.
 */
export function usePostgres(
	databaseName = 'lead_scoring_test',
	options: { settings?: string } = {},
): () => PostgresServer {
	let handle: PostgresServerHandle | undefined;
	let server: PostgresServer | undefined;

	beforeAll(async () => {
		const started = startPostgresServer(REPO_ROOT, options.settings ?? '');
		handle = started;
		await started.createDatabase(databaseName);
		const base = {
			host: started.host,
			port: started.port,
			user: started.user,
			password: started.password,
		};
		server = {
			...base,
			database: databaseName,
			dir: started.dir,
			connection: (database = databaseName) => ({ ...base, database }),
			sql: async (text, values = [], database = databaseName) =>
				await started.sql(text, values, database),
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
		handle?.stop();
		handle = undefined;
		server = undefined;
	}, 120_000);

	return () => {
		if (!server) throw new Error('usePostgres(): the server is available inside tests only');
		return server;
	};
}
