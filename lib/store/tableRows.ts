import type { Reason } from '../scoring/engine';
import type { StoredEvent } from '../scoring/keptEvent';
import type { StoredLedgerEntry } from './scoreStore';

// Rows of the SQL stores' tables. A JSON column comes as its driver gives it: parsed on PostgreSQL,
// as text on SQLite; each store reads it, and the rest of the row is read here once.

export interface EventRow<Json = unknown> {
	seq: number;
	event_id: string | null;
	lead_id: string;
	event_name: string;
	event_time: number;
	received_at: number;
	payload: Json;
}

export interface LedgerRow<Json = Reason[]> {
	id: number;
	lead_id: string;
	event_id: string | null;
	event_name: string | null;
	at: number;
	recorded_at: number;
	previous_score: number;
	score: number;
	delta: number;
	tier: string;
	reasons: Json;
	model_version: string | null;
}

export function storedEventFrom<Json>(row: EventRow<Json>, payload: unknown): StoredEvent {
	return {
		seq: row.seq,
		eventId: row.event_id,
		leadId: row.lead_id,
		name: row.event_name,
		time: row.event_time,
		receivedAt: row.received_at,
		payload,
	};
}

export function ledgerEntryFrom<Json>(row: LedgerRow<Json>, reasons: Reason[]): StoredLedgerEntry {
	return {
		id: row.id,
		leadId: row.lead_id,
		eventId: row.event_id,
		event: row.event_name,
		at: row.at,
		recordedAt: row.recorded_at,
		previousScore: row.previous_score,
		score: row.score,
		delta: row.delta,
		tier: row.tier,
		reasons,
		modelVersion: row.model_version,
	};
}
