import type { ScoringModel } from '../scoring/model';
import type { ScoreStore, SummaryQuery } from '../store/scoreStore';
import type { Dashboard } from '../views/dashboardPage';

const DAY_MS = 86_400_000;
export const DASHBOARD_DAYS = 30;
export const DASHBOARD_TOP = 20;
const BUCKETS = 10;

/** The histogram's range: the model's bounds, else 0 to 100 (scores past either end go to its end buckets). */
function bucketsOf(model: ScoringModel): SummaryQuery['buckets'] {
	const min = model.bounds.min ?? Math.min(0, model.tiers[0].min);
	const max = model.bounds.max ?? Math.max(100, model.tiers[model.tiers.length - 1].min + 1);
	return { min, width: (max - min) / BUCKETS, count: BUCKETS };
}

export function summaryQuery(model: ScoringModel, threshold: number, now: number): SummaryQuery {
	const today = Math.floor(now / DAY_MS) * DAY_MS;
	return {
		since: today - (DASHBOARD_DAYS - 1) * DAY_MS,
		days: DASHBOARD_DAYS,
		threshold,
		tierBoundaries: model.tiers.slice(1).map((tier) => tier.min),
		buckets: bucketsOf(model),
		top: DASHBOARD_TOP,
	};
}

const share = (count: number, total: number) =>
	total === 0 ? 0 : Math.round((count / total) * 1000) / 10;

export async function buildDashboard(
	store: ScoreStore,
	model: ScoringModel,
	scoreName: string,
	threshold: number,
	now: number,
): Promise<Dashboard> {
	const query = summaryQuery(model, threshold, now);
	const summary = await store.summarize(scoreName, query);
	const counts = new Map(summary.tiers.map((row) => [row.tier, row.count]));
	const totalLeads = summary.tiers.reduce((sum, row) => sum + row.count, 0);
	const known = new Set(model.tiers.map((tier) => tier.name));
	const tiers = [
		...model.tiers.map((tier) => ({
			tier: tier.name,
			min: tier.min,
			count: counts.get(tier.name) ?? 0,
		})),
		...summary.tiers
			.filter((row) => !known.has(row.tier))
			.map((row) => ({ tier: row.tier, min: null, count: row.count })),
	].map((row) => ({ ...row, share: share(row.count, totalLeads) }));
	const { min, width, count } = query.buckets;
	const round = (value: number) => Math.round(value * 100) / 100;
	return {
		scoreName,
		generatedAt: new Date(now).toISOString(),
		threshold,
		totalLeads,
		tiers,
		distribution: summary.distribution.map((leads, index) => ({
			from: round(min + index * width),
			to:
				index === count - 1 && model.bounds.max === undefined
					? null
					: round(min + (index + 1) * width),
			count: leads,
		})),
		days: summary.days.map((day, index) => ({
			date: new Date(query.since + index * DAY_MS).toISOString().slice(0, 10),
			...day,
		})),
		topLeads: summary.topLeads.map((lead) => ({
			leadId: lead.leadId,
			score: lead.score,
			tier: lead.tier,
			lastChangeAt: new Date(lead.updatedAt).toISOString(),
			reasons: lead.reasons,
		})),
		modelVersions: [...summary.modelVersions]
			.sort((a, b) => b.count - a.count)
			.map((row) => ({ ...row, share: share(row.count, totalLeads) })),
	};
}
