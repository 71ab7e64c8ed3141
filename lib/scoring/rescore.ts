import { isDeepStrictEqual } from 'node:util';

import type { Baseline, LeadsWrite, ScoreStore, StoredEvent } from '../store/scoreStore';
import { yieldToEventLoop } from './batch';
import { applyDecay, roundPoints } from './engine';
import type { LeadState } from './leadState';
import type { ScoringModel } from './model';
import { modelVersion } from './modelVersion';
import { replayLead } from './replay';
import { asReported, EXACT_REPORTING, worthReporting, type Reporting } from './reporting';
import { tierFor } from './tiers';

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

/** A lead Re-Score left as it was, because its history cannot be replayed completely. */
export interface SkippedLead {
	leadId: string;
	score: number;
	tier: string;
	reason: string;
}

export interface RescoreSummary {
	/** Leads whose score or tier changed. */
	changed: RescoredLead[];
	/** Leads left untouched, with the reason. */
	skipped: SkippedLead[];
	leads: number;
}

/**
 * The lead's state replayed from its baseline and kept events, or why no replay can be its whole
 * history: events kept without data, or events forgotten before baselines were kept (the store
 * counted more events than are left to replay).
 */
function replayWhole(
	model: ScoringModel,
	stored: LeadState,
	events: StoredEvent[],
	baseline: Baseline | undefined,
): LeadState | string {
	if (baseline && baseline.state === null) {
		return `${baseline.events} of its events were forgotten after the event retention without their data (Keep Event Data off), so they cannot be replayed`;
	}
	const replayed = replayLead(model, events, baseline?.state ?? undefined);
	if (!replayed) return 'some of its kept events have no data (Keep Event Data was off), so they cannot be replayed';
	if (replayed.eventCount !== stored.eventCount) {
		return `the store counted ${stored.eventCount} events for it but only ${replayed.eventCount} can be replayed: the others were forgotten after the event retention before this version kept what they left behind`;
	}
	return replayed;
}

/** The same scoring state, whatever model version and revision number it carries. */
function sameState(a: LeadState, b: LeadState): boolean {
	const comparable = (state: LeadState) => ({
		...state,
		modelVersion: null,
		revision: null,
		reportedScore: null,
	});
	return isDeepStrictEqual(comparable(a), comparable(b));
}

/**
 * Re-scores every lead of a score from its baseline and kept events under `model`, page by page.
 * Each page is one atomic step: a lead is either re-scored completely or left as it was, with the
 * reason. Running it again under the same model changes nothing.
 */
export async function rescoreLeads(
	store: ScoreStore,
	model: ScoringModel,
	scoreName: string,
	options: { pageSize?: number; now?: () => number; reporting?: Reporting } = {},
): Promise<RescoreSummary> {
	const reporting = options.reporting ?? EXACT_REPORTING;
	const version = modelVersion(model);
	const now = options.now ?? Date.now;
	const summary: RescoreSummary = { changed: [], skipped: [], leads: 0 };
	let after: string | null = null;
	do {
		if (after !== null) await yieldToEventLoop();
		const page = await store.listLeads(scoreName, after, options.pageSize ?? 500);
		after = page.next;
		let pageChanges: RescoredLead[] = [];
		let pageSkipped: SkippedLead[] = [];
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
					const replayed = replayWhole(model, stored, events, snapshot.baselines?.get(leadId));
					if (typeof replayed === 'string') {
						pageSkipped.push({ leadId, score: stored.score, tier: stored.tier, reason: replayed });
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
					// Measured from what was last handed on; a smaller move is stored but not handed on,
					// and remembered, so later moves add up to it.
					const before = stored.reportedScore ?? stored.score;
					if (
						rescored.tier === stored.tier &&
						!worthReporting(before, rescored.score, model.tiers, reporting)
					) {
						if (before !== rescored.score) rescored.reportedScore = before;
						continue;
					}
					delete rescored.reportedScore;
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
					const previousTier =
						stored.reportedScore === undefined ? stored.tier : tierFor(before, model.tiers);
					const handedOn: RescoredLead = {
						leadId,
						score: rescored.score,
						previousScore: before,
						delta: roundPoints(rescored.score - before),
						tier: rescored.tier,
						previousTier,
						tierChanged: rescored.tier !== previousTier,
						modelVersion: version,
						previousModelVersion: stored.modelVersion ?? null,
						revision: rescored.revision,
						events: events.length,
						rescoredAt: new Date(committedAt).toISOString(),
					};
					pageChanges.push(asReported(handedOn, model.tiers, reporting));
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
