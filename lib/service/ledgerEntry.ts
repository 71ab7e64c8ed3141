import type { ScoreChange } from '../scoring/engine';
import type { LedgerEntry } from '../store/scoreStore';

/** The ledger row of a committed change: what changed the score, when, and under which model version. */
export function ledgerEntry(
	leadId: string,
	change: ScoreChange,
	event: { name: string | null; id: string | null },
	recordedAt: number,
	version: string,
): LedgerEntry {
	return {
		leadId,
		eventId: event.id,
		event: event.name,
		at: change.state.evaluatedAt ?? recordedAt,
		recordedAt,
		previousScore: change.previousScore,
		score: change.score,
		delta: change.delta,
		tier: change.tier,
		reasons: change.reasons,
		modelVersion: version,
	};
}
