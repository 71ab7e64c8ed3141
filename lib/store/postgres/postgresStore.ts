import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import type { Pool, PoolClient } from 'pg';

import type { ThresholdState } from '../../scoring/crossing';
import type { EventOutcome, StoredEvent } from '../../scoring/keptEvent';
import type { LeadState } from '../../scoring/leadState';
import {
	jsonText,
	StoreError,
	eventKey,
	thresholdState,
	type Baseline,
	type LeadEventId,
	type LeadCursor,
	type LeadFilter,
	type LeadQueryPage,
	type LeadRecord,
	type LeadSort,
	type LedgerEntry,
	type LedgerPage,
	type ScoreSummary,
	type StoredLedgerEntry,
	type SummaryQuery,
	type LeadsSnapshot,
	type LeadsWrite,
	type ListLeadsPage,
	type RescoreItemsPage,
	type RescorePage,
	type RescoreProgress,
	type ScoreStore,
	type StoredEventsPage,
	type StoredModel,
} from '../scoreStore';
import {
	leadPage,
	leadPageSql,
	withoutId,
	type SummaryRow,
	numbered,
	summaryFrom,
	summarySql,
} from '../viewQueries';
import { keysetPage } from '../pages';
import { ledgerEntryFrom, storedEventFrom, type EventRow, type LedgerRow } from '../tableRows';
import { describeConnection, storeError } from './errors';
import { migrateSchema, schemaIsCurrent, tableNames, type TableNames } from './migrations';
import { acquirePool, releasePool, type PostgresConnection } from './pool';

export interface PostgresStoreOptions {
	/** Schema of the store's tables; created on first use when missing. Default `public`. */
	schema?: string;
	/** Prefix of the store's table names. Default `lead_scoring_`. */
	tablePrefix?: string;
}

// Serialization failures and deadlocks are retried as a whole step, decided afresh each time.
const RETRYABLE_CODES = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 6;

/** A concurrent step committed one of our new event ids first: retry, and that id is then seen. Ids are
 * per lead and the lead is locked, so this is a guard against counting twice, not an expected path. */
class EventIdRace extends Error {}

/**
 * The score store on PostgreSQL, for n8n in queue mode: every worker on every machine sees and
 * updates the same scores. Each update is one transaction that locks the requested leads' rows in
 * lead-id order (`SELECT ... FOR UPDATE`), so concurrent steps on a lead queue up and never
 * deadlock on each other; a lead that does not exist yet is locked through its new row.
 */
export class PostgresStore implements ScoreStore {
	readonly schema: string;
	readonly tablePrefix: string;
	private readonly t: TableNames;
	private sharedPool: Pool;
	private readonly poolKey: string;
	private migrated: Promise<void> | null = null;
	private closed = false;

	constructor(
		private readonly connection: PostgresConnection,
		options: PostgresStoreOptions = {},
	) {
		this.schema = options.schema ?? 'public';
		this.tablePrefix = options.tablePrefix ?? 'lead_scoring_';
		this.t = tableNames(this.schema, this.tablePrefix);
		const { key, pool } = acquirePool(connection);
		this.poolKey = key;
		this.sharedPool = pool;
	}

	/** The credential's pool; opened again if closePostgresPools() ended it while this store stays in use. */
	private get pool(): Pool {
		if (this.sharedPool.ending) this.sharedPool = acquirePool(this.connection).pool;
		return this.sharedPool;
	}

	private async connect(): Promise<PoolClient> {
		if (this.closed)
			throw new StoreError(
				`The lead score store on ${describeConnection(this.connection)} is closed.`,
			);
		try {
			return await this.pool.connect();
		} catch (error) {
			throw storeError(error as Error, this.connection, this.schema);
		}
	}

	/** Creates or migrates the tables once per store, safe when many workers start at once. */
	private async ensureSchema(): Promise<void> {
		this.migrated ??= this.migrate().catch((error) => {
			// A failed start (database down, wrong password) is tried again on the next use.
			this.migrated = null;
			throw error;
		});
		await this.migrated;
	}

	private async migrate(): Promise<void> {
		const client = await this.connect();
		let broken = false;
		try {
			// Fast path: an up-to-date schema needs no lock and no DDL permission.
			if (await schemaIsCurrent(client, this.t)) return;
			await client.query('BEGIN');
			try {
				await migrateSchema(client, this.t, this.tablePrefix);
				await client.query('COMMIT');
			} catch (error) {
				await client.query('ROLLBACK').catch(() => (broken = true));
				throw error;
			}
		} catch (error) {
			throw storeError(error as Error, this.connection, this.schema);
		} finally {
			client.release(broken);
		}
	}

	/**
	 * Runs `work` in one transaction; rolls back on any error. Serialization failures, deadlocks and
	 * event-id races are retried as a whole. Errors thrown by the caller's own code pass through unchanged.
	 */
	private async transaction(
		work: (client: PoolClient, callerFailed: (error: unknown) => never) => Promise<void>,
	): Promise<void> {
		await this.ensureSchema();
		for (let attempt = 1; ; attempt++) {
			const client = await this.connect();
			let callerError: unknown = undefined;
			const callerFailed = (error: unknown): never => {
				callerError = error;
				throw error;
			};
			try {
				await client.query('BEGIN');
				await work(client, callerFailed);
				await client.query('COMMIT');
				client.release();
				return;
			} catch (error) {
				let broken = false;
				await client.query('ROLLBACK').catch(() => (broken = true));
				client.release(broken);
				if (callerError !== undefined && error === callerError) throw error;
				const retryable =
					error instanceof EventIdRace ||
					RETRYABLE_CODES.has((error as { code?: string }).code ?? '');
				if (retryable && attempt < MAX_ATTEMPTS) {
					await sleep(Math.random() * 5 * 2 ** attempt);
					continue;
				}
				if (error instanceof EventIdRace) {
					throw new StoreError(
						`${describeConnection(this.connection)}: an event id kept racing with other executions after ${MAX_ATTEMPTS} attempts.`,
					);
				}
				throw storeError(error as Error, this.connection, this.schema);
			}
		}
	}

	/**
	 * Locks `ids` under `key` in sorted order, creating a NULL-marked row for each missing one first,
	 * so a new lead is locked too and a concurrent first update of it waits for this one.
	 */
	private async lockRows(
		client: PoolClient,
		table: string,
		keyColumn: 'score_name' | 'threshold_key',
		key: string,
		ids: string[],
		columns: string,
		now: number,
	): Promise<Array<{ lead_id: string } & Record<string, unknown>>> {
		const lock = `SELECT lead_id, ${columns} FROM ${table}
			WHERE ${keyColumn} = $1 AND lead_id = ANY($2::text[]) ORDER BY lead_id FOR UPDATE`;
		type Row = { lead_id: string } & Record<string, unknown>;
		const locked = (await run<Row>(client, lock, [key, ids])).rows;
		if (locked.length === ids.length) return locked;
		// New ids get a placeholder row to lock; a concurrent first step on the same id waits on it.
		const found = new Set(locked.map((row) => row.lead_id as string));
		const missing = ids.filter((id) => !found.has(id));
		await run(
			client,
			`INSERT INTO ${table} (${keyColumn}, lead_id, updated_at)
			 SELECT $1, id, $3 FROM unnest($2::text[]) AS id ORDER BY id COLLATE "C"
			 ON CONFLICT DO NOTHING`,
			[key, missing, now],
		);
		return [...locked, ...(await run<Row>(client, lock, [key, missing])).rows];
	}

	async updateLeads(
		scoreName: string,
		leadIds: string[],
		eventIds: LeadEventId[],
		decide: (snapshot: LeadsSnapshot) => LeadsWrite,
		options: { withEvents?: boolean } = {},
	): Promise<void> {
		const ids = [...new Set(leadIds)];
		await this.transaction(async (client, callerFailed) => {
			const now = Date.now();
			const snapshot: LeadsSnapshot = { leads: new Map(), seenEvents: new Map() };
			const locked = await this.lockRows(
				client,
				this.t.leads,
				'score_name',
				scoreName,
				ids,
				'state',
				now,
			);
			for (const row of locked)
				if (row.state !== null) snapshot.leads.set(row.lead_id, row.state as LeadState);
			if (eventIds.length > 0) {
				const seen = await run<{ lead_id: string; event_id: string; outcome: EventOutcome | null }>(
					client,
					`SELECT e.lead_id, e.event_id, e.outcome FROM unnest($2::text[], $3::text[]) AS k(lead_id, event_id)
					 JOIN ${this.t.events} AS e ON e.score_name = $1 AND e.lead_id = k.lead_id AND e.event_id = k.event_id`,
					[scoreName, eventIds.map((id) => id.leadId), eventIds.map((id) => id.eventId)],
				);
				for (const row of seen.rows)
					snapshot.seenEvents.set(eventKey(row.lead_id, row.event_id), row.outcome);
			}
			if (options.withEvents) {
				const rows = await run<EventRow>(
					client,
					`SELECT ${EVENT_COLUMNS} FROM ${this.t.events} WHERE score_name = $1 AND lead_id = ANY($2::text[])
					 ORDER BY lead_id, event_time, seq`,
					[scoreName, ids],
				);
				snapshot.events = new Map(ids.map((leadId) => [leadId, []]));
				for (const row of rows.rows) snapshot.events.get(row.lead_id)?.push(toStoredEvent(row));
				const baselines = await run<{ lead_id: string; baseline: Baseline }>(
					client,
					`SELECT lead_id, baseline FROM ${this.t.leads} WHERE score_name = $1 AND lead_id = ANY($2::text[]) AND baseline IS NOT NULL`,
					[scoreName, ids],
				);
				snapshot.baselines = new Map(baselines.rows.map((row) => [row.lead_id, row.baseline]));
			}

			let write: LeadsWrite;
			try {
				write = decide(snapshot);
			} catch (error) {
				callerFailed(error);
			}

			const unused = ids.filter(
				(leadId) => !snapshot.leads.has(leadId) && !write.leads.has(leadId),
			);
			await this.writeDecision(client, scoreName, write!, unused, snapshot.seenEvents, now);
			await this.writeHistory(client, scoreName, write!);
			if (write!.rescore) await this.writeRescorePage(client, scoreName, write!.rescore, now);
		});
	}

	private async writeRescorePage(
		client: PoolClient,
		scoreName: string,
		page: RescorePage,
		now: number,
	): Promise<void> {
		const { progress } = page;
		// A run under another model starts over: the stopped run's items are not this run's. The
		// condition is one lookup of the progress row, so a page of the same run deletes nothing.
		await run(
			client,
			`DELETE FROM ${this.t.rescoreItems} WHERE score_name = $1 AND NOT EXISTS
			   (SELECT 1 FROM ${this.t.rescoreProgress} WHERE score_name = $1 AND model_version = $2)`,
			[scoreName, progress.modelVersion],
		);
		const items = [...page.items];
		await run(
			client,
			`WITH progress AS (
			   INSERT INTO ${this.t.rescoreProgress} (score_name, model_version, after_lead_id, leads, updated_at)
			   VALUES ($1, $2, $3, $4, $5)
			   ON CONFLICT (score_name) DO UPDATE SET model_version = excluded.model_version,
			     after_lead_id = excluded.after_lead_id, leads = excluded.leads, updated_at = excluded.updated_at
			 )
			 INSERT INTO ${this.t.rescoreItems} (score_name, lead_id, item)
			 SELECT $1, i.lead_id, i.item::jsonb FROM unnest($6::text[], $7::text[]) AS i(lead_id, item)
			 ON CONFLICT (score_name, lead_id) DO UPDATE SET item = excluded.item`,
			[
				scoreName,
				progress.modelVersion,
				progress.after,
				progress.leads,
				now,
				items.map(([leadId]) => leadId),
				items.map(([, item]) => jsonText(item)),
			],
		);
	}

	/** Baselines and forgotten events, which only the retention sweep writes. */
	private async writeHistory(
		client: PoolClient,
		scoreName: string,
		write: LeadsWrite,
	): Promise<void> {
		const baselines = [...(write.baselines ?? [])];
		if (baselines.length > 0) {
			await client.query(
				`UPDATE ${this.t.leads} AS l SET baseline = b.baseline::jsonb
				 FROM unnest($2::text[], $3::text[]) AS b(lead_id, baseline)
				 WHERE l.score_name = $1 AND l.lead_id = b.lead_id`,
				[
					scoreName,
					baselines.map(([leadId]) => leadId),
					baselines.map(([, baseline]) => jsonText(baseline)),
				],
			);
		}
		if (write.forgetEvents) {
			await client.query(
				`DELETE FROM ${this.t.events} WHERE score_name = $1 AND lead_id = ANY($2::text[]) AND seq < $3`,
				[scoreName, write.forgetEvents.leadIds, write.forgetEvents.beforeSeq],
			);
		}
	}

	/**
	 * Events, leads and ledger in one statement, so the leads stay locked for one round trip only;
	 * a placeholder row of a lead that got no state is removed.
	 */
	private async writeDecision(
		client: PoolClient,
		scoreName: string,
		write: LeadsWrite,
		unused: string[],
		seen: Map<string, unknown>,
		now: number,
	): Promise<void> {
		const { events, ledger } = write;
		const leads = [...write.leads];
		if (events.length === 0 && leads.length === 0 && ledger.length === 0 && unused.length === 0)
			return;
		const inserted = await run<{ lead_id: string; event_id: string | null }>(
			client,
			`WITH new_events AS (
			   INSERT INTO ${this.t.events} (score_name, event_id, lead_id, event_name, event_time, received_at, payload, outcome)
			   SELECT $1, e.event_id, e.lead_id, e.event_name, e.event_time, $2, e.payload::json, e.outcome::json
			   FROM unnest($3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $25::text[]) WITH ORDINALITY
			     AS e(event_id, lead_id, event_name, event_time, payload, outcome, n)
			   ORDER BY e.n
			   ON CONFLICT (score_name, lead_id, event_id) WHERE event_id IS NOT NULL DO NOTHING
			   RETURNING lead_id, event_id
			 ), new_states AS (
			   INSERT INTO ${this.t.leads} (score_name, lead_id, state, score, tier, last_activity_at, updated_at)
			   SELECT $1, l.lead_id, l.state::jsonb, l.score, l.tier, l.last_activity_at, $2
			   FROM unnest($8::text[], $9::text[], $10::float8[], $11::text[], $12::bigint[]) AS l(lead_id, state, score, tier, last_activity_at)
			   ON CONFLICT (score_name, lead_id) DO UPDATE SET state = excluded.state, score = excluded.score,
			     tier = excluded.tier, last_activity_at = excluded.last_activity_at, updated_at = excluded.updated_at
			 ), new_ledger AS (
			   INSERT INTO ${this.t.ledger} (score_name, lead_id, event_id, event_name, at, recorded_at, previous_score, score, delta, tier, reasons, model_version)
			   SELECT $1, g.lead_id, g.event_id, g.event_name, g.at, g.recorded_at, g.previous_score, g.score, g.delta, g.tier, g.reasons::jsonb, g.model_version
			   FROM unnest($13::text[], $14::text[], $15::text[], $16::bigint[], $17::bigint[], $18::float8[], $19::float8[], $20::float8[], $21::text[], $22::text[], $23::text[])
			     WITH ORDINALITY AS g(lead_id, event_id, event_name, at, recorded_at, previous_score, score, delta, tier, reasons, model_version, n)
			   ORDER BY g.n
			 ), placeholders AS (
			   DELETE FROM ${this.t.leads} WHERE score_name = $1 AND lead_id = ANY($24::text[]) AND state IS NULL
			 )
			 SELECT lead_id, event_id FROM new_events`,
			[
				scoreName,
				now,
				events.map((event) => event.eventId),
				events.map((event) => event.leadId),
				events.map((event) => event.name),
				events.map((event) => Math.round(event.time)),
				events.map((event) =>
					event.payload === null || event.payload === undefined ? null : jsonText(event.payload),
				),
				leads.map(([leadId]) => leadId),
				leads.map(([, state]) => jsonText(state)),
				leads.map(([, state]) => state.score),
				leads.map(([, state]) => state.tier),
				leads.map(([, state]) =>
					state.lastActivityAt === null ? null : Math.round(state.lastActivityAt),
				),
				ledger.map((entry) => entry.leadId),
				ledger.map((entry) => entry.eventId),
				ledger.map((entry) => entry.event),
				ledger.map((entry) => Math.round(entry.at)),
				ledger.map((entry) => Math.round(entry.recordedAt)),
				ledger.map((entry) => entry.previousScore),
				ledger.map((entry) => entry.score),
				ledger.map((entry) => entry.delta),
				ledger.map((entry) => entry.tier),
				ledger.map((entry) => jsonText(entry.reasons)),
				ledger.map((entry) => entry.modelVersion),
				unused,
				events.map((event) => (event.outcome ? jsonText(event.outcome) : null)),
			],
		);
		// An id that was new when read but not inserted now was committed meanwhile: this decision
		// counted it again, so it must not commit.
		const written = new Set(
			inserted.rows.flatMap((row) =>
				row.event_id === null ? [] : [eventKey(row.lead_id, row.event_id)],
			),
		);
		for (const event of events) {
			if (event.eventId === null) continue;
			const key = eventKey(event.leadId, event.eventId);
			if (!seen.has(key) && !written.has(key)) throw new EventIdRace();
		}
	}

	/** One query outside a transaction, after the schema is ready. */
	private async query<R extends object>(sql: string, values: unknown[]): Promise<R[]> {
		await this.ensureSchema();
		if (this.closed)
			throw new StoreError(
				`The lead score store on ${describeConnection(this.connection)} is closed.`,
			);
		try {
			return (await this.pool.query<R>(sql, values)).rows;
		} catch (error) {
			throw storeError(error as Error, this.connection, this.schema);
		}
	}

	async getLeads(scoreName: string, leadIds: string[]): Promise<Map<string, LeadRecord>> {
		const rows = await this.query<LeadRow>(
			`SELECT lead_id, state, updated_at FROM ${this.t.leads}
			 WHERE score_name = $1 AND lead_id = ANY($2::text[]) AND state IS NOT NULL`,
			[scoreName, leadIds],
		);
		return new Map(rows.map((row) => [row.lead_id, toRecord(row)]));
	}

	async listLeads(scoreName: string, after: string | null, limit: number): Promise<ListLeadsPage> {
		const rows = await this.query<LeadRow>(
			`SELECT lead_id, state, updated_at FROM ${this.t.leads}
			 WHERE score_name = $1 AND lead_id > $2 AND state IS NOT NULL ORDER BY lead_id LIMIT $3`,
			[scoreName, after ?? '', limit + 1],
		);
		const { page, next } = keysetPage(rows, limit, (row) => row.lead_id);
		return { leads: page.map(toRecord), next };
	}

	async ledger(scoreName: string, leadId: string, limit: number): Promise<LedgerEntry[]> {
		const rows = await this.query<LedgerRow>(
			`SELECT ${LEDGER_COLUMNS} FROM ${this.t.ledger} WHERE score_name = $1 AND lead_id = $2 ORDER BY id DESC LIMIT $3`,
			[scoreName, leadId, limit],
		);
		return rows.map((row) => withoutId(toLedgerEntry(row)));
	}

	async queryLeads(
		scoreName: string,
		filter: LeadFilter,
		sort: LeadSort,
		after: LeadCursor | null,
		limit: number,
	): Promise<LeadQueryPage> {
		const { text, values } = leadPageSql(
			this.t.leads,
			scoreName,
			filter,
			sort,
			after,
			limit,
			'postgres',
		);
		return leadPage(await this.query<SummaryRow>(numbered(text), values), limit, sort);
	}

	async ledgerAsOf(
		scoreName: string,
		leadId: string,
		asOf: number,
	): Promise<StoredLedgerEntry | null> {
		const rows = await this.query<LedgerRow>(
			`SELECT ${LEDGER_COLUMNS} FROM ${this.t.ledger} WHERE score_name = $1 AND lead_id = $2 AND recorded_at <= $3
			 ORDER BY id DESC LIMIT 1`,
			[scoreName, leadId, Math.floor(asOf)],
		);
		return rows.length > 0 ? toLedgerEntry(rows[0]) : null;
	}

	async ledgerBetween(
		scoreName: string,
		leadId: string,
		range: { from: number; to: number },
		after: number | null,
		limit: number,
	): Promise<LedgerPage> {
		const rows = await this.query<LedgerRow>(
			`SELECT ${LEDGER_COLUMNS} FROM ${this.t.ledger}
			 WHERE score_name = $1 AND lead_id = $2 AND id > $3 AND recorded_at BETWEEN $4 AND $5 ORDER BY id LIMIT $6`,
			[scoreName, leadId, after ?? 0, Math.ceil(range.from), Math.floor(range.to), limit + 1],
		);
		const { page, next } = keysetPage(rows, limit, (row) => row.id);
		return { entries: page.map(toLedgerEntry), next };
	}

	async summarize(scoreName: string, query: SummaryQuery): Promise<ScoreSummary> {
		await this.ensureSchema();
		const sql = summarySql(this.t, scoreName, query, 'postgres');
		const client = await this.connect();
		let broken = false;
		try {
			const all = async <Row extends object>(statement: { text: string; values: unknown[] }) =>
				(await client.query<Row>(numbered(statement.text), statement.values)).rows;
			// One snapshot, so every figure is of the same moment.
			await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
			const top = await all<{ lead_id: string; score: number; tier: string; updated_at: number }>(
				sql.top,
			);
			const rows = {
				tiers: await all<{ tier: string | null; count: number }>(sql.tiers),
				distribution: await all<{ bucket: number; count: number }>(sql.distribution),
				changes: await all<{
					day: number;
					changes: number;
					crossings: number;
					tier_changes: number;
				}>(sql.changes),
				events: await all<{ day: number; events: number }>(sql.events),
				modelVersions: await all<{ version: string | null; count: number }>(sql.modelVersions),
				top: [] as Array<(typeof top)[number] & { reasons: LedgerEntry['reasons'] }>,
			};
			for (const row of top) {
				const latest = await all<{ reasons: LedgerEntry['reasons'] }>({
					text: sql.latestReasons.text,
					values: [scoreName, row.lead_id],
				});
				rows.top.push({ ...row, reasons: latest[0]?.reasons ?? [] });
			}
			await client.query('COMMIT');
			return summaryFrom(rows, query);
		} catch (error) {
			await client.query('ROLLBACK').catch(() => (broken = true));
			throw storeError(error as Error, this.connection, this.schema);
		} finally {
			client.release(broken);
		}
	}

	async listEvents(
		scoreName: string,
		range: { from: number; to: number },
		after: number | null,
		limit: number,
	): Promise<StoredEventsPage> {
		const rows = await this.query<EventRow>(
			`SELECT ${EVENT_COLUMNS} FROM ${this.t.events}
			 WHERE score_name = $1 AND seq > $2 AND event_time BETWEEN $3 AND $4 ORDER BY seq LIMIT $5`,
			[scoreName, after ?? 0, Math.ceil(range.from), Math.floor(range.to), limit + 1],
		);
		const { page, next } = keysetPage(rows, limit, (row) => row.seq);
		return { events: page.map(toStoredEvent), next };
	}

	async updateThresholdStates(
		thresholdKey: string,
		leadIds: string[],
		decide: (states: Map<string, ThresholdState>) => Map<string, ThresholdState>,
	): Promise<void> {
		const ids = [...new Set(leadIds)];
		await this.transaction(async (client, callerFailed) => {
			const now = Date.now();
			const locked = await this.lockRows(
				client,
				this.t.thresholds,
				'threshold_key',
				thresholdKey,
				ids,
				'crossed, score, revision, transition_revision',
				now,
			);
			const states = new Map<string, ThresholdState>();
			for (const row of locked) {
				if (row.crossed !== null) {
					const revision = row.revision === null ? null : Number(row.revision);
					const transition =
						row.transition_revision === null ? null : Number(row.transition_revision);
					states.set(
						row.lead_id,
						thresholdState(row.crossed as boolean, row.score as number, revision, transition),
					);
				}
			}
			let next: Map<string, ThresholdState>;
			try {
				next = decide(new Map(states));
			} catch (error) {
				callerFailed(error);
			}
			const entries = [...next!];
			if (entries.length > 0) {
				await client.query(
					`INSERT INTO ${this.t.thresholds} (threshold_key, lead_id, crossed, score, revision, transition_revision, updated_at)
					 SELECT $1, s.lead_id, s.crossed, s.score, s.revision, s.transition_revision, $2
					 FROM unnest($3::text[], $4::boolean[], $5::float8[], $6::bigint[], $7::bigint[]) AS s(lead_id, crossed, score, revision, transition_revision)
					 ON CONFLICT (threshold_key, lead_id) DO UPDATE SET crossed = excluded.crossed, score = excluded.score,
					   revision = excluded.revision, transition_revision = excluded.transition_revision, updated_at = excluded.updated_at`,
					[
						thresholdKey,
						now,
						entries.map(([leadId]) => leadId),
						entries.map(([, s]) => s.crossed),
						entries.map(([, s]) => s.score),
						entries.map(([, s]) => s.revision ?? null),
						entries.map(([, s]) => s.transitionRevision ?? null),
					],
				);
			}
			const unused = ids.filter((leadId) => !states.has(leadId) && !next.has(leadId));
			if (unused.length > 0) {
				await client.query(
					`DELETE FROM ${this.t.thresholds} WHERE threshold_key = $1 AND lead_id = ANY($2::text[]) AND crossed IS NULL`,
					[thresholdKey, unused],
				);
			}
		});
	}

	async useModel(scoreName: string, model: StoredModel): Promise<string | null> {
		// The usual case, the same model as last time, is one read outside a transaction.
		if ((await this.currentModel(scoreName))?.version === model.version) return null;
		let previous: string | null = null;
		await this.transaction(async (client) => {
			const current = await client.query<ModelRow>(
				`SELECT model_version, model, used_at FROM ${this.t.models} WHERE score_name = $1 ORDER BY used_at DESC LIMIT 1`,
				[scoreName],
			);
			const latest = current.rows[0];
			previous = null;
			if (latest?.model_version === model.version) return;
			// Strictly later than the current one, so the latest is never a tie.
			const usedAt = Math.max(model.usedAt, Number(latest?.used_at ?? 0) + 1);
			await client.query(
				`INSERT INTO ${this.t.models} (score_name, model_version, model, used_at) VALUES ($1, $2, $3, $4)
				 ON CONFLICT (score_name, model_version) DO UPDATE SET used_at = excluded.used_at`,
				[scoreName, model.version, JSON.stringify(model.model), usedAt],
			);
			previous = latest?.model_version ?? null;
		});
		return previous;
	}

	async currentModel(scoreName: string): Promise<StoredModel | undefined> {
		const [row] = await this.query<ModelRow>(
			`SELECT model_version, model, used_at FROM ${this.t.models} WHERE score_name = $1 ORDER BY used_at DESC LIMIT 1`,
			[scoreName],
		);
		return row && { version: row.model_version, model: row.model, usedAt: Number(row.used_at) };
	}

	// Ids grow with commit time, so a binary search over ids finds the first row committed at or after
	// `time` in a few index lookups: no time index to maintain, and no scan of the older rows that other
	// score names keep for longer.
	private async firstIdFrom(table: 'events' | 'ledger', time: number): Promise<number> {
		const [name, id, column] =
			table === 'events'
				? [this.t.events, 'seq', 'received_at']
				: [this.t.ledger, 'id', 'recorded_at'];
		const [range] = await this.query<{ low: number | null; high: number | null }>(
			`SELECT min(${id}) AS low, max(${id}) AS high FROM ${name}`,
			[],
		);
		if (range.low === null || range.high === null) return 1;
		let low = range.low;
		let high = range.high + 1;
		while (low < high) {
			const [row] = await this.query<{ id: number; time: number }>(
				`SELECT ${id} AS id, ${column} AS time FROM ${name} WHERE ${id} >= $1 ORDER BY ${id} LIMIT 1`,
				[Math.floor((low + high) / 2)],
			);
			// Deleted meanwhile by another process's pruning: everything from here on is newer.
			if (!row) break;
			if (row.time >= time) high = row.id;
			else low = row.id + 1;
		}
		return low;
	}

	async firstEventSeqFrom(receivedAt: number): Promise<number> {
		return await this.firstIdFrom('events', receivedAt);
	}

	async eventLeadsBetween(
		scoreName: string,
		seqs: { after: number; before: number },
		limit: number,
	): Promise<Array<{ seq: number; leadId: string }>> {
		const rows = await this.query<{ seq: number; lead_id: string }>(
			`SELECT seq, lead_id FROM ${this.t.events} WHERE seq > $1 AND seq < $2 AND score_name = $3 ORDER BY seq LIMIT $4`,
			[seqs.after, seqs.before, scoreName, limit],
		);
		return rows.map((row) => ({ seq: row.seq, leadId: row.lead_id }));
	}

	async forgetLedger(scoreName: string, recordedBefore: number): Promise<void> {
		const before = await this.firstIdFrom('ledger', recordedBefore);
		await this.query(`DELETE FROM ${this.t.ledger} WHERE id < $1 AND score_name = $2`, [
			before,
			scoreName,
		]);
	}

	async rescoreProgress(scoreName: string): Promise<RescoreProgress | undefined> {
		const [row] = await this.query<{ model_version: string; after_lead_id: string; leads: string }>(
			`SELECT model_version, after_lead_id, leads FROM ${this.t.rescoreProgress} WHERE score_name = $1`,
			[scoreName],
		);
		return (
			row && { modelVersion: row.model_version, after: row.after_lead_id, leads: Number(row.leads) }
		);
	}

	async rescoreItems(
		scoreName: string,
		after: string | null,
		limit: number,
	): Promise<RescoreItemsPage> {
		const rows = await this.query<{ lead_id: string; item: unknown }>(
			`SELECT lead_id, item FROM ${this.t.rescoreItems} WHERE score_name = $1 AND lead_id > $2 ORDER BY lead_id LIMIT $3`,
			[scoreName, after ?? '', limit + 1],
		);
		const { page, next } = keysetPage(rows, limit, (row) => row.lead_id);
		return { items: page.map((row) => ({ leadId: row.lead_id, item: row.item })), next };
	}

	async endRescore(scoreName: string): Promise<void> {
		await this.transaction(async (client) => {
			await client.query(`DELETE FROM ${this.t.rescoreItems} WHERE score_name = $1`, [scoreName]);
			await client.query(`DELETE FROM ${this.t.rescoreProgress} WHERE score_name = $1`, [
				scoreName,
			]);
		});
	}

	/** Releases this store's share of the pool; the pool closes when no store in this process uses it. */
	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		await releasePool(this.poolKey, this.sharedPool);
	}
}

const EVENT_COLUMNS = 'seq, event_id, lead_id, event_name, event_time, received_at, payload';
const LEDGER_COLUMNS =
	'id, lead_id, event_id, event_name, at, recorded_at, previous_score, score, delta, tier, reasons, model_version';

interface ModelRow {
	model_version: string;
	model: unknown;
	used_at: string | number;
}

/** Runs a statement prepared once per connection: the hot statements skip parsing and planning. */
async function run<R extends object = Record<string, unknown>>(
	client: PoolClient,
	text: string,
	values: unknown[],
) {
	return await client.query<R>({ name: statementName(text), text, values });
}

const statementNames = new Map<string, string>();

function statementName(text: string): string {
	let name = statementNames.get(text);
	if (!name) {
		name = `lead_scoring_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
		statementNames.set(text, name);
	}
	return name;
}

interface LeadRow {
	lead_id: string;
	state: LeadState;
	updated_at: number;
}

function toStoredEvent(row: EventRow): StoredEvent {
	return storedEventFrom(row, row.payload);
}

function toLedgerEntry(row: LedgerRow): StoredLedgerEntry {
	return ledgerEntryFrom(row, row.reasons);
}

function toRecord(row: LeadRow): LeadRecord {
	return { leadId: row.lead_id, state: row.state, updatedAt: row.updated_at };
}
