import { allConditionsHold } from './conditions';
import { DAY_MS, addToEngagement, engagementAt, pointsWorthAt, settleEngagement } from './decay';
import type { BehaviourRule, ScoringModel } from './model';
import { newLeadState, type LeadState, type RuleCounter } from './leadState';
import { tierFor } from './tiers';

/** Why a score changed: a rule and its points; `decay`, `adjust` and `bounds` are reasons too. */
export interface Reason {
	rule: string;
	points: number;
	/** Set when a matching rule gave no points, e.g. `once: already counted`. */
	note?: string;
}

export interface ScoringEvent {
	name: string;
	/** Event time in ms; decay and windows run on event time, never on the wall clock. */
	time: number;
	/** What `when` paths resolve against: the Event Data (the webhook body, or the item), with `profile` merged in. */
	data: unknown;
	/** Whether the event carries profile attributes; fit is re-evaluated only then. */
	hasProfile: boolean;
}

export interface ScoreChange {
	state: LeadState;
	score: number;
	previousScore: number;
	delta: number;
	engagement: number;
	fit: number;
	tier: string;
	previousTier: string;
	tierChanged: boolean;
	reasons: Reason[];
}

// Scores are kept to two decimals so repeated decay never shows 41.99999 to an operator.
export function roundPoints(value: number): number {
	const rounded = Math.round(value * 100) / 100;
	return Object.is(rounded, -0) ? 0 : rounded;
}

function clamp(value: number, bounds: ScoringModel['bounds']): number {
	let result = value;
	if (bounds.max !== undefined && result > bounds.max) result = bounds.max;
	if (bounds.min !== undefined && result < bounds.min) result = bounds.min;
	return result;
}

export function initialState(model: ScoringModel): LeadState {
	return newLeadState(tierFor(0, model.tiers));
}

function change(
	model: ScoringModel,
	before: LeadState,
	state: LeadState,
	time: number,
	reasons: Reason[],
): ScoreChange {
	const engagement = engagementAt(model.decay, state.engagement, time);
	const score = roundPoints(clamp(engagement + state.fit, model.bounds));
	const tier = tierFor(score, model.tiers);
	const next: LeadState = {
		...state,
		score,
		tier,
		evaluatedAt: time,
		revision: (before.revision ?? 0) + 1,
	};
	const delta = roundPoints(score - before.score);
	// Whatever the listed reasons do not explain (bounds on the total) is shown as its own reason.
	const explained = roundPoints(reasons.reduce((sum, reason) => sum + reason.points, 0));
	const unexplained = roundPoints(delta - explained);
	const allReasons =
		unexplained !== 0 ? [...reasons, { rule: 'bounds', points: unexplained }] : reasons;
	return {
		state: next,
		score,
		previousScore: before.score,
		delta,
		engagement: roundPoints(engagement),
		fit: roundPoints(state.fit),
		tier,
		previousTier: before.tier,
		tierChanged: tier !== before.tier,
		reasons: allReasons.map((reason) => ({ ...reason, points: roundPoints(reason.points) })),
	};
}

/** The evaluation time: the later of the event and what the lead has already seen. */
function evaluationTime(state: LeadState, time: number): number {
	return state.evaluatedAt !== null && state.evaluatedAt > time ? state.evaluatedAt : time;
}

/** Decay since the last evaluation, as a reason, so every point of a change is accounted for. */
function decayReason(model: ScoringModel, state: LeadState, time: number): Reason[] {
	if (state.evaluatedAt === null) return [];
	const before = engagementAt(model.decay, state.engagement, state.evaluatedAt);
	const after = engagementAt(model.decay, state.engagement, time);
	const decayed = after - before;
	return Math.abs(decayed) >= 0.005 ? [{ rule: 'decay', points: decayed }] : [];
}

/** Whether a capped rule may score again at `time`: no window of `perDays` may hold more than `max` hits. */
export function withinLimit(
	hits: number[],
	time: number,
	limit: { max: number; perDays: number },
): boolean {
	const windowMs = limit.perDays * DAY_MS;
	const near = hits
		.filter((hit) => hit > time - windowMs && hit < time + windowMs)
		.sort((a, b) => a - b);
	// The windows that would hold the new hit start just after `time - windowMs` or at an earlier
	// hit; both ends only move forward, so one pass over the sorted hits counts every window.
	let first = 0;
	let end = 0;
	const holdsFewer = (start: number): boolean => {
		while (first < near.length && near[first] < start) first++;
		while (end < near.length && near[end] < start + windowMs) end++;
		return end - first < limit.max;
	};
	if (!holdsFewer(time - windowMs + 1)) return false;
	for (const hit of near) {
		if (hit > time) break;
		if (!holdsFewer(hit)) return false;
	}
	return true;
}

function counterAfterHit(
	rule: BehaviourRule,
	counter: RuleCounter | undefined,
	time: number,
	latest: number,
): RuleCounter {
	const count = (counter?.count ?? 0) + 1;
	if (!rule.limit) return { count, hits: [] };
	// Keep one window of history behind the newest activity: enough to judge on-time and recent late events.
	const keepFrom = Math.max(latest, time) - rule.limit.perDays * DAY_MS;
	const hits = [...(counter?.hits ?? []), time]
		.filter((hit) => hit > keepFrom)
		.sort((a, b) => a - b);
	return { count, hits };
}

function evaluateFit(model: ScoringModel, data: unknown): { fit: number; fitRules: string[] } {
	let fit = 0;
	const fitRules: string[] = [];
	for (const rule of model.fit) {
		if (allConditionsHold(rule.when, data)) {
			fit += rule.points;
			fitRules.push(rule.id);
		}
	}
	return { fit, fitRules };
}

function fitReasons(model: ScoringModel, before: string[], after: string[]): Reason[] {
	const reasons: Reason[] = [];
	for (const rule of model.fit) {
		const had = before.includes(rule.id);
		const has = after.includes(rule.id);
		if (had !== has) reasons.push({ rule: rule.id, points: has ? rule.points : -rule.points });
	}
	return reasons;
}

/** Scores one event for one lead. Pure: the same state and event always give the same change. */
export function applyEvent(
	model: ScoringModel,
	current: LeadState | undefined,
	event: ScoringEvent,
): ScoreChange {
	const before = current ?? initialState(model);
	const time = evaluationTime(before, event.time);
	const reasons: Reason[] = decayReason(model, before, time);
	let state: LeadState = { ...before, counters: { ...before.counters } };
	const latestActivity = before.lastActivityAt ?? event.time;

	let matchedBehaviour = false;
	for (const rule of model.rules) {
		if (rule.event !== event.name || !allConditionsHold(rule.when, event.data)) continue;
		matchedBehaviour = true;
		const counter = state.counters[rule.id];
		if (rule.frequency === 'once' && (counter?.count ?? 0) > 0) {
			reasons.push({ rule: rule.id, points: 0, note: 'once: already counted for this lead' });
			continue;
		}
		if (rule.limit && !withinLimit(counter?.hits ?? [], event.time, rule.limit)) {
			reasons.push({
				rule: rule.id,
				points: 0,
				note: `limit: at most ${rule.limit.max} per ${rule.limit.perDays} day(s) reached`,
			});
			continue;
		}
		const worth = pointsWorthAt(model.decay, rule.points, event.time, time);
		const currentEngagement = engagementAt(model.decay, state.engagement, time);
		// Bounds hold for the behaviour points too, so points above the maximum are never banked.
		const applied = clamp(currentEngagement + worth, model.bounds) - currentEngagement;
		state.engagement = addToEngagement(model.decay, state.engagement, applied, event.time, time);
		state.counters[rule.id] = counterAfterHit(rule, counter, event.time, latestActivity);
		reasons.push({ rule: rule.id, points: applied });
		if (applied !== worth)
			reasons.push({ rule: 'bounds', points: 0, note: `${rule.id} capped by the score bounds` });
	}

	if (event.hasProfile) {
		const { fit, fitRules } = evaluateFit(model, event.data);
		reasons.push(...fitReasons(model, before.fitRules, fitRules));
		state = { ...state, fit, fitRules };
	}
	if (matchedBehaviour) {
		state.lastActivityAt = Math.max(before.lastActivityAt ?? event.time, event.time);
	}
	state.eventCount = before.eventCount + 1;
	return change(
		model,
		before,
		state,
		time,
		reasons.filter((reason) => reason.points !== 0 || reason.note),
	);
}

/** Brings a lead's score up to `time` under the model's decay (what the Apply Decay sweep does). */
export function applyDecay(model: ScoringModel, current: LeadState, time: number): ScoreChange {
	const at = evaluationTime(current, time);
	const reasons = decayReason(model, current, at);
	const state = { ...current, engagement: settleEngagement(model.decay, current.engagement, at) };
	return change(model, current, state, at, reasons);
}

export interface Adjustment {
	mode: 'add' | 'set';
	points: number;
	reason: string;
	time: number;
}

/** A manual change: add points, or set the score, by changing the behaviour part. */
export function adjustScore(
	model: ScoringModel,
	current: LeadState | undefined,
	adjustment: Adjustment,
): ScoreChange {
	const before = current ?? initialState(model);
	const time = evaluationTime(before, adjustment.time);
	const reasons = decayReason(model, before, time);
	const engagement = engagementAt(model.decay, before.engagement, time);
	const wanted =
		adjustment.mode === 'add' ? engagement + adjustment.points : adjustment.points - before.fit;
	const applied = wanted - engagement;
	const state: LeadState = {
		...before,
		engagement: addToEngagement(model.decay, before.engagement, applied, time, time),
	};
	reasons.push({ rule: 'adjust', points: applied, note: adjustment.reason });
	return change(model, before, state, time, reasons);
}
