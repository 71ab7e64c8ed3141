import type { ThresholdState } from '../scoring/crossing';
import type { Reason } from '../scoring/engine';
import type { EventOutcome, EventRecord, StoredEvent } from '../scoring/keptEvent';
import type { LeadState } from '../scoring/leadState';

export interface LeadRecord {
	leadId: string;
	state: LeadState;
	/** Wall-clock ms of the last write. */
	updatedAt: number;
}

/** An event id of one lead: event ids are unique per score name and lead. */
export interface LeadEventId {
	leadId: string;
	eventId: string;
}

/** Names one lead's event id within a score, e.g. as a map key. */
export function eventKey(leadId: string, eventId: string): string {
	return `${leadId}\u0000${eventId}`;
}

export interface StoredEventsPage {
	events: StoredEvent[];
	/** Pass as `after` for the next page; null when this was the last one. */
	next: number | null;
}

/** One change of a lead's score with its reasons: the answer to "why is this score what it is?". */
export interface LedgerEntry {
	leadId: string;
	eventId: string | null;
	event: string | null;
	/** Event time (ms) the change was computed for. */
	at: number;
	/** Wall-clock ms when it was committed. */
	recordedAt: number;
	previousScore: number;
	score: number;
	delta: number;
	tier: string;
	reasons: Reason[];
	/** The version of the model that computed the change (content hash, with the label if any). */
	modelVersion: string | null;
}

/**
 * What a lead's forgotten events (past the event retention) left behind: a replay of the lead
 * starts from it instead of from an empty lead, so it never takes the kept events for the whole history.
 */
export interface Baseline {
	/**
	 * The lead's state after its forgotten events, as the model of the time they were forgotten
	 * scored them; null when one of them was kept without its data, so no replay can be complete.
	 */
	state: LeadState | null;
	/** How many events and adjustments were forgotten into it. */
	events: number;
}

/** What `updateLeads` reads, under lock, before the caller decides. */
export interface LeadsSnapshot {
	/** Current states of the requested leads that exist. */
	leads: Map<string, LeadState>;
	/**
	 * Requested event ids already counted for one of the requested leads, by `eventKey(leadId, eventId)`,
	 * with the outcome they had; null for an event counted before outcomes were kept.
	 */
	seenEvents: Map<string, EventOutcome | null>;
	/** With `withEvents`: every kept event of each requested lead, oldest event time first. */
	events?: Map<string, StoredEvent[]>;
	/** With `withEvents`: the baselines of the requested leads that have one. */
	baselines?: Map<string, Baseline>;
}

/** What the caller decided; written in the same atomic step, or not at all. */
export interface LeadsWrite {
	leads: Map<string, LeadState>;
	events: EventRecord[];
	ledger: LedgerEntry[];
	/** New baselines of existing leads (see Baseline). */
	baselines?: Map<string, Baseline>;
	/** Forgets these leads' events committed before `beforeSeq` (ids and data). */
	forgetEvents?: { leadIds: string[]; beforeSeq: number };
	/** A Re-Score page: where the run stands after it, committed with its leads (see RescoreProgress). */
	rescore?: RescorePage;
}

/**
 * Where a stopped Re-Score of a score stands, so the next run under the same model goes on from
 * there. Committed with each page's leads; removed when the run completes (`endRescore`).
 */
export interface RescoreProgress {
	/** The model version the run applies: a run under another version starts over. */
	modelVersion: string;
	/** The last lead id committed: leads are re-scored in lead-id order. */
	after: string;
	/** Leads swept so far. */
	leads: number;
}

/** What a Re-Score page commits besides its leads. */
export interface RescorePage {
	progress: RescoreProgress;
	/**
	 * The page's output items by lead id (opaque to the store), kept until the run completes: a run
	 * that goes on after a stop hands them on without reading those leads again.
	 */
	items: Map<string, unknown>;
}

export interface RescoreItemsPage {
	items: Array<{ leadId: string; item: unknown }>;
	/** Pass as `after` for the next page; null when this was the last one. */
	next: string | null;
}

/** A stored crossing state; revisions the scores did not carry are left out. */
export function thresholdState(
	crossed: boolean,
	score: number,
	revision: number | null,
	transitionRevision: number | null = null,
): ThresholdState {
	const state: ThresholdState = { crossed, score };
	if (revision !== null) state.revision = revision;
	if (transitionRevision !== null) state.transitionRevision = transitionRevision;
	return state;
}

/** A model a score was scored with, kept by version, so other operations can use the same one. */
export interface StoredModel {
	version: string;
	/** The model document (as validated by `parseModel`). */
	model: unknown;
	/** Wall-clock ms when a Score Event last started scoring with it. */
	usedAt: number;
}

export interface ListLeadsPage {
	leads: LeadRecord[];
	/** Pass as `after` for the next page; null when this was the last one. */
	next: string | null;
}

/** Which leads List Leads returns; every field is optional and they all must hold. */
export interface LeadFilter {
	tiers?: string[];
	minScore?: number;
	maxScore?: number;
	/** Last behaviour event time (ms) at or after this. */
	activeSince?: number;
	/** Last write (wall-clock ms) at or after this. */
	changedSince?: number;
	modelVersion?: string;
}

/** Orders of List Leads; ties are broken by lead id in the same direction, so each order is one index scan. */
export type LeadSort = 'scoreDesc' | 'scoreAsc' | 'changedDesc' | 'changedAsc' | 'leadId';

/** Where the next page of a lead query starts: the last lead's sort value and id. */
export interface LeadCursor {
	value: number;
	leadId: string;
}

/** What List Leads shows of a lead: read by the store from its columns and state, without the full state. */
export interface LeadSummary {
	leadId: string;
	score: number;
	engagement: number;
	fit: number;
	tier: string;
	lastActivityAt: number | null;
	/** Wall-clock ms of the last write. */
	updatedAt: number;
	eventCount: number;
	modelVersion: string | null;
}

export interface LeadQueryPage {
	leads: LeadSummary[];
	/** Pass as `after` for the next page; null when this was the last one. */
	next: LeadCursor | null;
}

/** A ledger entry with its commit-order id. */
export interface StoredLedgerEntry extends LedgerEntry {
	id: number;
}

export interface LedgerPage {
	entries: StoredLedgerEntry[];
	/** Pass as `after` for the next page; null when this was the last one. */
	next: number | null;
}

/** What the dashboard asks the store to aggregate; everything is computed where the data is. */
export interface SummaryQuery {
	/** Start (wall-clock ms) of the first day of the daily series. */
	since: number;
	days: number;
	/** Crossing means `previous_score < threshold <= score`. */
	threshold: number;
	/** The tiers' minimums above the lowest: a change that passes one of them changed the tier. */
	tierBoundaries: number[];
	/** Score histogram: `count` buckets of `width` points from `min`; scores outside go to the end buckets. */
	buckets: { min: number; width: number; count: number };
	/** How many of the highest-scored leads to return. */
	top: number;
}

export interface DailyCounts {
	/** Ledger entries (score changes) committed that day. */
	changes: number;
	crossings: number;
	tierChanges: number;
	/** Events counted that day. */
	events: number;
}

export interface ScoreSummary {
	/** Leads per stored tier, by tier name. */
	tiers: Array<{ tier: string; count: number }>;
	/** Leads per score bucket, `buckets.count` numbers. */
	distribution: number[];
	/** One entry per day from `since`. */
	days: DailyCounts[];
	/** Highest score first (ties by lead id), with the reasons of each lead's latest change. */
	topLeads: Array<{
		leadId: string;
		score: number;
		tier: string;
		updatedAt: number;
		reasons: Reason[];
	}>;
	/** Leads per model version that last changed them (null: states from before versions were kept). */
	modelVersions: Array<{ version: string | null; count: number }>;
}

/**
 * Persistence for lead scores. Every method that changes data is one atomic step across
 * processes and machines: the leads and event ids are locked and read, `decide` runs
 * synchronously on what was read, and its writes are committed together or not at all.
 */
export interface ScoreStore {
	/**
	 * Runs a sweep over every lead (Apply Decay, Re-Score), which awaits `pace` between its pages.
	 * Optional: a store whose upkeep would otherwise pause the event loop during a long run of
	 * writes (the embedded store's checkpoints) moves that upkeep off the loop for the sweep's length,
	 * and `pace` holds the sweep back while the upkeep catches up.
	 */
	sweep?<T>(work: (pace: () => Promise<void>) => Promise<T>): Promise<T>;
	updateLeads(
		scoreName: string,
		leadIds: string[],
		eventIds: LeadEventId[],
		decide: (snapshot: LeadsSnapshot) => LeadsWrite,
		options?: { withEvents?: boolean },
	): Promise<void>;
	getLeads(scoreName: string, leadIds: string[]): Promise<Map<string, LeadRecord>>;
	/** Leads of a score in pages ordered by lead id, so sweeps never hold every lead in memory. */
	listLeads(scoreName: string, after: string | null, limit: number): Promise<ListLeadsPage>;
	/** Newest first. */
	ledger(scoreName: string, leadId: string, limit: number): Promise<LedgerEntry[]>;
	/** Kept events whose event time is in [from, to], in commit order, in pages. */
	listEvents(
		scoreName: string,
		range: { from: number; to: number },
		after: number | null,
		limit: number,
	): Promise<StoredEventsPage>;
	/** Leads matching `filter` in pages in `sort` order, read from the store's indexes page by page. */
	queryLeads(
		scoreName: string,
		filter: LeadFilter,
		sort: LeadSort,
		after: LeadCursor | null,
		limit: number,
	): Promise<LeadQueryPage>;
	/** The lead's latest ledger entry committed at or before `asOf` (wall-clock ms), or null. */
	ledgerAsOf(scoreName: string, leadId: string, asOf: number): Promise<StoredLedgerEntry | null>;
	/** The lead's ledger entries committed in [from, to] (wall-clock ms), oldest first, in pages. */
	ledgerBetween(
		scoreName: string,
		leadId: string,
		range: { from: number; to: number },
		after: number | null,
		limit: number,
	): Promise<LedgerPage>;
	/** The dashboard's aggregates, computed in the store. */
	summarize(scoreName: string, query: SummaryQuery): Promise<ScoreSummary>;
	updateThresholdStates(
		thresholdKey: string,
		leadIds: string[],
		decide: (states: Map<string, ThresholdState>) => Map<string, ThresholdState>,
	): Promise<void>;
	/**
	 * Records that `scoreName` is scored with this model from now on. Returns the version it was
	 * scored with before when that was another one (null when the same or the first).
	 */
	useModel(scoreName: string, model: StoredModel): Promise<string | null>;
	/** The model `scoreName` was last scored with; undefined before its first Score Event. */
	currentModel(scoreName: string): Promise<StoredModel | undefined>;
	/**
	 * The `seq` of the first event (of any score) committed at or after `receivedAt` (wall-clock ms),
	 * or one past the last event when none was: every event below it was committed before.
	 */
	firstEventSeqFrom(receivedAt: number): Promise<number>;
	/** Up to `limit` events of a score with `after < seq < before`, in commit order: whose they are. */
	eventLeadsBetween(
		scoreName: string,
		seqs: { after: number; before: number },
		limit: number,
	): Promise<Array<{ seq: number; leadId: string }>>;
	/** Forgets a score's ledger entries committed before this wall-clock time (ms). */
	forgetLedger(scoreName: string, recordedBefore: number): Promise<void>;
	/**
	 * The progress of a Re-Score of `scoreName` that has not completed; undefined when none. A page
	 * committed under another model version replaces it and drops the items kept with it.
	 */
	rescoreProgress(scoreName: string): Promise<RescoreProgress | undefined>;
	/** The items kept by the Re-Score in progress (see RescorePage), in pages ordered by lead id. */
	rescoreItems(scoreName: string, after: string | null, limit: number): Promise<RescoreItemsPage>;
	/** The Re-Score of `scoreName` completed: removes its progress and items, in one step. */
	endRescore(scoreName: string): Promise<void>;
	close(): Promise<void>;
}

/** A store failure an operator can act on (locked file, unreachable database, bad permissions). */
export class StoreError extends Error {
	constructor(message: string, options?: { cause?: unknown }) {
		super(message, options);
		this.name = 'StoreError';
	}
}

/**
 * The database refused a value of the step (too long, out of range, a constraint): the step
 * wrote nothing, and the same step without the bad item would succeed.
 */
export class StoreDataError extends StoreError {
	constructor(message: string, options?: { cause?: unknown }) {
		super(message, options);
		this.name = 'StoreDataError';
	}
}

/** JSON text for a column; a value JSON cannot hold (a BigInt, a cycle) is a data error, not a store failure. */
export function jsonText(value: unknown): string {
	try {
		return JSON.stringify(value);
	} catch (error) {
		throw new StoreDataError(`A value cannot be stored as JSON: ${(error as Error).message}`, {
			cause: error,
		});
	}
}
