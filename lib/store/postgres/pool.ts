import { createHash } from 'node:crypto';

import { Pool, types, type PoolConfig } from 'pg';

/** Where the store connects: the fields of n8n's built-in Postgres credential (`postgres`). */
export interface PostgresConnection {
	host: string;
	port: number;
	database: string;
	user: string;
	password: string;
	/** As n8n's credential: `allow` and `require` connect with TLS and verify the certificate. */
	ssl?: 'disable' | 'allow' | 'require';
	/** TLS without certificate verification (n8n's "Ignore SSL Issues"). */
	allowUnauthorizedCerts?: boolean;
	/** Pool size in this process. */
	maxConnections?: number;
}

/** How long a connection attempt waits for the server; error messages name it. */
export const CONNECT_TIMEOUT_MS = 15_000;

/** bigint columns (ms times, sequence numbers) as numbers, for this store's pools only: n8n shares the pg module. */
const typeParsers = {
	getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
		oid === types.builtins.INT8
			? Number
			: types.getTypeParser(oid, format)) as typeof types.getTypeParser,
};

interface SharedPool {
	pool: Pool;
	users: number;
}

const pools = new Map<string, SharedPool>();
let exitHookInstalled = false;

/** Identifies a credential without keeping its password in clear. */
export function connectionKey(connection: PostgresConnection): string {
	// The password is part of the identity (a changed password needs a new pool) but never kept in clear.
	const secret = createHash('sha256').update(connection.password).digest('hex');
	return JSON.stringify([
		connection.host,
		connection.port,
		connection.database,
		connection.user,
		secret,
		connection.ssl ?? 'disable',
		connection.allowUnauthorizedCerts === true,
	]);
}

function poolConfig(connection: PostgresConnection): PoolConfig {
	let ssl: PoolConfig['ssl'] = false;
	if (connection.allowUnauthorizedCerts === true) ssl = { rejectUnauthorized: false };
	else if (connection.ssl === 'allow' || connection.ssl === 'require') ssl = true;
	return {
		host: connection.host,
		port: connection.port,
		database: connection.database,
		user: connection.user,
		password: connection.password,
		ssl,
		max: Math.max(1, connection.maxConnections ?? 10),
		connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
		idleTimeoutMillis: 10_000,
		// An idle pool never keeps a process (a test, an n8n worker shutting down) alive.
		allowExitOnIdle: true,
		keepAlive: true,
		// A session that hangs inside a transaction must not hold lead locks forever.
		idle_in_transaction_session_timeout: 60_000,
		application_name: 'n8n-nodes-lead-scoring',
		types: typeParsers,
	};
}

/** One pool per credential per process, shared by every store (and execution) that uses it. */
export function acquirePool(connection: PostgresConnection): { key: string; pool: Pool } {
	const key = connectionKey(connection);
	let shared = pools.get(key);
	if (!shared) {
		const pool = new Pool(poolConfig(connection));
		// A server restart or a dropped idle connection must not crash the process: the next query reconnects.
		pool.on('error', () => {});
		pool.on('connect', (client) => client.on('error', () => {}));
		shared = { pool, users: 0 };
		pools.set(key, shared);
	}
	shared.users++;
	if (!exitHookInstalled) {
		exitHookInstalled = true;
		// Close the connections cleanly when the process has nothing left to do. Not on SIGTERM: n8n then
		// still finishes running executions, which need the store; at exit the OS closes the sockets.
		process.once('beforeExit', () => void closePostgresPools());
	}
	return { key, pool: shared.pool };
}

/** Ends every pool of this process; a store used afterwards opens its credential's pool again. */
export async function closePostgresPools(): Promise<void> {
	const open = [...pools.values()];
	pools.clear();
	exitHookInstalled = false;
	await Promise.all(open.map(async ({ pool }) => await pool.end().catch(() => {})));
}

export async function releasePool(key: string, pool: Pool): Promise<void> {
	const shared = pools.get(key);
	// Already ended by closePostgresPools (and perhaps replaced since): nothing of it is ours.
	if (!shared || shared.pool !== pool) return;
	shared.users--;
	if (shared.users > 0) return;
	pools.delete(key);
	await shared.pool.end();
}

/** Open pools in this process, for tests of the pool registry. */
export function openPostgresPools(): number {
	return pools.size;
}
