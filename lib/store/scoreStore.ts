import type { Reason } from '../scoring/engine';
import type { LeadState } from '../scoring/leadState';

export interface LeadRecord {
	leadId: string;
	state: LeadState;
	/** Wall-clock ms of the last write. */
	updatedAt: number;
}

/** An event that was counted. Kept for the event retention: its id is never counted again, and its data can be replayed. */
export interface EventRecord {
	/** Null when the source gave no id: kept for replay, but it cannot be recognised as a repeat. */
	eventId: string | null;
	leadId: string;
	name: string;
	/** Event time (ms). */
	time: number;
	/** What the rules read (the item with its profile); null when the operator keeps ids only. */
	payload: unknown;
}

/** An event as the store keeps it; `seq` orders events as they were committed. */
export interface StoredEvent extends EventRecord {
	seq: number;
	/** Wall-clock ms of the commit. */
	receivedAt: number;
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

/** What `updateLeads` reads, under lock, before the caller decides. */
export interface LeadsSnapshot {
	/** Current states of the requested leads that exist. */
	leads: Map<string, LeadState>;
	/** Requested event ids that were already counted. */
	seenEventIds: Set<string>;
	/** With `withEvents`: every kept event of each requested lead, oldest event time first. */
	events?: Map<string, StoredEvent[]>;
}

/** What the caller decided; written in the same atomic step, or not at all. */
export interface LeadsWrite {
	leads: Map<string, LeadState>;
	events: EventRecord[];
	ledger: LedgerEntry[];
}

/** Crossing memory for Check Threshold's hysteresis, per threshold key and lead. */
export interface ThresholdState {
	/** True once the lead crossed and has not yet fallen below `threshold - hysteresis`. */
	crossed: boolean;
	score: number;
	/** The lead's score revision this state was decided on, when the scores carried one. */
	revision?: number;
}

/** A stored crossing state; a state without a revision (scores that had none) leaves it out. */
export function thresholdState(
	crossed: boolean,
	score: number,
	revision: number | null,
): ThresholdState {
	return revision === null ? { crossed, score } : { crossed, score, revision };
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

/**
 * Persistence for lead scores. Every method that changes data is one atomic step across
 * processes and machines: the leads and event ids are locked and read, `decide` runs
 * synchronously on what was read, and its writes are committed together or not at all.
 */
export interface ScoreStore {
	updateLeads(
		scoreName: string,
		leadIds: string[],
		eventIds: string[],
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
	/** Forgets events (ids and data) and ledger entries committed before these wall-clock times (ms). */
	prune(olderThan: { events: number; ledger: number }): Promise<void>;
	close(): Promise<void>;
}

/** A store failure an operator can act on (locked file, unreachable database, bad permissions). */
export class StoreError extends Error {
	constructor(message: string, options?: { cause?: unknown }) {
		super(message, options);
		this.name = 'StoreError';
	}
}
