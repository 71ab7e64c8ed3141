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
import { pacedSweep } from './pages';

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

/** An output item of a committed page, kept by the store until the run completes (see RescorePage). */
type KeptItem = { changed: RescoredLead } | { skipped: SkippedLead };

/**
 * Re-scores every lead of a score from its baseline and kept events under `model`, page by page.
 * Each page is one atomic step: a lead is either re-scored completely or left as it was, with the
 * reason. Running it again under the same model changes nothing. A run that stopped midway (n8n
 * killed) is continued by the next run under the same model: it starts after the last committed
 * lead, and first hands on the committed pages' items, which never went out.
 */
export async function rescoreLeads(
	store: ScoreStore,
	model: ScoringModel,
	scoreName: string,
	options: { pageSize?: number; now?: () => number; reporting?: Reporting } = {},
): Promise<RescoreSummary> {
	const reporting = options.reporting ?? EXACT_REPORTING;
	const pageSize = options.pageSize ?? 200;
	const version = modelVersion(model);
	const now = options.now ?? Date.now;
	const summary: RescoreSummary = { changed: [], skipped: [], leads: 0 };
	const stopped = await store.rescoreProgress(scoreName);
	// Progress under another model is not this run's: it starts over, and its first page replaces it.
	const resumed = stopped?.modelVersion === version ? stopped : undefined;
	if (resumed) {
		await handOnStoppedRun(store, scoreName, summary, pageSize);
		summary.leads = resumed.leads;
	}
	let after: string | null = resumed?.after ?? null;
	await pacedSweep(store, async (pace) => {
		for (;;) {
			const page = await store.listLeads(scoreName, after, pageSize);
			const leadIds = page.leads.map((lead) => lead.leadId);
			const swept = summary.leads + leadIds.length;
			let pageChanges: RescoredLead[] = [];
			let pageSkipped: SkippedLead[] = [];
			await store.updateLeads(
				scoreName,
				leadIds,
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
							pageSkipped.push({
								leadId,
								score: stored.score,
								tier: stored.tier,
								reason: replayed,
							});
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
							// Re-scored by a stopped run whose progress is gone (a run under another model started over
							// since), before its items went out: they go out now.
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
					// Where the run stands after this page, committed with its leads, for a run that goes on after a stop.
					if (leadIds.length > 0) {
						const items = new Map<string, KeptItem>([
							...pageChanges.map((lead): [string, KeptItem] => [lead.leadId, { changed: lead }]),
							...pageSkipped.map((lead): [string, KeptItem] => [lead.leadId, { skipped: lead }]),
						]);
						write.rescore = {
							progress: { modelVersion: version, after: leadIds[leadIds.length - 1], leads: swept },
							items,
						};
					}
					return write;
				},
				{ withEvents: true },
			);
			summary.leads = swept;
			summary.changed.push(...pageChanges);
			summary.skipped.push(...pageSkipped);
			if (page.next === null) break;
			after = page.next;
			await pace();
		}
	});
	await clearHandedOn(store, scoreName, summary.changed, pageSize);
	return summary;
}

/**
 * The items of a stopped run's committed pages, which never went out, read back without reading
 * those leads' events. A lead changed since (an event, a decay) has a later revision: that change
 * handed it on, so its item stays behind.
 */
async function handOnStoppedRun(
	store: ScoreStore,
	scoreName: string,
	summary: RescoreSummary,
	pageSize: number,
): Promise<void> {
	let after: string | null = null;
	do {
		const page = await store.rescoreItems(scoreName, after, pageSize);
		after = page.next;
		const items = page.items.map(({ item }) => item as KeptItem);
		const changed = items.flatMap((item) => ('changed' in item ? [item.changed] : []));
		const current = await store.getLeads(
			scoreName,
			changed.map((lead) => lead.leadId),
		);
		for (const item of items) {
			if ('skipped' in item) {
				summary.skipped.push(item.skipped);
				continue;
			}
			const state = current.get(item.changed.leadId)?.state;
			if (state && (state.revision ?? 0) === item.changed.revision)
				summary.changed.push(item.changed);
		}
	} while (after !== null);
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
 * The run is complete and its items go out now: the leads it hands on no longer wait for a hand-off,
 * and its progress and kept items are removed. Runs after every page is committed, so a run that
 * stops before this leaves them to the next run (a lead may then go out twice, never not at all).
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
	await store.endRescore(scoreName);
}
