import { isDeepStrictEqual } from 'node:util';

import type { LeadsWrite, ScoreStore } from '../store/scoreStore';
import { applyDecay, roundPoints } from './engine';
import type { LeadState } from './leadState';
import type { ScoringModel } from './model';
import { modelVersion } from './modelVersion';
import { replayLead } from './replay';

export interface RescoredLead {
	leadId: string;
	score: number;
	previousScore: number;
	delta: number;
	tier: string;
	previousTier: string;
	tierChanged: boolean;
	modelVersion: string;
	previousModelVersion: string | null;
	/** The lead's state revision after the re-score (see LeadState). */
	revision: number;
	/** Kept events replayed for this lead. */
	events: number;
	rescoredAt: string;
}

export interface RescoreSummary {
	/** Leads whose score or tier changed. */
	changed: RescoredLead[];
	/** Leads left untouched because some of their events were kept without data. */
	skipped: string[];
	leads: number;
}

/** The same scoring state, whatever model version and revision number it carries. */
function sameState(a: LeadState, b: LeadState): boolean {
	const comparable = (state: LeadState) => ({ ...state, modelVersion: null, revision: null });
	return isDeepStrictEqual(comparable(a), comparable(b));
}

/**
 * Re-scores every lead of a score from its kept events under `model`, page by page. Each page
 * is one atomic step: a lead is either re-scored completely or left as it was. Running it again
 * under the same model changes nothing.
 */
export async function rescoreLeads(
	store: ScoreStore,
	model: ScoringModel,
	scoreName: string,
	options: { pageSize?: number; now?: () => number } = {},
): Promise<RescoreSummary> {
	const version = modelVersion(model);
	const now = options.now ?? Date.now;
	const summary: RescoreSummary = { changed: [], skipped: [], leads: 0 };
	let after: string | null = null;
	do {
		const page = await store.listLeads(scoreName, after, options.pageSize ?? 500);
		after = page.next;
		let pageChanges: RescoredLead[] = [];
		let pageSkipped: string[] = [];
		await store.updateLeads(
			scoreName,
			page.leads.map((lead) => lead.leadId),
			[],
			(snapshot) => {
				pageChanges = [];
				pageSkipped = [];
				const committedAt = now();
				const write: LeadsWrite = { leads: new Map(), events: [], ledger: [] };
				for (const [leadId, stored] of snapshot.leads) {
					const events = snapshot.events?.get(leadId) ?? [];
					const replayed = replayLead(model, events);
					if (!replayed) {
						pageSkipped.push(leadId);
						continue;
					}
					// Compare as of the time the stored score was computed for (a decay sweep may have run since).
					const asOf = stored.evaluatedAt;
					const rescored =
						asOf !== null && (replayed.evaluatedAt === null || replayed.evaluatedAt < asOf)
							? applyDecay(model, replayed, asOf).state
							: replayed;
					rescored.modelVersion = version;
					if (sameState(rescored, stored) && stored.modelVersion === version) continue;
					// The replay counted its own changes; the lead's revisions go on from the stored one.
					rescored.revision = (stored.revision ?? 0) + 1;
					write.leads.set(leadId, rescored);
					if (rescored.score === stored.score && rescored.tier === stored.tier) continue;
					const delta = roundPoints(rescored.score - stored.score);
					write.ledger.push({
						leadId,
						eventId: null,
						event: 'rescore',
						at: rescored.evaluatedAt ?? committedAt,
						recordedAt: committedAt,
						previousScore: stored.score,
						score: rescored.score,
						delta,
						tier: rescored.tier,
						reasons: [
							{
								rule: 'rescore',
								points: delta,
								note: `model ${stored.modelVersion ?? 'unknown'} -> ${version}`,
							},
						],
						modelVersion: version,
					});
					pageChanges.push({
						leadId,
						score: rescored.score,
						previousScore: stored.score,
						delta,
						tier: rescored.tier,
						previousTier: stored.tier,
						tierChanged: rescored.tier !== stored.tier,
						modelVersion: version,
						previousModelVersion: stored.modelVersion ?? null,
						revision: rescored.revision,
						events: events.length,
						rescoredAt: new Date(committedAt).toISOString(),
					});
				}
				return write;
			},
			{ withEvents: true },
		);
		summary.leads += page.leads.length;
		summary.changed.push(...pageChanges);
		summary.skipped.push(...pageSkipped);
	} while (after !== null);
	return summary;
}
