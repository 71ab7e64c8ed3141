import type { Reason } from '../scoring/engine';
import type {
	DailyCounts,
	LeadCursor,
	LeadFilter,
	LeadQueryPage,
	LeadRecord,
	LeadSort,
	LeadSummary,
	LedgerEntry,
	ScoreSummary,
	StoredLedgerEntry,
	SummaryQuery,
} from './scoreStore';

// The SQL of List Leads and the dashboard, shared by the SQLite and PostgreSQL stores: written with
// `?` placeholders; PostgreSQL numbers them. Values always travel as parameters, never in the text.

export type Dialect = 'sqlite' | 'postgres';

export interface Sql {
	text: string;
	values: unknown[];
}

const DAY_MS = 86_400_000;

const SORTS: Record<LeadSort, { column: string | null; descending: boolean }> = {
	scoreDesc: { column: 'score', descending: true },
	scoreAsc: { column: 'score', descending: false },
	changedDesc: { column: 'updated_at', descending: true },
	changedAsc: { column: 'updated_at', descending: false },
	leadId: { column: null, descending: false },
};

/** The lead's model version: an indexed expression in SQLite, a generated column in PostgreSQL. */
function modelVersionOf(dialect: Dialect): string {
	return dialect === 'sqlite' ? "json_extract(state, '$.modelVersion')" : 'model_version';
}

/** The sort value a lead's cursor carries. */
export function sortValue(sort: LeadSort, row: { score: number; updated_at: number }): number {
	return SORTS[sort].column === 'updated_at'
		? row.updated_at
		: SORTS[sort].column === 'score'
			? row.score
			: 0;
}

/** One page of leads: filters, then a keyset step after the cursor, in an order an index serves. */
export function leadPageSql(
	leadsTable: string,
	scoreName: string,
	filter: LeadFilter,
	sort: LeadSort,
	after: LeadCursor | null,
	limit: number,
	dialect: Dialect,
): Sql {
	const where = ['score_name = ?'];
	const values: unknown[] = [scoreName];
	if (dialect === 'postgres') where.push('state IS NOT NULL');
	if (filter.tiers && filter.tiers.length > 0) {
		where.push(`tier IN (${filter.tiers.map(() => '?').join(', ')})`);
		values.push(...filter.tiers);
	}
	const bound = (condition: string, value: number | string | undefined) => {
		if (value === undefined) return;
		where.push(condition);
		values.push(value);
	};
	bound('score >= ?', filter.minScore);
	bound('score <= ?', filter.maxScore);
	bound('last_activity_at >= ?', filter.activeSince);
	bound('updated_at >= ?', filter.changedSince);
	bound(`${modelVersionOf(dialect)} = ?`, filter.modelVersion);
	const { column, descending } = SORTS[sort];
	const [step, strict] = descending ? ['<=', '<'] : ['>=', '>'];
	if (after !== null) {
		if (column === null) {
			where.push('lead_id > ?');
			values.push(after.leadId);
		} else {
			// `col <= v AND (col < v OR lead_id < id)`: the first part bounds the index range.
			where.push(`${column} ${step} ? AND (${column} ${strict} ? OR lead_id ${strict} ?)`);
			values.push(after.value, after.value, after.leadId);
		}
	}
	const direction = descending ? 'DESC' : 'ASC';
	const order = column === null ? 'lead_id' : `${column} ${direction}, lead_id ${direction}`;
	values.push(limit + 1);
	return {
		text: `SELECT ${SUMMARY_COLUMNS[dialect]} FROM ${leadsTable} WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ?`,
		values,
	};
}

// The few state fields a listed lead shows, picked out by the database: the full state (rule counters,
// grants) is neither sent nor parsed. SQLite parses a row's JSON once for all four picks.
const SUMMARY_COLUMNS: Record<Dialect, string> = {
	sqlite: `lead_id, score, tier, last_activity_at, updated_at,
	  json_extract(state, '$.engagement.points') AS engagement, json_extract(state, '$.fit') AS fit,
	  json_extract(state, '$.eventCount') AS event_count, json_extract(state, '$.modelVersion') AS model_version`,
	postgres: `lead_id, score, tier, last_activity_at, updated_at,
	  (state->'engagement'->>'points')::float8 AS engagement, (state->>'fit')::float8 AS fit,
	  (state->>'eventCount')::float8 AS event_count, model_version`,
};

export interface SummaryRow {
	lead_id: string;
	score: number;
	tier: string;
	last_activity_at: number | null;
	updated_at: number;
	engagement: number | null;
	fit: number | null;
	event_count: number | null;
	model_version: string | null;
}

/** Splits `limit + 1` rows into a page and the cursor of the next one. */
export function leadPage(rows: SummaryRow[], limit: number, sort: LeadSort): LeadQueryPage {
	const page = rows.slice(0, limit);
	const last = page[page.length - 1];
	return {
		leads: page.map((row) => ({
			leadId: row.lead_id,
			score: row.score,
			engagement: row.engagement ?? 0,
			fit: row.fit ?? 0,
			tier: row.tier,
			lastActivityAt: row.last_activity_at,
			updatedAt: row.updated_at,
			eventCount: row.event_count ?? 0,
			modelVersion: row.model_version,
		})),
		next: rows.length > limit ? { value: sortValue(sort, last), leadId: last.lead_id } : null,
	};
}

/** A stored lead as List Leads shows it: the memory store's side of the columns above. */
export function summaryOf(record: LeadRecord): LeadSummary {
	const { state } = record;
	return {
		leadId: record.leadId,
		score: state.score,
		engagement: state.engagement.points,
		fit: state.fit,
		tier: state.tier,
		lastActivityAt: state.lastActivityAt,
		updatedAt: record.updatedAt,
		eventCount: state.eventCount,
		modelVersion: state.modelVersion ?? null,
	};
}

export interface SummaryTables {
	leads: string;
	ledger: string;
	events: string;
}

/** The dashboard's aggregate statements; each reads one index range. */
export function summarySql(
	t: SummaryTables,
	scoreName: string,
	query: SummaryQuery,
	dialect: Dialect,
) {
	const until = query.since + query.days * DAY_MS;
	const bucket =
		dialect === 'sqlite'
			? 'MIN(MAX(CAST((score - ?) / ? AS INTEGER), 0), ?)'
			: 'least(greatest(floor((score - ?) / ?)::int, 0), ?)';
	// SQLite binds numbers as REAL: the day number is cast back to an integer.
	const day = (column: string) =>
		dialect === 'sqlite'
			? `CAST((${column} - ?) / ${DAY_MS} AS INTEGER)`
			: `(${column} - ?) / ${DAY_MS}`;
	const tierChanged =
		query.tierBoundaries.map(() => '(previous_score < ?) <> (score < ?)').join(' OR ') || '1 = 0';
	return {
		tiers: {
			text: `SELECT tier, count(*) AS count FROM ${t.leads} WHERE score_name = ? GROUP BY tier`,
			values: [scoreName],
		},
		distribution: {
			text: `SELECT ${bucket} AS bucket, count(*) AS count FROM ${t.leads}
			       WHERE score_name = ? AND score IS NOT NULL GROUP BY 1`,
			values: [query.buckets.min, query.buckets.width, query.buckets.count - 1, scoreName],
		},
		changes: {
			text: `SELECT ${day('recorded_at')} AS day, count(*) AS changes,
			         SUM(CASE WHEN previous_score < ? AND score >= ? THEN 1 ELSE 0 END) AS crossings,
			         SUM(CASE WHEN ${tierChanged} THEN 1 ELSE 0 END) AS tier_changes
			       FROM ${t.ledger} WHERE score_name = ? AND recorded_at >= ? AND recorded_at < ? GROUP BY 1`,
			values: [
				query.since,
				query.threshold,
				query.threshold,
				...query.tierBoundaries.flatMap((boundary) => [boundary, boundary]),
				scoreName,
				query.since,
				until,
			],
		},
		events: {
			text: `SELECT ${day('received_at')} AS day, count(*) AS events FROM ${t.events}
			       WHERE score_name = ? AND received_at >= ? AND received_at < ? GROUP BY 1`,
			values: [query.since, scoreName, query.since, until],
		},
		top: {
			text: `SELECT lead_id, score, tier, updated_at FROM ${t.leads}
			       WHERE score_name = ? AND score IS NOT NULL ORDER BY score DESC, lead_id DESC LIMIT ?`,
			values: [scoreName, query.top],
		},
		latestReasons: {
			text: `SELECT reasons FROM ${t.ledger} WHERE score_name = ? AND lead_id = ? ORDER BY id DESC LIMIT 1`,
		},
		modelVersions: {
			text: `SELECT ${modelVersionOf(dialect)} AS version, count(*) AS count FROM ${t.leads} WHERE score_name = ? GROUP BY 1`,
			values: [scoreName],
		},
	};
}

interface SummaryRows {
	tiers: Array<{ tier: string | null; count: number }>;
	distribution: Array<{ bucket: number; count: number }>;
	changes: Array<{ day: number; changes: number; crossings: number; tier_changes: number }>;
	events: Array<{ day: number; events: number }>;
	top: Array<{
		lead_id: string;
		score: number;
		tier: string;
		updated_at: number;
		reasons: Reason[];
	}>;
	modelVersions: Array<{ version: string | null; count: number }>;
}

/** Puts the rows of the aggregate statements into the summary's shape. */
export function summaryFrom(rows: SummaryRows, query: SummaryQuery): ScoreSummary {
	const days: DailyCounts[] = Array.from({ length: query.days }, () => ({
		changes: 0,
		crossings: 0,
		tierChanges: 0,
		events: 0,
	}));
	for (const row of rows.changes) {
		const day = days[Number(row.day)];
		if (!day) continue;
		day.changes = Number(row.changes);
		day.crossings = Number(row.crossings);
		day.tierChanges = Number(row.tier_changes);
	}
	for (const row of rows.events) {
		const day = days[Number(row.day)];
		if (day) day.events = Number(row.events);
	}
	const distribution = new Array<number>(query.buckets.count).fill(0);
	for (const row of rows.distribution) distribution[Number(row.bucket)] += Number(row.count);
	return {
		tiers: rows.tiers
			.filter((row): row is { tier: string; count: number } => row.tier !== null)
			.map((row) => ({ tier: row.tier, count: Number(row.count) })),
		distribution,
		days,
		topLeads: rows.top.map((row) => ({
			leadId: row.lead_id,
			score: row.score,
			tier: row.tier,
			updatedAt: row.updated_at,
			reasons: row.reasons,
		})),
		modelVersions: rows.modelVersions.map((row) => ({
			version: row.version,
			count: Number(row.count),
		})),
	};
}

/** The same page and aggregates over leads held in memory, for the memory store. */
export function matchesFilter(record: LeadRecord, filter: LeadFilter): boolean {
	const { state } = record;
	if (filter.tiers && filter.tiers.length > 0 && !filter.tiers.includes(state.tier)) return false;
	if (filter.minScore !== undefined && state.score < filter.minScore) return false;
	if (filter.maxScore !== undefined && state.score > filter.maxScore) return false;
	if (filter.activeSince !== undefined && (state.lastActivityAt ?? -Infinity) < filter.activeSince)
		return false;
	if (filter.changedSince !== undefined && record.updatedAt < filter.changedSince) return false;
	if (filter.modelVersion !== undefined && state.modelVersion !== filter.modelVersion) return false;
	return true;
}

export function compareLeads(sort: LeadSort): (a: LeadRecord, b: LeadRecord) => number {
	const byId = (a: LeadRecord, b: LeadRecord) =>
		a.leadId < b.leadId ? -1 : a.leadId > b.leadId ? 1 : 0;
	const { column, descending } = SORTS[sort];
	if (column === null) return byId;
	const value = (record: LeadRecord) =>
		column === 'score' ? record.state.score : record.updatedAt;
	const sign = descending ? -1 : 1;
	return (a, b) => sign * (value(a) - value(b) || byId(a, b));
}

export function cursorOf(sort: LeadSort, record: LeadRecord): LeadCursor {
	return {
		value: sortValue(sort, { score: record.state.score, updated_at: record.updatedAt }),
		leadId: record.leadId,
	};
}

/** The bucket of a score in the histogram, as the SQL computes it. */
export function bucketOf(score: number, buckets: SummaryQuery['buckets']): number {
	return Math.min(
		Math.max(Math.trunc((score - buckets.min) / buckets.width), 0),
		buckets.count - 1,
	);
}

export function tierChanged(previousScore: number, score: number, boundaries: number[]): boolean {
	return boundaries.some((boundary) => previousScore < boundary !== score < boundary);
}

export function dayOf(time: number, since: number): number {
	return Math.floor((time - since) / DAY_MS);
}

/** A ledger entry as `ledger()` answers it: without the store's row id. */
export function withoutId(entry: StoredLedgerEntry): LedgerEntry {
	const copy: Partial<StoredLedgerEntry> = { ...entry };
	delete copy.id;
	return copy as LedgerEntry;
}

/** `?` placeholders as PostgreSQL's `$1`, `$2`, ... */
export function numbered(text: string): string {
	let next = 0;
	return text.replace(/\?/g, () => `$${++next}`);
}
