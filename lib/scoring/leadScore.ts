import { engagementAt } from './decay';
import {
	adjustScore,
	applyEvent,
	initialState,
	roundPoints,
	type Adjustment,
	type ScoreChange,
	type ScoringEvent,
} from './engine';
import type { EventOutcome } from './keptEvent';
import type { LeadState } from './leadState';
import type { ScoringModel } from './model';
import { modelVersion } from './modelVersion';
import { tierFor } from './tiers';

/** The `leadScore` object Score Event adds to an item (DESIGN.md contract). */
export interface LeadScore extends Omit<ScoreChange, 'state'> {
	leadId: string;
	event: string | null;
	eventId: string | null;
	duplicate: boolean;
	/**
	 * On a duplicate: true when this is the outcome the event id had the first time, given again;
	 * false when that outcome is unknown (counted before outcomes were kept), and the lead's current
	 * score is shown unchanged. False on events counted now.
	 */
	replayed: boolean;
	scoredAt: string;
	/** The version of the model that computed this score. */
	modelVersion: string;
	/** The lead's state revision after this change (see LeadState); none without a store. */
	revision?: number;
	/** With Whole Points: the engine's exact score, of which `score` is the whole part. */
	exactScore?: number;
}

export interface EventInput extends ScoringEvent {
	leadId: string;
	eventId?: string;
}

export interface AdjustInput extends Adjustment {
	leadId: string;
	/** Makes a retried adjustment count once; kept among the lead's event ids as `adjust:<id>`. */
	adjustmentId?: string;
}

/** Adjustment ids live beside event ids, under their own prefix so the two never collide. */
export function adjustmentEventId(adjustmentId: string): string {
	return `adjust:${adjustmentId}`;
}

export function toLeadScore(
	leadId: string,
	change: ScoreChange,
	event: { name: string | null; id: string | null },
	scoredAt: string,
	version: string,
): LeadScore {
	return {
		leadId,
		event: event.name,
		eventId: event.id,
		score: change.score,
		previousScore: change.previousScore,
		delta: change.delta,
		engagement: change.engagement,
		fit: change.fit,
		tier: change.tier,
		previousTier: change.previousTier,
		tierChanged: change.tierChanged,
		reasons: change.reasons,
		duplicate: false,
		replayed: false,
		scoredAt,
		modelVersion: version,
		revision: change.state.revision ?? 0,
	};
}

/** What is kept with a counted event id, so its repeats answer the same. */
export function outcomeOf(leadScore: LeadScore): EventOutcome {
	return {
		score: leadScore.score,
		previousScore: leadScore.previousScore,
		delta: leadScore.delta,
		engagement: leadScore.engagement,
		fit: leadScore.fit,
		tier: leadScore.tier,
		previousTier: leadScore.previousTier,
		tierChanged: leadScore.tierChanged,
		reasons: leadScore.reasons,
		revision: leadScore.revision ?? 0,
		modelVersion: leadScore.modelVersion,
		scoredAt: leadScore.scoredAt,
	};
}

/** A repeated event id answers with the outcome it had the first time, so the steps after it run again alike. */
export function replayOf(
	leadId: string,
	event: { name: string | null; id: string | null },
	outcome: EventOutcome,
): LeadScore {
	return {
		leadId,
		event: event.name,
		eventId: event.id,
		...outcome,
		duplicate: true,
		replayed: true,
	};
}

/** A lead's score as it stands, as a change of nothing (a repeated event id counted before outcomes were kept, a reading). */
export function unchangedScore(
	model: ScoringModel,
	leadId: string,
	state: LeadState | undefined,
	time: number,
): ScoreChange {
	const current = state ?? initialState(model);
	return {
		state: current,
		score: current.score,
		previousScore: current.score,
		delta: 0,
		engagement: roundPoints(
			engagementAt(model.decay, current.engagement, Math.max(time, current.evaluatedAt ?? time)),
		),
		fit: current.fit,
		tier: current.tier,
		previousTier: current.tier,
		tierChanged: false,
		reasons: [],
	};
}

/**
 * The change as downstream sees it: from the score last handed on, which differs from the stored
 * one only after a re-score moved it less than the Minimum Change, or stopped before its items went
 * out. That move is shown as its own
 * reason, so a crossing it began is not lost and every point of the delta is accounted for.
 */
export function sinceHandedOn(
	model: ScoringModel,
	stored: LeadState | undefined,
	change: ScoreChange,
): ScoreChange {
	if (stored?.reportedScore === undefined) return change;
	const before = stored.reportedScore;
	const previousTier = tierFor(before, model.tiers);
	const unreported = roundPoints(stored.score - before);
	return {
		...change,
		previousScore: before,
		delta: roundPoints(change.score - before),
		previousTier,
		tierChanged: change.tier !== previousTier,
		reasons:
			unreported === 0
				? change.reasons
				: [
						{
							rule: 'rescore',
							points: unreported,
							note: 'an earlier re-score, not handed on until now',
						},
						...change.reasons,
					],
	};
}

/** The lead's state when the store is `none`: only the current score is known, as behaviour points. */
export function stateFromScore(model: ScoringModel, currentScore: number): LeadState {
	const state = initialState(model);
	return {
		...state,
		engagement: { points: currentScore, at: null, grants: [] },
		score: currentScore,
		tier: tierFor(currentScore, model.tiers),
	};
}

/** A result without a store: nothing is remembered, so there is no revision to order it by. */
function statelessLeadScore(
	model: ScoringModel,
	leadId: string,
	change: ScoreChange,
	event: { name: string | null; id: string | null },
	now: number,
): LeadScore {
	const leadScore = toLeadScore(
		leadId,
		change,
		event,
		new Date(now).toISOString(),
		modelVersion(model),
	);
	delete leadScore.revision;
	return leadScore;
}

/** Stateless scoring: the previous score comes from the item, nothing is remembered. */
export function scoreEventStateless(
	model: ScoringModel,
	event: EventInput,
	currentScore: number,
	now: number = Date.now(),
): LeadScore {
	const change = applyEvent(model, stateFromScore(model, currentScore), event);
	return statelessLeadScore(
		model,
		event.leadId,
		change,
		{ name: event.name, id: event.eventId ?? null },
		now,
	);
}

export function adjustStateless(
	model: ScoringModel,
	adjustment: AdjustInput,
	currentScore: number,
	now: number = Date.now(),
): LeadScore {
	const change = adjustScore(model, stateFromScore(model, currentScore), adjustment);
	const id =
		adjustment.adjustmentId === undefined ? null : adjustmentEventId(adjustment.adjustmentId);
	return statelessLeadScore(model, adjustment.leadId, change, { name: 'adjust', id }, now);
}
