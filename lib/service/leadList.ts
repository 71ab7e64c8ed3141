import { roundPoints } from '../scoring/engine';
import type {
	LeadCursor,
	LeadFilter,
	LeadSort,
	LeadSummary,
	ScoreStore,
} from '../store/scoreStore';
import { pagesUpTo } from './pages';

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

export function leadRow(lead: LeadSummary): LeadRow {
	return {
		leadId: lead.leadId,
		score: lead.score,
		// Behaviour points as stored with the score (decay is applied when a lead is scored or swept).
		engagement: roundPoints(lead.engagement),
		fit: lead.fit,
		tier: lead.tier,
		lastActivityAt:
			lead.lastActivityAt === null ? null : new Date(lead.lastActivityAt).toISOString(),
		lastChangeAt: new Date(lead.updatedAt).toISOString(),
		eventCount: lead.eventCount,
		modelVersion: lead.modelVersion,
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
	yield* pagesUpTo(max, pageSize, async (after: LeadCursor | null, limit) => {
		const page = await store.queryLeads(scoreName, filter, sort, after, limit);
		return { items: page.leads.map(leadRow), next: page.next };
	});
}
