import type { PoolClient } from 'pg';

import { StoreError } from '../scoreStore';

const MAX_IDENTIFIER_BYTES = 63;

export interface TableNames {
	schema: string;
	migrations: string;
	leads: string;
	events: string;
	ledger: string;
	thresholds: string;
	models: string;
	rescoreProgress: string;
	rescoreItems: string;
	/** Index names live in the schema's namespace too, so they carry the prefix. */
	index: (name: string) => string;
}

/** Schema migrations by version; each runs once, in order, under an advisory lock, in one transaction. */
const MIGRATIONS: Array<(t: TableNames) => string> = [
	(t) => `
	CREATE TABLE ${t.leads} (
		score_name text COLLATE "C" NOT NULL,
		lead_id text COLLATE "C" NOT NULL,
		-- NULL only inside the transaction that creates the lead: the row is its lock
		state jsonb,
		score double precision,
		tier text,
		last_activity_at bigint,
		updated_at bigint NOT NULL,
		PRIMARY KEY (score_name, lead_id)
	);
	CREATE TABLE ${t.events} (
		seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		score_name text COLLATE "C" NOT NULL,
		event_id text COLLATE "C",
		lead_id text COLLATE "C" NOT NULL,
		event_name text NOT NULL,
		event_time bigint NOT NULL,
		received_at bigint NOT NULL,
		payload json
	);
	CREATE UNIQUE INDEX ${t.index('events_event_id')} ON ${t.events} (score_name, event_id) WHERE event_id IS NOT NULL;
	CREATE INDEX ${t.index('events_lead')} ON ${t.events} (score_name, lead_id, event_time);
	CREATE TABLE ${t.ledger} (
		id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		score_name text COLLATE "C" NOT NULL,
		lead_id text COLLATE "C" NOT NULL,
		event_id text,
		event_name text,
		at bigint NOT NULL,
		recorded_at bigint NOT NULL,
		previous_score double precision NOT NULL,
		score double precision NOT NULL,
		delta double precision NOT NULL,
		tier text NOT NULL,
		reasons jsonb NOT NULL,
		model_version text
	);
	CREATE INDEX ${t.index('ledger_lead')} ON ${t.ledger} (score_name, lead_id, id);
	CREATE TABLE ${t.thresholds} (
		threshold_key text COLLATE "C" NOT NULL,
		lead_id text COLLATE "C" NOT NULL,
		-- NULL only inside the transaction that creates the state
		crossed boolean,
		score double precision,
		updated_at bigint NOT NULL,
		PRIMARY KEY (threshold_key, lead_id)
	);`,
	// The score revision each crossing state was decided on, so late scores cannot re-arm a lead.
	(t) => `ALTER TABLE ${t.thresholds} ADD COLUMN revision bigint;`,
	// What forgotten events leave behind, so re-scoring never takes the kept events for the whole
	// history; and the webhook headers (credentials, cookies) that events kept before are dropped.
	// A row whose data PostgreSQL cannot read as jsonb (an escaped lone surrogate) loses its data.
	(t) => `
	ALTER TABLE ${t.leads} ADD COLUMN baseline jsonb;
	DO $strip$
	DECLARE kept record;
	BEGIN
		FOR kept IN SELECT seq FROM ${t.events} WHERE payload::text LIKE '%"headers"%' LOOP
			BEGIN
				UPDATE ${t.events} SET payload = (payload::jsonb #- '{data,headers}')::json WHERE seq = kept.seq;
			EXCEPTION WHEN others THEN
				UPDATE ${t.events} SET payload = NULL WHERE seq = kept.seq;
			END;
		END LOOP;
	END
	$strip$;`,
	// Event ids unique per lead, as Klaviyo's unique_id is per profile; each keeps the outcome it had,
	// so a re-sent event answers as the first time (events stored before this have none). Crossing
	// states remember the revision that crossed, so a replay of it is handed over again.
	(t) => `
	ALTER TABLE ${t.events} ADD COLUMN outcome json;
	DROP INDEX ${quoteIdentifier(t.schema)}.${t.index('events_event_id')};
	CREATE UNIQUE INDEX ${t.index('events_lead_event')} ON ${t.events} (score_name, lead_id, event_id) WHERE event_id IS NOT NULL;
	ALTER TABLE ${t.thresholds} ADD COLUMN transition_revision bigint;`,
	// The models each score was scored with, by version; the latest used_at is the score's model.
	(t) => `
	CREATE TABLE ${t.models} (
		score_name text COLLATE "C" NOT NULL,
		model_version text COLLATE "C" NOT NULL,
		model jsonb NOT NULL,
		used_at bigint NOT NULL,
		PRIMARY KEY (score_name, model_version)
	);
	CREATE INDEX ${t.index('models_used')} ON ${t.models} (score_name, used_at);`,
	// List Leads and the dashboard: each order, filter and aggregate reads one index range, never the
	// lead states; the model version is a column computed from the state, so no write has to set it.
	(t) => `
	ALTER TABLE ${t.leads} ADD COLUMN IF NOT EXISTS model_version text GENERATED ALWAYS AS (state->>'modelVersion') STORED;
	CREATE INDEX IF NOT EXISTS ${t.index('leads_by_score')} ON ${t.leads} (score_name, score, lead_id);
	CREATE INDEX IF NOT EXISTS ${t.index('leads_by_change')} ON ${t.leads} (score_name, updated_at, lead_id);
	CREATE INDEX IF NOT EXISTS ${t.index('leads_by_tier')} ON ${t.leads} (score_name, tier, score);
	CREATE INDEX IF NOT EXISTS ${t.index('leads_by_model')} ON ${t.leads} (score_name, model_version);
	CREATE INDEX IF NOT EXISTS ${t.index('ledger_by_time')} ON ${t.ledger} (score_name, recorded_at, previous_score, score);
	CREATE INDEX IF NOT EXISTS ${t.index('events_by_time')} ON ${t.events} (score_name, received_at);`,
	// Where a stopped Re-Score stands, and the items of its committed pages, so the next run under
	// the same model goes on after the last committed lead instead of reading every lead again.
	(t) => `
	CREATE TABLE IF NOT EXISTS ${t.rescoreProgress} (
		score_name text COLLATE "C" PRIMARY KEY,
		model_version text NOT NULL,
		after_lead_id text COLLATE "C" NOT NULL,
		leads bigint NOT NULL,
		updated_at bigint NOT NULL
	);
	CREATE TABLE IF NOT EXISTS ${t.rescoreItems} (
		score_name text COLLATE "C" NOT NULL,
		lead_id text COLLATE "C" NOT NULL,
		item jsonb NOT NULL,
		PRIMARY KEY (score_name, lead_id)
	);`,
];

export const POSTGRES_SCHEMA_VERSION = MIGRATIONS.length;

export function quoteIdentifier(name: string): string {
	return `"${name.replace(/"/g, '""')}"`;
}

export function tableNames(schema: string, prefix: string): TableNames {
	const check = (name: string) => {
		if (Buffer.byteLength(name) > MAX_IDENTIFIER_BYTES) {
			throw new StoreError(
				`The table prefix "${prefix}" is too long: PostgreSQL names are at most ${MAX_IDENTIFIER_BYTES} bytes ("${name}").`,
			);
		}
		return name;
	};
	if (schema.length === 0 || Buffer.byteLength(schema) > MAX_IDENTIFIER_BYTES) {
		throw new StoreError(
			`The schema name "${schema}" must have 1 to ${MAX_IDENTIFIER_BYTES} bytes.`,
		);
	}
	const table = (name: string) =>
		`${quoteIdentifier(schema)}.${quoteIdentifier(check(prefix + name))}`;
	return {
		schema,
		migrations: table('schema_migrations'),
		leads: table('leads'),
		events: table('events'),
		ledger: table('ledger'),
		thresholds: table('threshold_states'),
		models: table('models'),
		rescoreProgress: table('rescore_progress'),
		rescoreItems: table('rescore_items'),
		index: (name) => quoteIdentifier(check(prefix + name)),
	};
}

async function schemaVersion(client: PoolClient, t: TableNames): Promise<number> {
	const result = await client.query<{ version: number | null }>(
		`SELECT max(version) AS version FROM ${t.migrations}`,
	);
	return result.rows[0].version ?? 0;
}

/** Whether the tables exist at the latest version: then a start needs no lock and no DDL permission. */
export async function schemaIsCurrent(client: PoolClient, t: TableNames): Promise<boolean> {
	const exists = await client.query<{ found: boolean }>(
		'SELECT to_regclass($1) IS NOT NULL AS found',
		[t.migrations],
	);
	return exists.rows[0].found && (await schemaVersion(client, t)) >= MIGRATIONS.length;
}

/** Creates the schema and runs the missing migrations; call inside a transaction, which it locks against other migrators. */
export async function migrateSchema(
	client: PoolClient,
	t: TableNames,
	tablePrefix: string,
): Promise<void> {
	// One migrating transaction per schema and prefix at a time, across every process and machine.
	await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
		`n8n-nodes-lead-scoring:${t.schema}.${tablePrefix}`,
	]);
	const schema = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [t.schema]);
	if (schema.rowCount === 0) await client.query(`CREATE SCHEMA ${quoteIdentifier(t.schema)}`);
	await client.query(
		`CREATE TABLE IF NOT EXISTS ${t.migrations} (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
	);
	for (
		let version = (await schemaVersion(client, t)) + 1;
		version <= MIGRATIONS.length;
		version++
	) {
		await client.query(MIGRATIONS[version - 1](t));
		await client.query(`INSERT INTO ${t.migrations} (version) VALUES ($1)`, [version]);
	}
}
