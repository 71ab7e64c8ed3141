import { done, failed, type Outcome } from '../outcome';
import { applyDecay, initialState } from '../scoring/engine';
import { unchangedScore } from '../scoring/leadScore';
import type { ScoringModel } from '../scoring/model';
import type { LedgerEntry, ScoreStore } from '../store/scoreStore';

export interface LeadScoreReading {
	leadId: string;
	found: boolean;
	score: number;
	storedScore: number;
	engagement: number;
	fit: number;
	tier: string;
	lastActivityAt: string | null;
	eventCount: number;
	history: Array<
		Omit<LedgerEntry, 'at' | 'recordedAt' | 'leadId'> & { at: string; recordedAt: string }
	>;
}

/** An ISO time from a stored one; a state written before times were checked may hold one a Date cannot show. */
function storedIsoTime(time: number, leadId: string): string {
	const date = new Date(time);
	if (Number.isNaN(date.getTime())) {
		throw new Error(
			`The stored score of lead "${leadId}" holds a time that is not a date (${time}); it was written before event times were checked. Re-score the leads or set the lead's score with Adjust Score.`,
		);
	}
	return date.toISOString();
}

/**
 * A lead's score as of `asOf` (decay applied, nothing written) and its latest ledger entries; a
 * lead whose stored state cannot be read gets an error of its own, the other leads their readings.
 */
export async function readScores(
	store: ScoreStore,
	model: ScoringModel,
	scoreName: string,
	leadIds: string[],
	asOf: number,
	historyLimit: number,
): Promise<Map<string, Outcome<LeadScoreReading>>> {
	const records = await store.getLeads(scoreName, leadIds);
	const readings = new Map<string, Outcome<LeadScoreReading>>();
	for (const leadId of new Set(leadIds)) {
		const record = records.get(leadId);
		const state = record?.state ?? initialState(model);
		const change = record
			? applyDecay(model, state, asOf)
			: unchangedScore(model, leadId, state, asOf);
		const history =
			historyLimit > 0 && record ? await store.ledger(scoreName, leadId, historyLimit) : [];
		try {
			readings.set(
				leadId,
				done({
					leadId,
					found: record !== undefined,
					score: change.score,
					storedScore: state.score,
					engagement: change.engagement,
					fit: change.fit,
					tier: change.tier,
					lastActivityAt:
						state.lastActivityAt === null ? null : storedIsoTime(state.lastActivityAt, leadId),
					eventCount: state.eventCount,
					history: history.map(({ at, recordedAt, ...entry }) => ({
						...omitLeadId(entry),
						at: storedIsoTime(at, leadId),
						recordedAt: storedIsoTime(recordedAt, leadId),
					})),
				}),
			);
		} catch (error) {
			readings.set(leadId, failed(error as Error));
		}
	}
	return readings;
}

function omitLeadId<T extends { leadId: string }>(entry: T): Omit<T, 'leadId'> {
	const copy: Partial<T> = { ...entry };
	delete copy.leadId;
	return copy as Omit<T, 'leadId'>;
}
