import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { inspect } from 'node:util';

import { scoreEvents } from '../../lib/service/scoreBatch';
import { DAY_MS } from '../../lib/scoring/decay';
import { forgetOldHistory } from '../../lib/service/retention';
import { postgresStore } from '../../lib/store/openStore';
import { PostgresStore } from '../../lib/store/postgres/postgresStore';
import { POSTGRES_SCHEMA_VERSION } from '../../lib/store/postgres/migrations';
import { closePostgresPools, openPostgresPools } from '../../lib/store/postgres/pool';
import { StoreError } from '../../lib/store/scoreStore';
import { usePostgres } from '../helpers/postgres';
import {
	describeAcrossProcesses,
	describeStoreContract,
	ping,
	plusOne,
	requireBuild,
	runWriter,
} from './storeContract';

const server = usePostgres('lead_scoring_test', { settings: 'synchronous_commit=off' });
let schemas = 0;
const freshSchema = () => `store_test_${++schemas}`;

afterAll(async () => await closePostgresPools());

async function failureOf(work: () => Promise<unknown>): Promise<Error> {
	try {
		await work();
	} catch (error) {
		return error as Error;
	}
	throw new Error('expected a failure');
}

function freePort(): Promise<number> {
	return new Promise((resolve) => {
		const probe = createServer().listen(0, '127.0.0.1', () => {
			const { port } = probe.address() as { port: number };
			probe.close(() => resolve(port));
		});
	});
}

/** Makes the schema look like one a store of schema `version` (2 or 3) created. */
async function downgrade(schema: string, version: 2 | 3 | 6): Promise<void> {
	await server().sql(`DROP TABLE ${schema}.rescore_progress; DROP TABLE ${schema}.rescore_items;`);
	await server().sql(`DELETE FROM ${schema}.schema_migrations WHERE version > ${version}`);
	if (version === 6) return;
	await server().sql(`DROP TABLE ${schema}.models;
		ALTER TABLE ${schema}.events DROP COLUMN outcome;
		DROP INDEX ${schema}.events_lead_event;
		CREATE UNIQUE INDEX events_event_id ON ${schema}.events (score_name, event_id) WHERE event_id IS NOT NULL;
		ALTER TABLE ${schema}.threshold_states DROP COLUMN transition_revision;`);
	if (version < 3) await server().sql(`ALTER TABLE ${schema}.leads DROP COLUMN baseline`);
}

describe('PostgreSQL store', () => {
	describeStoreContract(() => new PostgresStore(server().connection(), { schema: freshSchema() }));
});

describe('PostgreSQL store across processes', () => {
	describeAcrossProcesses(async () => {
		const schema = freshSchema();
		const store = new PostgresStore(server().connection(), { schema, tablePrefix: '' });
		await store.getLeads('default', []); // create the schema once so the writers race on data, not on migrations
		await store.close();
		return {
			writerArgs: ['--store', 'postgres', schema],
			env: server().env(),
			open: () => new PostgresStore(server().connection(), { schema, tablePrefix: '' }),
		};
	});
});

describe('PostgreSQL store schema', () => {
	beforeAll(requireBuild);

	it('is created once when 8 processes start on an empty database at the same moment', async () => {
		const schema = freshSchema();
		const target = {
			writerArgs: ['--store', 'postgres', schema],
			env: server().env(),
			open: () => new PostgresStore(server().connection(), { schema, tablePrefix: '' }),
		};
		const startAt = String(Date.now() + 1500);
		await Promise.all(
			Array.from({ length: 8 }, (_, writer) =>
				runWriter(target, ['migrate', String(writer), '1', '0', startAt]),
			),
		);
		const versions = await server().sql(
			`SELECT version FROM ${schema}.schema_migrations ORDER BY version`,
		);
		expect(versions.map((row) => row.version)).toEqual(
			Array.from({ length: POSTGRES_SCHEMA_VERSION }, (_, i) => i + 1),
		);
		const store = target.open();
		expect(
			(await store.getLeads('default', ['ada@example.com'])).get('ada@example.com')!.state.score,
		).toBe(8);
		await store.close();
	}, 120_000);

	it('lives in the schema and under the table prefix the operator sets, names quoted', async () => {
		const schema = 'Lead "Scores" 2026';
		const a = new PostgresStore(server().connection(), { schema, tablePrefix: 'team-a.' });
		const b = new PostgresStore(server().connection(), { schema, tablePrefix: 'team-b.' });
		await scoreEvents(a, plusOne, 'default', [ping('ada@example.com', 'e1')]);
		await scoreEvents(b, plusOne, 'default', [
			ping('ada@example.com', 'e1'),
			ping('ada@example.com', 'e2'),
		]);
		const tables = await server().sql(
			'SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename',
			[schema],
		);
		expect(tables.map((row) => row.tablename)).toEqual(
			['team-a.', 'team-b.'].flatMap((prefix) =>
				[
					'events',
					'leads',
					'ledger',
					'models',
					'rescore_items',
					'rescore_progress',
					'schema_migrations',
					'threshold_states',
				].map((name) => prefix + name),
			),
		);
		expect(
			(await a.getLeads('default', ['ada@example.com'])).get('ada@example.com')!.state.score,
		).toBe(1);
		expect(
			(await b.getLeads('default', ['ada@example.com'])).get('ada@example.com')!.state.score,
		).toBe(2);
		await Promise.all([a.close(), b.close()]);
	});

	it('migrates a store of schema version 3 keeping its events: their repeats answer unchanged, marked replayed: false', async () => {
		const schema = freshSchema();
		const before = new PostgresStore(server().connection(), { schema, tablePrefix: '' });
		await scoreEvents(before, plusOne, 'default', [
			ping('ada@example.com', 'e1'),
			ping('ada@example.com', 'e2'),
		]);
		await before.close();
		// What version 3 left: ids unique per score name, no outcomes, no crossing revision.
		await downgrade(schema, 3);
		const store = new PostgresStore(server().connection(), { schema, tablePrefix: '' });
		const results = await scoreEvents(store, plusOne, 'default', [
			ping('ada@example.com', 'e1'),
			ping('bob@example.com', 'e1'),
			ping('ada@example.com', 'e3'),
			ping('ada@example.com', 'e3'),
		]);
		expect(
			results.map(
				(result) =>
					result.ok && [
						result.value.score,
						result.value.previousScore,
						result.value.duplicate,
						result.value.replayed,
					],
			),
		).toEqual([
			[2, 2, true, false],
			[1, 0, false, false],
			[3, 2, false, false],
			[3, 2, true, true],
		]);
		const versions = await server().sql(
			`SELECT version FROM ${schema}.schema_migrations ORDER BY version`,
		);
		expect(versions.map((row) => row.version)).toEqual(
			Array.from({ length: POSTGRES_SCHEMA_VERSION }, (_, i) => i + 1),
		);
		await store.close();
	});

	it('runs on a user with data permissions only, once the schema exists', async () => {
		const schema = freshSchema();
		const owner = new PostgresStore(server().connection(), { schema });
		await owner.getLeads('default', []);
		await owner.close();
		await server().sql(`CREATE ROLE scorer_dml LOGIN PASSWORD 'dml-pass-1234'`);
		await server().sql(`GRANT USAGE ON SCHEMA ${schema} TO scorer_dml`);
		await server().sql(
			`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO scorer_dml`,
		);
		const store = new PostgresStore(
			{ ...server().connection(), user: 'scorer_dml', password: 'dml-pass-1234' },
			{ schema },
		);
		const [result] = await scoreEvents(store, plusOne, 'default', [ping('ada@example.com', 'e1')]);
		expect(result).toMatchObject({ ok: true, value: { score: 1, duplicate: false } });
		await forgetOldHistory(
			store,
			plusOne,
			'default',
			{ eventDays: 1, ledgerDays: 1 },
			Date.now() + 2 * DAY_MS,
		);
		await store.close();
	});
});

describe('PostgreSQL store migration 3', () => {
	it('drops the webhook headers that events kept before; a row PostgreSQL cannot read as jsonb loses its data', async () => {
		const schema = freshSchema();
		const store = new PostgresStore(server().connection(), { schema, tablePrefix: '' });
		const item = {
			headers: { authorization: 'Bearer sk_live_123', 'x-api-key': 'key-456' },
			body: { email: 'ada@example.com', properties: { url: '/pricing' } },
		};
		await scoreEvents(store, plusOne, 'default', [
			ping('ada@example.com', 'e1'),
			ping('ada@example.com', 'e2'),
		]);
		await store.close();
		// What a store of schema version 2 kept: the whole item, headers included; one row with an escaped lone surrogate.
		const whole = JSON.stringify({ kind: 'event', data: item, hasProfile: false });
		await server().sql(`UPDATE ${schema}.events SET payload = $1::json WHERE event_id = 'e1'`, [
			whole,
		]);
		await server().sql(`UPDATE ${schema}.events SET payload = $1::json WHERE event_id = 'e2'`, [
			whole.replace('/pricing', '\\ud800'),
		]);
		await downgrade(schema, 2);
		const migrated = new PostgresStore(server().connection(), { schema, tablePrefix: '' });
		const { events } = await migrated.listEvents(
			'default',
			{ from: 0, to: Number.MAX_SAFE_INTEGER },
			null,
			10,
		);
		expect(events.map((event) => [event.eventId, event.payload])).toEqual([
			['e1', { kind: 'event', data: { body: item.body }, hasProfile: false }],
			['e2', null],
		]);
		await migrated.close();
	});
});

describe('PostgreSQL store migration 7', () => {
	it("migrates a store of schema version 6 keeping its scores, and keeps a Re-Score's progress from then on", async () => {
		const schema = freshSchema();
		const before = new PostgresStore(server().connection(), { schema, tablePrefix: '' });
		await scoreEvents(before, plusOne, 'default', [
			ping('ada@example.com', 'e1'),
			ping('bob@example.com', 'e2'),
		]);
		await before.close();
		await downgrade(schema, 6);
		// Several workers open the old schema at once: one migrates, the others find it done.
		const stores = Array.from(
			{ length: 4 },
			() => new PostgresStore(server().connection(), { schema, tablePrefix: '' }),
		);
		expect(await Promise.all(stores.map((store) => store.rescoreProgress('default')))).toEqual([
			undefined,
			undefined,
			undefined,
			undefined,
		]);
		const versions = await server().sql(
			`SELECT version FROM ${schema}.schema_migrations ORDER BY version`,
		);
		expect(versions.map((row) => row.version)).toEqual([1, 2, 3, 4, 5, 6, 7]);
		const [store] = stores;
		await store.updateLeads('default', ['ada@example.com'], [], () => ({
			leads: new Map(),
			events: [],
			ledger: [],
			rescore: {
				progress: { modelVersion: 'v2', after: 'ada@example.com', leads: 1 },
				items: new Map([['ada@example.com', { changed: { leadId: 'ada@example.com' } }]]),
			},
		}));
		expect(await store.rescoreProgress('default')).toEqual({
			modelVersion: 'v2',
			after: 'ada@example.com',
			leads: 1,
		});
		expect((await store.getLeads('default', ['ada@example.com', 'bob@example.com'])).size).toBe(2);
		await Promise.all(stores.map((each) => each.close()));
	});
});

describe('PostgreSQL store refusing a row', () => {
	it('fails only the item whose row the database refuses; the rest of the chunk commits, in order', async () => {
		const schema = freshSchema();
		const store = new PostgresStore(server().connection(), { schema, tablePrefix: '' });
		await store.getLeads('default', []);
		// A row the database itself refuses, whatever the checks before writing let through.
		await server().sql(
			`ALTER TABLE ${schema}.events ADD CONSTRAINT no_poison CHECK (event_name <> 'Poison')`,
		);
		const poison = { ...ping('ada@example.com', 'p1'), name: 'Poison' };
		const batch = [
			ping('ada@example.com', 'e1'),
			poison,
			ping('ada@example.com', 'e2'),
			ping('bob@example.com', 'e3'),
		];
		const outcome = async () =>
			(await scoreEvents(store, plusOne, 'default', batch)).map((result) =>
				'error' in result ? result.error.name : [result.value.score, result.value.duplicate],
			);
		expect(await outcome()).toEqual([[1, false], 'StoreDataError', [2, false], [1, false]]);
		// The retry answers each counted event with its first outcome; only the refused one fails again.
		expect(await outcome()).toEqual([[1, true], 'StoreDataError', [2, true], [1, true]]);
		await store.close();
	});
});

describe('PostgreSQL store errors', () => {
	const wrongPassword = ['Wr0ng', 'S3cret', 'Passw0rd'].join('-');

	it('names the user, not the password, when the password is wrong', async () => {
		const store = new PostgresStore(
			{ ...server().connection(), password: wrongPassword },
			{ schema: freshSchema() },
		);
		const error = await failureOf(() => store.getLeads('default', ['ada@example.com']));
		expect(error).toBeInstanceOf(StoreError);
		expect(error.message).toBe(
			`PostgreSQL refused the password for user "${server().user}" (database "${server().database}" at 127.0.0.1:${server().port}): check the user and password of the Postgres credential.`,
		);
		expect(inspect(error, { depth: 10 })).not.toContain(wrongPassword);
		await store.close();
	});

	it('says the server cannot be reached at that host and port, without the password', async () => {
		const port = await freePort();
		const store = new PostgresStore(
			{ ...server().connection(), port, password: wrongPassword },
			{ schema: freshSchema() },
		);
		const error = await failureOf(() =>
			scoreEvents(store, plusOne, 'default', [ping('ada@example.com')]).then(([result]) => {
				if ('error' in result) throw result.error;
			}),
		);
		expect(error).toBeInstanceOf(StoreError);
		expect(error.message).toMatch(
			new RegExp(`^Cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`),
		);
		expect(inspect(error, { depth: 10 })).not.toContain(wrongPassword);
		await store.close();
	});

	it('says the server does not accept SSL when the credential asks for it', async () => {
		const store = new PostgresStore(
			{ ...server().connection(), ssl: 'require' },
			{ schema: freshSchema() },
		);
		const error = await failureOf(() => store.getLeads('default', ['ada@example.com']));
		expect(error.message).toBe(
			`PostgreSQL at 127.0.0.1:${server().port} does not accept SSL connections: set SSL to Disable in the Postgres credential.`,
		);
		await store.close();
	});

	it('connects without TLS when the credential says SSL: Disable (as n8n does, Ignore SSL Issues means TLS)', async () => {
		const store = new PostgresStore(
			{ ...server().connection(), ssl: 'disable' },
			{ schema: freshSchema() },
		);
		await scoreEvents(store, plusOne, 'default', [ping('ada@example.com', 'e1')]);
		const [sessions] = await server().sql(
			`SELECT count(*)::int AS sessions, bool_or(s.ssl) AS tls FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
			 WHERE a.application_name = 'n8n-nodes-lead-scoring' AND a.datname = $1`,
			[server().database],
		);
		expect(sessions).toEqual({ sessions: expect.any(Number), tls: false });
		expect(sessions.sessions).toBeGreaterThan(0);
		await store.close();
		// n8n's own Postgres node hides SSL when Ignore SSL Issues is on, and then connects with TLS, unverified.
		const insecure = new PostgresStore(
			{ ...server().connection(), ssl: 'disable', allowUnauthorizedCerts: true },
			{ schema: freshSchema() },
		);
		expect((await failureOf(() => insecure.getLeads('default', []))).message).toMatch(
			/does not accept SSL connections/,
		);
		await insecure.close();
	});

	it('says why a lead id with a NUL character cannot be stored', async () => {
		const store = new PostgresStore(server().connection(), { schema: freshSchema() });
		const [result] = await scoreEvents(store, plusOne, 'default', [ping('ada\u0000@example.com')]);
		expect('error' in result && result.error.message).toMatch(
			/^PostgreSQL cannot store text that contains a NUL character \(U\+0000\), as in this lead id, event id or event name: /,
		);
		await store.close();
	});

	it('says which database does not exist', async () => {
		const store = new PostgresStore(server().connection('no_such_db'), { schema: freshSchema() });
		const error = await failureOf(() => store.listLeads('default', null, 10));
		expect(error.message).toBe(
			`The database "no_such_db" does not exist on PostgreSQL at 127.0.0.1:${server().port}: create it, or fix the database name of the Postgres credential.`,
		);
		await store.close();
	});

	it('names the missing permission when the user may not create the tables', async () => {
		await server().sql(`CREATE ROLE scorer_plain LOGIN PASSWORD 'plain-pass-1234'`);
		const store = new PostgresStore(
			{ ...server().connection(), user: 'scorer_plain', password: 'plain-pass-1234' },
			{ schema: 'public' },
		);
		const error = await failureOf(() => store.getLeads('default', ['ada@example.com']));
		expect(error).toBeInstanceOf(StoreError);
		expect(error.message).toContain(
			'The PostgreSQL user "scorer_plain" lacks a permission the lead score store needs (schema "public"): permission denied for schema public.',
		);
		expect(error.message).not.toContain('plain-pass-1234');
		await store.close();
	});
});

describe('PostgreSQL connection pools', () => {
	it('share one pool per credential in a process, closed when its last store closes', async () => {
		await closePostgresPools();
		const first = new PostgresStore(server().connection(), { schema: freshSchema() });
		const second = new PostgresStore(server().connection(), { schema: freshSchema() });
		const other = new PostgresStore(
			{ ...server().connection(), password: 'another-password' },
			{ schema: freshSchema() },
		);
		expect(openPostgresPools()).toBe(2);
		await first.close();
		expect(openPostgresPools()).toBe(2);
		await Promise.all([second.close(), other.close()]);
		expect(openPostgresPools()).toBe(0);
		await expect(first.getLeads('default', [])).rejects.toThrow(/is closed/);
	});

	it('never keep a process alive, and leave no session behind when it exits without closing the store', async () => {
		requireBuild();
		const schema = freshSchema();
		const sessions = async () =>
			Number(
				(
					await server().sql(
						`SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'n8n-nodes-lead-scoring' AND pid <> pg_backend_pid()`,
					)
				)[0].n,
			);
		await closePostgresPools();
		// The child uses the store, then waits for a line on stdin and lets its event loop run empty.
		const script = `
			const { PostgresStore } = require(${JSON.stringify(join(__dirname, '../../dist/lib/store/postgres/postgresStore.js'))});
			const env = process.env;
			const store = new PostgresStore({ host: env.PGHOST, port: Number(env.PGPORT), database: env.PGDATABASE, user: env.PGUSER, password: env.PGPASSWORD }, { schema: ${JSON.stringify(schema)} });
			store.getLeads('default', ['ada@example.com']).then(() => process.stdout.write('used'));
			process.stdin.once('data', () => process.stdin.destroy());`;
		const child = spawn(process.execPath, ['-e', script], {
			env: { ...process.env, ...server().env() },
			stdio: ['pipe', 'pipe', 'pipe'],
		});
		let output = '';
		child.stderr.on('data', (chunk) => (output += chunk));
		const exited = new Promise((resolve) => child.on('exit', resolve));
		await new Promise<void>((resolve) =>
			child.stdout.on('data', (chunk) => (output += chunk) && output.includes('used') && resolve()),
		);
		expect(await sessions()).toBeGreaterThan(0);
		const released = Date.now();
		child.stdin.end('done\n');
		expect([await exited, output]).toEqual([0, 'used']);
		// Well before the pool's 10 s idle timeout: idle connections do not hold the process.
		expect(Date.now() - released).toBeLessThan(5000);
		for (let i = 0; i < 50 && (await sessions()) > 0; i++)
			await new Promise((resolve) => setTimeout(resolve, 100));
		expect(await sessions()).toBe(0);
	}, 30_000);
});

describe('postgresStore() for a node', () => {
	// The Postgres credential as n8n hands it to a node (n8n-nodes-base Postgres.credentials, n8n 2.41).
	const credentials = () => ({
		host: server().host,
		port: server().port,
		database: server().database,
		user: server().user,
		password: server().password,
		maxConnections: 100,
		allowUnauthorizedCerts: false,
		ssl: 'disable' as const,
		sshTunnel: false,
	});

	it('gives every execution of a process the same store for a credential, schema and prefix, on one pool', async () => {
		await closePostgresPools();
		const schema = freshSchema();
		const store = postgresStore(credentials(), { schema });
		expect(postgresStore(credentials(), { schema })).toBe(store);
		const other = postgresStore(credentials(), { schema, tablePrefix: 'other_' });
		expect(other).not.toBe(store);
		expect(openPostgresPools()).toBe(1);
		await scoreEvents(store, plusOne, 'default', [ping('ada@example.com', 'e1')]);
		const [again] = await scoreEvents(
			postgresStore(credentials(), { schema }),
			plusOne,
			'default',
			[ping('ada@example.com', 'e1')],
		);
		expect(again).toMatchObject({ ok: true, value: { score: 1, duplicate: true } });
		expect((await other.getLeads('default', ['ada@example.com'])).size).toBe(0);
		// Pools closed when the process ran out of work (beforeExit) open again if work comes back.
		await closePostgresPools();
		expect(openPostgresPools()).toBe(0);
		expect(
			(await postgresStore(credentials(), { schema }).getLeads('default', ['ada@example.com'])).get(
				'ada@example.com',
			)!.state.score,
		).toBe(1);
		expect(openPostgresPools()).toBe(1);
	});

	it('refuses a credential it cannot use, saying why', () => {
		expect(() => postgresStore({ ...credentials(), sshTunnel: true })).toThrow(
			'The lead score store cannot use the SSH tunnel of a Postgres credential: use a credential that connects directly.',
		);
		expect(() => postgresStore({ ...credentials(), host: '', database: '' })).toThrow(
			'The Postgres credential has no host, database.',
		);
	});
});
