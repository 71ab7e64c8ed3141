import type { Reason } from '../scoring/engine';
import type { LedgerEntry, ScoreStore, StoredLedgerEntry } from '../store/scoreStore';
import { pagesUpTo } from './pages';

const iso = (time: number) => new Date(time).toISOString();

/** One change of a lead's score as Get Score's Timeline outputs it: a ledger entry with ISO times. */
export interface TimelineEntry extends Omit<LedgerEntry, 'at' | 'recordedAt'> {
	/** Event time the change was computed for. */
	at: string;
	/** When the change was committed: the time As Of and Timeline go by. */
	recordedAt: string;
}

export function timelineEntry(entry: StoredLedgerEntry): TimelineEntry {
	return {
		leadId: entry.leadId,
		event: entry.event,
		eventId: entry.eventId,
		at: iso(entry.at),
		recordedAt: iso(entry.recordedAt),
		previousScore: entry.previousScore,
		score: entry.score,
		delta: entry.delta,
		tier: entry.tier,
		reasons: entry.reasons,
		modelVersion: entry.modelVersion,
	};
}

/** A lead's score as it stood at a past time, from the history of its changes. */
export interface ScoreAsOf {
	leadId: string;
	asOf: string;
	/** False when no change of the lead was kept at or before `asOf`: score and tier are then null, never 0. */
	found: boolean;
	score: number | null;
	tier: string | null;
	reasons: Reason[];
	event: string | null;
	eventId: string | null;
	/** When the change that set this score was committed. */
	changedAt: string | null;
	modelVersion: string | null;
	/** The oldest kept change of this lead: the history retention removed anything before it. */
	historyStartsAt: string | null;
}

export async function scoreAsOf(
	store: ScoreStore,
	scoreName: string,
	leadId: string,
	asOf: number,
): Promise<ScoreAsOf> {
	const entry = await store.ledgerAsOf(scoreName, leadId, asOf);
	const oldest = (
		await store.ledgerBetween(scoreName, leadId, { from: 0, to: Number.MAX_SAFE_INTEGER }, null, 1)
	).entries[0];
	return {
		leadId,
		asOf: iso(asOf),
		found: entry !== null,
		score: entry?.score ?? null,
		tier: entry?.tier ?? null,
		reasons: entry?.reasons ?? [],
		event: entry?.event ?? null,
		eventId: entry?.eventId ?? null,
		changedAt: entry ? iso(entry.recordedAt) : null,
		modelVersion: entry?.modelVersion ?? null,
		historyStartsAt: oldest ? iso(oldest.recordedAt) : null,
	};
}

export const TIMELINE_PAGE_SIZE = 500;

/** A lead's changes committed in [from, to], oldest first, one store page at a time, up to `max` (null: all). */
export async function* timelinePages(
	store: ScoreStore,
	scoreName: string,
	leadId: string,
	range: { from: number; to: number },
	max: number | null,
	pageSize = TIMELINE_PAGE_SIZE,
): AsyncGenerator<TimelineEntry[]> {
	yield* pagesUpTo(max, pageSize, async (after: number | null, limit) => {
		const page = await store.ledgerBetween(scoreName, leadId, range, after, limit);
		return { items: page.entries.map(timelineEntry), next: page.next };
	});
}
