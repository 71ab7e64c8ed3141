import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';

import type { ThresholdState } from '../scoring/crossing';
import type { EventOutcome, StoredEvent } from '../scoring/keptEvent';
import type { LeadState } from '../scoring/leadState';
import {
	jsonText,
	StoreDataError,
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
} from './scoreStore';
import { keysetPage, yieldToEventLoop } from './pages';
import { Checkpointer } from './sqliteCheckpointer';
import { ledgerEntryFrom, storedEventFrom, type EventRow, type LedgerRow } from './tableRows';
import {
	leadPage,
	leadPageSql,
	withoutId,
	type SummaryRow,
	summaryFrom,
	summarySql,
} from './viewQueries';

/** Schema migrations by version; each runs once, in order, inside one write transaction. */
const MIGRATIONS: string[] = [
	`CREATE TABLE leads (
		id INTEGER PRIMARY KEY,
		score_name TEXT NOT NULL,
		lead_id TEXT NOT NULL,
		state TEXT NOT NULL,
		score REAL NOT NULL,
		tier TEXT NOT NULL,
		last_activity_at INTEGER,
		updated_at INTEGER NOT NULL,
		UNIQUE (score_name, lead_id)
	);
	CREATE TABLE events (
		seq INTEGER PRIMARY KEY AUTOINCREMENT,
		score_name TEXT NOT NULL,
		event_id TEXT,
		lead_id TEXT NOT NULL,
		event_name TEXT NOT NULL,
		event_time INTEGER NOT NULL,
		received_at INTEGER NOT NULL,
		payload TEXT
	);
	CREATE UNIQUE INDEX events_event_id ON events (score_name, event_id) WHERE event_id IS NOT NULL;
	CREATE INDEX events_lead ON events (score_name, lead_id, event_time);
	CREATE TABLE ledger (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		score_name TEXT NOT NULL,
		lead_id TEXT NOT NULL,
		event_id TEXT,
		event_name TEXT,
		at INTEGER NOT NULL,
		recorded_at INTEGER NOT NULL,
		previous_score REAL NOT NULL,
		score REAL NOT NULL,
		delta REAL NOT NULL,
		tier TEXT NOT NULL,
		reasons TEXT NOT NULL,
		model_version TEXT
	);
	CREATE INDEX ledger_lead ON ledger (score_name, lead_id, id);
	CREATE TABLE threshold_states (
		threshold_key TEXT NOT NULL,
		lead_id TEXT NOT NULL,
		crossed INTEGER NOT NULL,
		score REAL NOT NULL,
		updated_at INTEGER NOT NULL,
		PRIMARY KEY (threshold_key, lead_id)
	) WITHOUT ROWID;`,
	// The score revision each crossing state was decided on, so late scores cannot re-arm a lead.
	`ALTER TABLE threshold_states ADD COLUMN revision INTEGER;`,
	// What forgotten events leave behind, so re-scoring never takes the kept events for the whole
	// history; and the webhook headers (credentials, cookies) that events kept before are dropped.
	`ALTER TABLE leads ADD COLUMN baseline TEXT;
	UPDATE events SET payload = json_remove(payload, '$.data.headers')
	WHERE payload IS NOT NULL AND json_valid(payload) AND json_type(payload, '$.data.headers') IS NOT NULL;`,
	// Event ids unique per lead, as Klaviyo's unique_id is per profile; each keeps the outcome it had,
	// so a re-sent event answers as the first time (events stored before this have none). Crossing
	// states remember the revision that crossed, so a replay of it is handed over again.
	`ALTER TABLE events ADD COLUMN outcome TEXT;
	DROP INDEX events_event_id;
	CREATE UNIQUE INDEX events_lead_event ON events (score_name, lead_id, event_id) WHERE event_id IS NOT NULL;
	ALTER TABLE threshold_states ADD COLUMN transition_revision INTEGER;`,
	// The models each score was scored with, by version; the latest used_at is the score's model.
	`CREATE TABLE models (
		score_name TEXT NOT NULL,
		model_version TEXT NOT NULL,
		model TEXT NOT NULL,
		used_at INTEGER NOT NULL,
		PRIMARY KEY (score_name, model_version)
	) WITHOUT ROWID;
	CREATE INDEX models_used ON models (score_name, used_at);`,
	// List Leads and the dashboard: each order, filter and aggregate reads one index range, never the
	// lead states. The model version is indexed as an expression of the state, so no write has to set
	// it; SQLite reads such an index like a column (an index on a generated column would not cover).
	`CREATE INDEX IF NOT EXISTS leads_by_score ON leads (score_name, score, lead_id);
	CREATE INDEX IF NOT EXISTS leads_by_change ON leads (score_name, updated_at, lead_id);
	CREATE INDEX IF NOT EXISTS leads_by_tier ON leads (score_name, tier, score);
	CREATE INDEX IF NOT EXISTS leads_by_model ON leads (score_name, json_extract(state, '$.modelVersion'));
	CREATE INDEX IF NOT EXISTS ledger_by_time ON ledger (score_name, recorded_at, previous_score, score);
	CREATE INDEX IF NOT EXISTS events_by_time ON events (score_name, received_at);`,
	// Where a stopped Re-Score stands, and the items of its committed pages, so the next run under
	// the same model goes on after the last committed lead instead of reading every lead again.
	`CREATE TABLE IF NOT EXISTS rescore_progress (
		score_name TEXT PRIMARY KEY,
		model_version TEXT NOT NULL,
		after_lead_id TEXT NOT NULL,
		leads INTEGER NOT NULL,
		updated_at INTEGER NOT NULL
	) WITHOUT ROWID;
	CREATE TABLE IF NOT EXISTS rescore_items (
		score_name TEXT NOT NULL,
		lead_id TEXT NOT NULL,
		item TEXT NOT NULL,
		PRIMARY KEY (score_name, lead_id)
	) WITHOUT ROWID;`,
	// Apply Decay and Re-Score move the index entries of every lead whose score they change, each to
	// a page of its own at a million leads; a second index keyed by score (tier, score) doubled that.
	// The tier rides in the score index instead, so tier counts and tier filters still read no lead row.
	`DROP INDEX IF EXISTS leads_by_tier;
	DROP INDEX IF EXISTS leads_by_score;
	CREATE INDEX IF NOT EXISTS leads_by_score_tier ON leads (score_name, score, lead_id, tier);`,
];

const BUSY_TIMEOUT_MS = 30_000;
// Pages of WAL before a commit checkpoints it (40 MB): short enough that the pause stays small.
const AUTOCHECKPOINT_PAGES = 10_000;
// During a sweep the checkpoints run in a worker thread, and a longer WAL (200 MB) lets each copy a
// page that many transactions wrote only once; the file is cut back when the sweep ends.
const SWEEP_WAL_PAGES = 50_000;

/**
 * The embedded store: one SQLite file (Node's built-in node:sqlite, WAL mode). Each update is
 * one `BEGIN IMMEDIATE` transaction, which takes the file's write lock, so executions in this
 * process and other processes on the same machine never interleave their read-decide-write.
 */
export class SqliteStore implements ScoreStore {
	private readonly db: DatabaseSync;
	private readonly statements = new Map<string, StatementSync>();
	/** The sweeps running now: how many, and their checkpoint thread once one of them needs it. */
	private sweeping: { checkpointer: Checkpointer | null; sweeps: number } | null = null;

	constructor(readonly path: string) {
		try {
			if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
			this.db = new DatabaseSync(path);
			this.db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
			this.db.exec('PRAGMA journal_mode = WAL');
			// WAL + NORMAL: a committed transaction survives a killed process; only power loss can drop the newest.
			this.db.exec('PRAGMA synchronous = NORMAL');
			// A 64 MB page cache keeps the lead and event-id indexes of a busy store in memory.
			this.db.exec('PRAGMA cache_size = -65536');
			// Reads through a memory map skip a system call per page; a longer WAL between checkpoints
			// writes each hot page to the database file less often.
			this.db.exec('PRAGMA mmap_size = 268435456');
			this.db.exec(`PRAGMA wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
			this.migrate();
		} catch (error) {
			throw new StoreError(
				`Cannot open the lead score database at ${path}: ${(error as Error).message}`,
				{
					cause: error,
				},
			);
		}
	}

	private migrate(): void {
		this.transaction(() => {
			const { user_version: version } = this.db.prepare('PRAGMA user_version').get() as {
				user_version: number;
			};
			for (let next = version; next < MIGRATIONS.length; next++) this.db.exec(MIGRATIONS[next]);
			if (version < MIGRATIONS.length) this.db.exec(`PRAGMA user_version = ${MIGRATIONS.length}`);
		});
	}

	private statement(sql: string): StatementSync {
		let statement = this.statements.get(sql);
		if (!statement) {
			statement = this.db.prepare(sql);
			this.statements.set(sql, statement);
		}
		return statement;
	}

	private transaction<T>(work: () => T): T {
		try {
			this.db.exec('BEGIN IMMEDIATE');
		} catch (error) {
			throw new StoreError(
				`The lead score database ${this.path} stayed locked for ${BUSY_TIMEOUT_MS / 1000} s: ${(error as Error).message}`,
				{ cause: error },
			);
		}
		try {
			const result = work();
			this.db.exec('COMMIT');
			return result;
		} catch (error) {
			if (this.db.isTransaction) this.db.exec('ROLLBACK');
			throw error;
		}
	}

	/**
	 * While a sweep runs, checkpoints leave the event loop: from its second page on (a one-page sweep
	 * needs no thread), this connection stops making them and a worker thread copies the WAL back as
	 * the sweep writes (see Checkpointer). Should that thread fail, this connection checkpoints
	 * again as before and the sweep goes on.
	 */
	async sweep<T>(work: (pace: () => Promise<void>) => Promise<T>): Promise<T> {
		if (this.path === ':memory:') return work(yieldToEventLoop);
		const sweeping = (this.sweeping ??= { checkpointer: null, sweeps: 0 });
		sweeping.sweeps++;
		try {
			return await work(async () => {
				if (!sweeping.checkpointer) {
					this.db.exec('PRAGMA wal_autocheckpoint = 0');
					sweeping.checkpointer = new Checkpointer(this.path, SWEEP_WAL_PAGES);
				}
				if (!sweeping.checkpointer.failed)
					await sweeping.checkpointer.pace().catch(() => this.checkpointOnCommit());
				await yieldToEventLoop();
			});
		} finally {
			if (--sweeping.sweeps === 0) {
				this.sweeping = null;
				if (sweeping.checkpointer) {
					this.checkpointOnCommit();
					await sweeping.checkpointer.finish().catch(() => undefined);
				}
			}
		}
	}

	private checkpointOnCommit(): void {
		if (this.db.isOpen) this.db.exec(`PRAGMA wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
	}

	async updateLeads(
		scoreName: string,
		leadIds: string[],
		eventIds: LeadEventId[],
		decide: (snapshot: LeadsSnapshot) => LeadsWrite,
		options: { withEvents?: boolean } = {},
	): Promise<void> {
		this.transaction(() => {
			const snapshot: LeadsSnapshot = { leads: new Map(), seenEvents: new Map() };
			const rowIds = new Map<string, number | bigint>();
			const leadRows = this.statement(
				'SELECT id, lead_id, state FROM leads WHERE score_name = ? AND lead_id IN (SELECT value FROM json_each(?))',
			).all(scoreName, JSON.stringify(leadIds)) as Array<{
				id: number;
				lead_id: string;
				state: string;
			}>;
			for (const row of leadRows) {
				snapshot.leads.set(row.lead_id, JSON.parse(row.state) as LeadState);
				rowIds.set(row.lead_id, row.id);
			}
			if (eventIds.length > 0) {
				const eventRows = this.statement(
					// CROSS JOIN keeps this order: one index lookup per requested id, never a scan of the score's events.
					`SELECT e.lead_id, e.event_id, e.outcome FROM json_each(?) AS k CROSS JOIN events AS e
					 WHERE e.score_name = ? AND e.lead_id = k.value ->> 0 AND e.event_id = k.value ->> 1 AND e.event_id IS NOT NULL`,
				).all(
					JSON.stringify(eventIds.map(({ leadId, eventId }) => [leadId, eventId])),
					scoreName,
				) as Array<{ lead_id: string; event_id: string; outcome: string | null }>;
				for (const row of eventRows) {
					const outcome = row.outcome === null ? null : (JSON.parse(row.outcome) as EventOutcome);
					snapshot.seenEvents.set(eventKey(row.lead_id, row.event_id), outcome);
				}
			}
			if (options.withEvents) {
				const rows = this.statement(
					`SELECT * FROM events WHERE score_name = ? AND lead_id IN (SELECT value FROM json_each(?))
					 ORDER BY lead_id, event_time, seq`,
				).all(scoreName, JSON.stringify(leadIds)) as unknown as Array<EventRow<string | null>>;
				snapshot.events = new Map(leadIds.map((leadId) => [leadId, []]));
				for (const row of rows) snapshot.events.get(row.lead_id)?.push(toStoredEvent(row));
				const baselines = this.statement(
					`SELECT lead_id, baseline FROM leads
					 WHERE score_name = ? AND lead_id IN (SELECT value FROM json_each(?)) AND baseline IS NOT NULL`,
				).all(scoreName, JSON.stringify(leadIds)) as Array<{ lead_id: string; baseline: string }>;
				snapshot.baselines = new Map(
					baselines.map((row) => [row.lead_id, JSON.parse(row.baseline) as Baseline]),
				);
			}

			const write = decide(snapshot);
			try {
				this.write(scoreName, write, rowIds);
			} catch (error) {
				throw dataError(error);
			}
		});
	}

	private write(scoreName: string, write: LeadsWrite, rowIds: Map<string, number | bigint>): void {
		const now = Date.now();
		const insertEvent = this.statement(
			`INSERT OR IGNORE INTO events (score_name, event_id, lead_id, event_name, event_time, received_at, payload, outcome)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		);
		for (const event of write.events) {
			const payload =
				event.payload === null || event.payload === undefined ? null : jsonText(event.payload);
			insertEvent.run(
				scoreName,
				event.eventId,
				event.leadId,
				event.name,
				event.time,
				now,
				payload,
				event.outcome ? jsonText(event.outcome) : null,
			);
		}
		// Rows read under the lock are updated by row id; only new leads need the unique index.
		const updateLead = this.statement(
			'UPDATE leads SET state = ?, score = ?, tier = ?, last_activity_at = ?, updated_at = ? WHERE id = ?',
		);
		const insertLead = this.statement(
			`INSERT INTO leads (score_name, lead_id, state, score, tier, last_activity_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		);
		for (const [leadId, state] of write.leads) {
			const rowId = rowIds.get(leadId);
			const json = jsonText(state);
			if (rowId === undefined)
				insertLead.run(scoreName, leadId, json, state.score, state.tier, state.lastActivityAt, now);
			else updateLead.run(json, state.score, state.tier, state.lastActivityAt, now, rowId);
		}
		const insertLedger = this.statement(
			`INSERT INTO ledger (score_name, lead_id, event_id, event_name, at, recorded_at, previous_score, score, delta, tier, reasons, model_version)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		);
		for (const entry of write.ledger) {
			insertLedger.run(
				scoreName,
				entry.leadId,
				entry.eventId,
				entry.event,
				entry.at,
				entry.recordedAt,
				entry.previousScore,
				entry.score,
				entry.delta,
				entry.tier,
				jsonText(entry.reasons),
				entry.modelVersion,
			);
		}
		const setBaseline = this.statement(
			'UPDATE leads SET baseline = ? WHERE score_name = ? AND lead_id = ?',
		);
		for (const [leadId, baseline] of write.baselines ?? []) {
			setBaseline.run(jsonText(baseline), scoreName, leadId);
		}
		if (write.forgetEvents) {
			this.statement(
				`DELETE FROM events WHERE score_name = ? AND lead_id IN (SELECT value FROM json_each(?)) AND seq < ?`,
			).run(scoreName, JSON.stringify(write.forgetEvents.leadIds), write.forgetEvents.beforeSeq);
		}
		if (write.rescore) this.writeRescorePage(scoreName, write.rescore, now);
	}

	private writeRescorePage(scoreName: string, page: RescorePage, now: number): void {
		const { progress } = page;
		const current = this.statement(
			'SELECT model_version FROM rescore_progress WHERE score_name = ?',
		).get(scoreName) as { model_version: string } | undefined;
		// A run under another model starts over: the stopped run's items are not this run's.
		if (current?.model_version !== progress.modelVersion) {
			this.statement('DELETE FROM rescore_items WHERE score_name = ?').run(scoreName);
		}
		this.statement(
			`INSERT INTO rescore_progress (score_name, model_version, after_lead_id, leads, updated_at) VALUES (?, ?, ?, ?, ?)
			 ON CONFLICT (score_name) DO UPDATE SET model_version = excluded.model_version,
			   after_lead_id = excluded.after_lead_id, leads = excluded.leads, updated_at = excluded.updated_at`,
		).run(scoreName, progress.modelVersion, progress.after, progress.leads, now);
		const insertItem = this.statement(
			`INSERT INTO rescore_items (score_name, lead_id, item) VALUES (?, ?, ?)
			 ON CONFLICT (score_name, lead_id) DO UPDATE SET item = excluded.item`,
		);
		for (const [leadId, item] of page.items) insertItem.run(scoreName, leadId, jsonText(item));
	}

	async getLeads(scoreName: string, leadIds: string[]): Promise<Map<string, LeadRecord>> {
		const rows = this.statement(
			'SELECT lead_id, state, updated_at FROM leads WHERE score_name = ? AND lead_id IN (SELECT value FROM json_each(?))',
		).all(scoreName, JSON.stringify(leadIds)) as Array<{
			lead_id: string;
			state: string;
			updated_at: number;
		}>;
		return new Map(rows.map((row) => [row.lead_id, toRecord(row)]));
	}

	async listLeads(scoreName: string, after: string | null, limit: number): Promise<ListLeadsPage> {
		const rows = this.statement(
			`SELECT lead_id, state, updated_at FROM leads WHERE score_name = ? AND lead_id > ?
			 ORDER BY lead_id LIMIT ?`,
		).all(scoreName, after ?? '', limit + 1) as Array<{
			lead_id: string;
			state: string;
			updated_at: number;
		}>;
		const { page, next } = keysetPage(rows, limit, (row) => row.lead_id);
		return { leads: page.map(toRecord), next };
	}

	async ledger(scoreName: string, leadId: string, limit: number): Promise<LedgerEntry[]> {
		const rows = this.statement(
			`SELECT * FROM ledger WHERE score_name = ? AND lead_id = ? ORDER BY id DESC LIMIT ?`,
		).all(scoreName, leadId, limit) as unknown as Array<LedgerRow<string>>;
		return rows.map((row) => withoutId(toLedgerEntry(row)));
	}

	async queryLeads(
		scoreName: string,
		filter: LeadFilter,
		sort: LeadSort,
		after: LeadCursor | null,
		limit: number,
	): Promise<LeadQueryPage> {
		const { text, values } = leadPageSql('leads', scoreName, filter, sort, after, limit, 'sqlite');
		const rows = this.statement(text).all(...(values as SqlValue[])) as unknown as SummaryRow[];
		return leadPage(rows, limit, sort);
	}

	async ledgerAsOf(
		scoreName: string,
		leadId: string,
		asOf: number,
	): Promise<StoredLedgerEntry | null> {
		// The ledger_lead index walks the lead's entries newest first; commit times grow with the id.
		const row = this.statement(
			`SELECT * FROM ledger WHERE score_name = ? AND lead_id = ? AND recorded_at <= ? ORDER BY id DESC LIMIT 1`,
		).get(scoreName, leadId, asOf) as unknown as LedgerRow<string> | undefined;
		return row ? toLedgerEntry(row) : null;
	}

	async ledgerBetween(
		scoreName: string,
		leadId: string,
		range: { from: number; to: number },
		after: number | null,
		limit: number,
	): Promise<LedgerPage> {
		const rows = this.statement(
			`SELECT * FROM ledger WHERE score_name = ? AND lead_id = ? AND id > ? AND recorded_at BETWEEN ? AND ?
			 ORDER BY id LIMIT ?`,
		).all(scoreName, leadId, after ?? 0, range.from, range.to, limit + 1) as unknown as Array<
			LedgerRow<string>
		>;
		const { page, next } = keysetPage(rows, limit, (row) => row.id);
		return { entries: page.map(toLedgerEntry), next };
	}

	async summarize(scoreName: string, query: SummaryQuery): Promise<ScoreSummary> {
		const sql = summarySql(
			{ leads: 'leads', ledger: 'ledger', events: 'events' },
			scoreName,
			query,
			'sqlite',
		);
		const all = <Row>(statement: { text: string; values: unknown[] }) =>
			this.statement(statement.text).all(...(statement.values as SqlValue[])) as Row[];
		// One read transaction, so every figure is of the same moment.
		this.db.exec('BEGIN');
		try {
			const top = all<{ lead_id: string; score: number; tier: string; updated_at: number }>(
				sql.top,
			);
			const reasons = this.statement(sql.latestReasons.text);
			return summaryFrom(
				{
					tiers: all(sql.tiers),
					distribution: all(sql.distribution),
					changes: all(sql.changes),
					events: all(sql.events),
					top: top.map((row) => {
						const latest = reasons.get(scoreName, row.lead_id) as { reasons: string } | undefined;
						return { ...row, reasons: latest ? JSON.parse(latest.reasons) : [] };
					}),
					modelVersions: all(sql.modelVersions),
				},
				query,
			);
		} finally {
			this.db.exec('COMMIT');
		}
	}

	async listEvents(
		scoreName: string,
		range: { from: number; to: number },
		after: number | null,
		limit: number,
	): Promise<StoredEventsPage> {
		const rows = this.statement(
			`SELECT * FROM events WHERE score_name = ? AND seq > ? AND event_time BETWEEN ? AND ? ORDER BY seq LIMIT ?`,
		).all(scoreName, after ?? 0, range.from, range.to, limit + 1) as unknown as Array<
			EventRow<string | null>
		>;
		const { page, next } = keysetPage(rows, limit, (row) => row.seq);
		return { events: page.map(toStoredEvent), next };
	}

	async updateThresholdStates(
		thresholdKey: string,
		leadIds: string[],
		decide: (states: Map<string, ThresholdState>) => Map<string, ThresholdState>,
	): Promise<void> {
		this.transaction(() => {
			const rows = this.statement(
				`SELECT lead_id, crossed, score, revision, transition_revision FROM threshold_states
				 WHERE threshold_key = ? AND lead_id IN (SELECT value FROM json_each(?))`,
			).all(thresholdKey, JSON.stringify(leadIds)) as Array<{
				lead_id: string;
				crossed: number;
				score: number;
				revision: number | null;
				transition_revision: number | null;
			}>;
			const states = new Map(
				rows.map((row) => [
					row.lead_id,
					thresholdState(row.crossed === 1, row.score, row.revision, row.transition_revision),
				]),
			);
			const upsert = this.statement(
				`INSERT INTO threshold_states (threshold_key, lead_id, crossed, score, revision, transition_revision, updated_at)
				 VALUES (?, ?, ?, ?, ?, ?, ?)
				 ON CONFLICT (threshold_key, lead_id) DO UPDATE SET crossed = excluded.crossed, score = excluded.score,
				   revision = excluded.revision, transition_revision = excluded.transition_revision, updated_at = excluded.updated_at`,
			);
			const now = Date.now();
			for (const [leadId, state] of decide(states)) {
				upsert.run(
					thresholdKey,
					leadId,
					state.crossed ? 1 : 0,
					state.score,
					state.revision ?? null,
					state.transitionRevision ?? null,
					now,
				);
			}
		});
	}

	async useModel(scoreName: string, model: StoredModel): Promise<string | null> {
		// The usual case, the same model as last time, is one read without the write lock.
		if (this.latestModel(scoreName)?.version === model.version) return null;
		return this.transaction(() => {
			const current = this.latestModel(scoreName);
			if (current?.version === model.version) return null;
			// Strictly later than the current one, so the latest is never a tie.
			const usedAt = Math.max(model.usedAt, (current?.usedAt ?? 0) + 1);
			this.statement(
				`INSERT INTO models (score_name, model_version, model, used_at) VALUES (?, ?, ?, ?)
				 ON CONFLICT (score_name, model_version) DO UPDATE SET used_at = excluded.used_at`,
			).run(scoreName, model.version, JSON.stringify(model.model), usedAt);
			return current?.version ?? null;
		});
	}

	async currentModel(scoreName: string): Promise<StoredModel | undefined> {
		return this.latestModel(scoreName);
	}

	private latestModel(scoreName: string): StoredModel | undefined {
		const row = this.statement(
			`SELECT model_version, model, used_at FROM models WHERE score_name = ? ORDER BY used_at DESC LIMIT 1`,
		).get(scoreName) as { model_version: string; model: string; used_at: number } | undefined;
		return row && { version: row.model_version, model: JSON.parse(row.model), usedAt: row.used_at };
	}

	// Row ids grow with commit time, so a binary search over ids finds the first row committed at or
	// after `time` in a few index lookups: no time index to maintain, and no scan of the older rows
	// that other score names keep for longer.
	private firstIdFrom(table: 'events' | 'ledger', time: number): number {
		const [id, column] = table === 'events' ? ['seq', 'received_at'] : ['id', 'recorded_at'];
		const range = this.statement(
			`SELECT min(${id}) AS low, max(${id}) AS high FROM ${table}`,
		).get() as {
			low: number | null;
			high: number | null;
		};
		if (range.low === null || range.high === null) return 1;
		const rowFrom = this.statement(
			`SELECT ${id} AS id, ${column} AS time FROM ${table} WHERE ${id} >= ? ORDER BY ${id} LIMIT 1`,
		);
		let low = range.low;
		let high = range.high + 1;
		while (low < high) {
			const row = rowFrom.get(Math.floor((low + high) / 2)) as
				| { id: number; time: number }
				| undefined;
			// Deleted meanwhile by another process's pruning: everything from here on is newer.
			if (!row) break;
			if (row.time >= time) high = row.id;
			else low = row.id + 1;
		}
		return low;
	}

	async firstEventSeqFrom(receivedAt: number): Promise<number> {
		return this.firstIdFrom('events', receivedAt);
	}

	async eventLeadsBetween(
		scoreName: string,
		seqs: { after: number; before: number },
		limit: number,
	): Promise<Array<{ seq: number; leadId: string }>> {
		// `+score_name` keeps SQLite on the seq range: by the score name's index it would read every
		// kept event of the score per page (a second per page at 10,000,000 events).
		const rows = this.statement(
			`SELECT seq, lead_id FROM events WHERE seq > ? AND seq < ? AND +score_name = ? ORDER BY seq LIMIT ?`,
		).all(seqs.after, seqs.before, scoreName, limit) as Array<{ seq: number; lead_id: string }>;
		return rows.map((row) => ({ seq: row.seq, leadId: row.lead_id }));
	}

	async forgetLedger(scoreName: string, recordedBefore: number): Promise<void> {
		this.transaction(() => {
			const before = this.firstIdFrom('ledger', recordedBefore);
			// By the id range, not the score name's index (see eventLeadsBetween).
			this.statement('DELETE FROM ledger WHERE id < ? AND +score_name = ?').run(before, scoreName);
		});
	}

	async rescoreProgress(scoreName: string): Promise<RescoreProgress | undefined> {
		const row = this.statement(
			'SELECT model_version, after_lead_id, leads FROM rescore_progress WHERE score_name = ?',
		).get(scoreName) as { model_version: string; after_lead_id: string; leads: number } | undefined;
		return row && { modelVersion: row.model_version, after: row.after_lead_id, leads: row.leads };
	}

	async rescoreItems(
		scoreName: string,
		after: string | null,
		limit: number,
	): Promise<RescoreItemsPage> {
		const rows = this.statement(
			`SELECT lead_id, item FROM rescore_items WHERE score_name = ? AND lead_id > ? ORDER BY lead_id LIMIT ?`,
		).all(scoreName, after ?? '', limit + 1) as Array<{ lead_id: string; item: string }>;
		const { page, next } = keysetPage(rows, limit, (row) => row.lead_id);
		return {
			items: page.map((row) => ({ leadId: row.lead_id, item: JSON.parse(row.item) })),
			next,
		};
	}

	async endRescore(scoreName: string): Promise<void> {
		this.transaction(() => {
			this.statement('DELETE FROM rescore_items WHERE score_name = ?').run(scoreName);
			this.statement('DELETE FROM rescore_progress WHERE score_name = ?').run(scoreName);
		});
	}

	async close(): Promise<void> {
		if (this.db.isOpen) this.db.close();
		this.statements.clear();
	}
}

// SQLite result codes of a value the database refuses: too big, constraint, type mismatch, out of range.
const DATA_ERROR_CODES = new Set([18, 19, 20, 25]);

/** A refused value becomes a StoreDataError, so only the item that carried it fails. */
function dataError(error: unknown): unknown {
	if (error instanceof StoreError) return error;
	const code = (error as { errcode?: unknown }).errcode;
	if (typeof code === 'number' && DATA_ERROR_CODES.has(code & 0xff)) {
		return new StoreDataError(`The embedded store refused a value: ${(error as Error).message}`, {
			cause: error,
		});
	}
	return error;
}

function toStoredEvent(row: EventRow<string | null>): StoredEvent {
	return storedEventFrom(row, row.payload === null ? null : JSON.parse(row.payload));
}

type SqlValue = string | number | null;

function toLedgerEntry(row: LedgerRow<string>): StoredLedgerEntry {
	return ledgerEntryFrom(row, JSON.parse(row.reasons));
}

function toRecord(row: { lead_id: string; state: string; updated_at: number }): LeadRecord {
	return {
		leadId: row.lead_id,
		state: JSON.parse(row.state) as LeadState,
		updatedAt: row.updated_at,
	};
}
