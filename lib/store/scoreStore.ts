import type { Reason } from '../scoring/engine';
import type { LeadState } from '../scoring/leadState';

export interface LeadRecord {
	leadId: string;
	state: LeadState;
	/** Wall-clock ms of the last write. */
	updatedAt: number;
}

/** An event that was counted; its id is never counted again while it is kept. */
export interface EventRecord {
	eventId: string;
	leadId: string;
	name: string;
	/** Event time (ms). */
	time: number;
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
}

/** What `updateLeads` reads, under lock, before the caller decides. */
export interface LeadsSnapshot {
	/** Current states of the requested leads that exist. */
	leads: Map<string, LeadState>;
	/** Requested event ids that were already counted. */
	seenEventIds: Set<string>;
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
	): Promise<void>;
	getLeads(scoreName: string, leadIds: string[]): Promise<Map<string, LeadRecord>>;
	/** Leads of a score in pages ordered by lead id, so sweeps never hold every lead in memory. */
	listLeads(scoreName: string, after: string | null, limit: number): Promise<ListLeadsPage>;
	/** Newest first. */
	ledger(scoreName: string, leadId: string, limit: number): Promise<LedgerEntry[]>;
	updateThresholdStates(
		thresholdKey: string,
		leadIds: string[],
		decide: (states: Map<string, ThresholdState>) => Map<string, ThresholdState>,
	): Promise<void>;
	/** Forgets counted event ids and ledger entries older than the retention. */
	prune(olderThan: { eventIds: number; ledger: number }): Promise<void>;
	close(): Promise<void>;
}

/** A store failure an operator can act on (locked file, unreachable database, bad permissions). */
export class StoreError extends Error {
	constructor(message: string, options?: { cause?: unknown }) {
		super(message, options);
		this.name = 'StoreError';
	}
}
