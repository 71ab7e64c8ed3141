import { roundPoints } from '../scoring/engine';
import type { LeadCursor, LeadFilter, LeadRecord, LeadSort, ScoreStore } from '../store/scoreStore';

/** One lead as List Leads outputs it: flat, so it exports to a CSV row as is. */
export interface LeadRow {
	leadId: string;
	score: number;
	engagement: number;
	fit: number;
	tier: string;
	lastActivityAt: string | null;
	lastChangeAt: string;
	eventCount: number;
	modelVersion: string | null;
}

export function leadRow(record: LeadRecord): LeadRow {
	const { state } = record;
	return {
		leadId: record.leadId,
		score: state.score,
		// Behaviour points as stored with the score (decay is applied when a lead is scored or swept).
		engagement: roundPoints(state.engagement.points),
		fit: state.fit,
		tier: state.tier,
		lastActivityAt:
			state.lastActivityAt === null ? null : new Date(state.lastActivityAt).toISOString(),
		lastChangeAt: new Date(record.updatedAt).toISOString(),
		eventCount: state.eventCount,
		modelVersion: state.modelVersion ?? null,
	};
}

export const LEAD_PAGE_SIZE = 1000;

/**
 * The leads of a query, one store page at a time, up to `max` leads (null: all), so a caller
 * that hands each page on never holds every lead.
 */
export async function* leadPages(
	store: ScoreStore,
	scoreName: string,
	filter: LeadFilter,
	sort: LeadSort,
	max: number | null,
	pageSize = LEAD_PAGE_SIZE,
): AsyncGenerator<LeadRow[]> {
	let after: LeadCursor | null = null;
	let left = max ?? Infinity;
	while (left > 0) {
		const page = await store.queryLeads(scoreName, filter, sort, after, Math.min(pageSize, left));
		if (page.leads.length > 0) yield page.leads.map(leadRow);
		left -= page.leads.length;
		if (page.next === null) return;
		after = page.next;
	}
}
