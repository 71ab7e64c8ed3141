import { isDeepStrictEqual } from 'node:util';

import { applyDecay, roundPoints } from '../scoring/engine';
import type { StoredEvent } from '../scoring/keptEvent';
import type { LeadState } from '../scoring/leadState';
import type { ScoringModel } from '../scoring/model';
import { modelVersion } from '../scoring/modelVersion';
import { replayLead } from '../scoring/replay';
import {
	asReported,
	EXACT_REPORTING,
	worthReporting,
	type Reporting,
	type ScoreFields,
} from '../scoring/reporting';
import { tierFor } from '../scoring/tiers';
import type { Baseline, LeadsWrite, ScoreStore } from '../store/scoreStore';
import { yieldToEventLoop } from './pages';

export interface RescoredLead extends ScoreFields {
	leadId: string;
	modelVersion: string;
	previousModelVersion: string | null;
	/** The lead's state revision after the re-score (see LeadState). */
	revision: number;
	/** Kept events replayed for this lead. */
	events: number;
	rescoredAt: string;
	/** With Whole Points: the exact score, of which `score` is the whole part. */
	exactScore?: number;
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
	if (!replayed)
		return 'some of its kept events have no data (Keep Event Data was off), so they cannot be replayed';
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
		const page = await store.listLeads(scoreName, after, options.pageSize ?? 200);
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
					const before = stored.reportedScore ?? stored.score;
					if (sameState(rescored, stored) && stored.modelVersion === version) {
						// Re-scored by a run that stopped (n8n killed) before its items went out: they go out now.
						if (
							stored.reportedScore !== undefined &&
							worthHandingOn(model, reporting, before, stored)
						) {
							pageChanges.push(
								asReported(
									handedOnLead(model, leadId, stored, before, committedAt, events.length),
									model.tiers,
									reporting,
								),
							);
						}
						continue;
					}
					// The replay counted its own changes; the lead's revisions go on from the stored one.
					rescored.revision = (stored.revision ?? 0) + 1;
					write.leads.set(leadId, rescored);
					// Until this run's items have gone out, downstream holds `before`: a run that stops
					// midway leaves that behind, and the next run hands the lead on (see clearHandedOn).
					if (before !== rescored.score) rescored.reportedScore = before;
					else delete rescored.reportedScore;
					// A smaller move is stored but not handed on, and stays remembered, so later moves add up to it.
					if (!worthHandingOn(model, reporting, before, rescored, stored.tier)) continue;
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
					const handedOn = handedOnLead(
						model,
						leadId,
						rescored,
						before,
						committedAt,
						events.length,
					);
					handedOn.previousModelVersion = stored.modelVersion ?? null;
					if (stored.reportedScore === undefined) {
						handedOn.previousTier = stored.tier;
						handedOn.tierChanged = rescored.tier !== stored.tier;
					}
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
	await clearHandedOn(store, scoreName, summary.changed, options.pageSize ?? 200);
	return summary;
}

/** Whether a lead's re-scored state is worth handing on: its tier changed, or it moved by the Minimum Change. */
function worthHandingOn(
	model: ScoringModel,
	reporting: Reporting,
	before: number,
	state: LeadState,
	storedTier = tierFor(before, model.tiers),
): boolean {
	return state.tier !== storedTier || worthReporting(before, state.score, model.tiers, reporting);
}

function handedOnLead(
	model: ScoringModel,
	leadId: string,
	state: LeadState,
	before: number,
	committedAt: number,
	events: number,
): RescoredLead {
	const previousTier = tierFor(before, model.tiers);
	return {
		leadId,
		score: state.score,
		previousScore: before,
		delta: roundPoints(state.score - before),
		tier: state.tier,
		previousTier,
		tierChanged: state.tier !== previousTier,
		modelVersion: state.modelVersion ?? '',
		previousModelVersion: null,
		revision: state.revision ?? 0,
		events,
		rescoredAt: new Date(committedAt).toISOString(),
	};
}

/**
 * The run is complete and its items go out now: the leads it hands on no longer wait for a hand-off.
 * Runs after every page is committed, so a run that stops before this leaves them to the next run
 * (a lead may then go out twice, never not at all).
 */
async function clearHandedOn(
	store: ScoreStore,
	scoreName: string,
	handedOn: RescoredLead[],
	pageSize: number,
): Promise<void> {
	for (let start = 0; start < handedOn.length; start += pageSize) {
		const page = new Map(
			handedOn
				.slice(start, start + pageSize)
				.map((lead) => [lead.leadId, lead.exactScore ?? lead.score]),
		);
		await store.updateLeads(scoreName, [...page.keys()], [], (snapshot) => {
			const write: LeadsWrite = { leads: new Map(), events: [], ledger: [] };
			for (const [leadId, state] of snapshot.leads) {
				// Only the score this run handed on: anything since (an event, a decay) handed itself on.
				if (state.reportedScore === undefined || state.score !== page.get(leadId)) continue;
				const cleared = { ...state };
				delete cleared.reportedScore;
				write.leads.set(leadId, cleared);
			}
			return write;
		});
	}
}
