import { join } from 'node:path';

import { PostgresStore, type PostgresStoreOptions } from './postgres/postgresStore';
import { connectionKey, type PostgresConnection } from './postgres/pool';
import { StoreError, type ScoreStore } from './scoreStore';
import { SqliteStore } from './sqliteStore';

const embeddedStores = new Map<string, SqliteStore>();

export const EMBEDDED_FILE_NAME = 'lead-scores.sqlite';

/**
 * The embedded store in `storageFolder` (n8n's per-node storage path), opened once per process
 * and shared by every execution, so one connection serialises this process's writes.
 */
export function embeddedStore(storageFolder: string): ScoreStore {
	const path = join(storageFolder, EMBEDDED_FILE_NAME);
	let store = embeddedStores.get(path);
	if (!store) {
		store = new SqliteStore(path);
		embeddedStores.set(path, store);
	}
	return store;
}

/** n8n's built-in Postgres credential (`postgres`) as `getCredentials('postgres')` returns it. */
export interface PostgresCredentials extends Partial<PostgresConnection> {
	sshTunnel?: boolean;
}

const postgresStores = new Map<string, PostgresStore>();

/**
 * The PostgreSQL store for a Postgres credential, schema and table prefix, opened once per process
 * and shared by every execution; its connection pool is shared by every store of that credential
 * and closed when the process exits.
 */
export function postgresStore(
	credentials: PostgresCredentials,
	options: PostgresStoreOptions = {},
): ScoreStore {
	if (credentials.sshTunnel === true) {
		throw new StoreError(
			'The lead score store cannot use the SSH tunnel of a Postgres credential: use a credential that connects directly.',
		);
	}
	const missing = (['host', 'database', 'user'] as const).filter((field) => !credentials[field]);
	if (missing.length > 0)
		throw new StoreError(`The Postgres credential has no ${missing.join(', ')}.`);
	const connection: PostgresConnection = {
		host: credentials.host!,
		port: Number(credentials.port ?? 5432),
		database: credentials.database!,
		user: credentials.user!,
		password: credentials.password ?? '',
		ssl: credentials.ssl,
		allowUnauthorizedCerts: credentials.allowUnauthorizedCerts,
		maxConnections: credentials.maxConnections,
	};
	const key = JSON.stringify([
		connectionKey(connection),
		options.schema ?? null,
		options.tablePrefix ?? null,
	]);
	let store = postgresStores.get(key);
	if (!store) {
		store = new PostgresStore(connection, options);
		postgresStores.set(key, store);
	}
	return store;
}
