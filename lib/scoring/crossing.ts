import { InputError, parseNumber } from './inputs';

/** Crossing memory for Check Threshold's hysteresis, per threshold key and lead. */
export interface ThresholdState {
	/** True once the lead crossed and has not yet fallen below `threshold - hysteresis`. */
	crossed: boolean;
	score: number;
	/** The lead's score revision this state was decided on, when the scores carried one. */
	revision?: number;
	/**
	 * The score revision that last changed `crossed` (the crossing, or the drop below), when the
	 * score carried one: that score coming again is a replay whose hand-off must go out again.
	 */
	transitionRevision?: number;
}

export interface CrossingSettings {
	threshold: number;
	/** Points a lead that crossed must fall below the threshold before it can cross again; 0 for none. */
	hysteresis: number;
}

export type CrossingOutcome = 'crossed' | 'notCrossed' | 'droppedBelow';

export interface Scores {
	score: number;
	/** Unknown when the operator maps only a current score (then the stored state decides). */
	previousScore?: number;
	/** Score Event's `revision`: orders one lead's scores that arrive out of order. */
	revision?: number;
	/** Score Event's `replayed`: the first outcome of a repeated event id, given again. */
	replayed?: boolean;
}

export interface CrossingDecision {
	outcome: CrossingOutcome;
	/** The lead's crossing memory after this score. */
	state: ThresholdState;
	/** The score is older than one already decided for the lead: it changes nothing. */
	stale?: boolean;
	/** A crossing (or drop) decided before, coming again: it goes out again, as its hand-off may have failed. */
	replayed?: boolean;
}

/** A crossing is `previousScore < threshold <= score`: once per rise, not on every later event. */
export function crossedThreshold(previousScore: number, score: number, threshold: number): boolean {
	return previousScore < threshold && threshold <= score;
}

/** The way back down: `score < threshold <= previousScore`. */
export function droppedBelow(previousScore: number, score: number, threshold: number): boolean {
	return score < threshold && threshold <= previousScore;
}

/**
 * Decides one score against the threshold. Without hysteresis this is exactly `crossedThreshold` /
 * `droppedBelow`. With hysteresis, a lead that crossed stays crossed until a score (current or
 * previous) is below `threshold - hysteresis`, so a score wobbling around the threshold crosses once.
 * `state` is the lead's memory from earlier decisions; without it, the previous score says whether
 * the lead was already above the threshold.
 */
export function decideCrossing(
	scores: Scores,
	settings: CrossingSettings,
	state?: ThresholdState,
): CrossingDecision {
	const decision = decideAgainst(scores, settings, state);
	// Without a stored state, a replayed outcome decides as it did the first time; it is marked so.
	if (scores.replayed === true && decision.outcome !== 'notCrossed') decision.replayed = true;
	return decision;
}

function decideAgainst(
	scores: Scores,
	settings: CrossingSettings,
	state?: ThresholdState,
): CrossingDecision {
	const { score, previousScore } = scores;
	// The score that crossed (or dropped) comes again, e.g. a sender's retry after a later step failed:
	// its hand-off may never have happened, so it goes out again and the idempotent steps after it decide.
	if (scores.revision !== undefined && state?.transitionRevision === scores.revision) {
		return { outcome: state.crossed ? 'crossed' : 'droppedBelow', state, replayed: true };
	}
	// A score that parallel executions delivered late would otherwise re-arm a lead that has crossed since.
	if (
		scores.revision !== undefined &&
		state?.revision !== undefined &&
		scores.revision < state.revision
	) {
		return { outcome: 'notCrossed', state, stale: true };
	}
	const { threshold, hysteresis } = settings;
	const rearmBelow = threshold - hysteresis;
	let crossedBefore = state
		? state.crossed
		: previousScore !== undefined && previousScore >= threshold;
	// A previous score below the re-arm level means the lead fell back since, even if this node did not see it.
	if (previousScore !== undefined && previousScore < rearmBelow) crossedBefore = false;

	const revision = scores.revision ?? state?.revision;
	// A crossing or a drop remembers the score revision that made it; other scores keep it while
	// `crossed` stays as that revision left it.
	const next = (crossed: boolean, transition: boolean): ThresholdState => {
		const decided: ThresholdState =
			revision === undefined ? { crossed, score } : { crossed, score, revision };
		const kept = crossed === state?.crossed ? state.transitionRevision : undefined;
		const transitionRevision = transition ? scores.revision : kept;
		if (transitionRevision !== undefined) decided.transitionRevision = transitionRevision;
		return decided;
	};
	if (!crossedBefore && score >= threshold) return { outcome: 'crossed', state: next(true, true) };
	if (crossedBefore && score < rearmBelow)
		return { outcome: 'droppedBelow', state: next(false, true) };
	return { outcome: 'notCrossed', state: next(crossedBefore, false) };
}

/** Validates the node's threshold and hysteresis; both may come from expressions. */
export function parseCrossingSettings(threshold: unknown, hysteresis: unknown): CrossingSettings {
	const settings = {
		threshold: parseNumber(threshold, 'threshold', 'The threshold'),
		hysteresis:
			hysteresis === undefined || hysteresis === null || hysteresis === ''
				? 0
				: parseNumber(hysteresis, 'hysteresis', 'Hysteresis'),
	};
	if (settings.hysteresis < 0) {
		throw new InputError(
			'hysteresis',
			`Hysteresis must be 0 or more points, got ${settings.hysteresis}.`,
		);
	}
	return settings;
}

/** A score from an item: a number or numeric text; missing and non-numeric values name the field. */
export function parseScore(value: unknown, field: string, label: string): number {
	if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
		throw new InputError(
			field,
			`${label} is missing. Map it to a number, e.g. {{ $json.leadScore.${field} }} from Score Event.`,
		);
	}
	return parseNumber(value, field, label);
}

/** Score Event's `replayed`: true or "true"; empty, false or "false" when the score is not a replay. */
export function parseReplayed(value: unknown): boolean {
	if (value === undefined || value === null || value === '' || value === false || value === 'false')
		return false;
	if (value === true || value === 'true') return true;
	throw new InputError(
		'replayed',
		`Replayed must be true or false, as Score Event gives it in leadScore.replayed; got ${JSON.stringify(value)}.`,
	);
}

/** Score Event's `revision` (a whole number from 1); an empty value means "not known". */
export function parseRevision(value: unknown): number | undefined {
	if (value === undefined || value === null || (typeof value === 'string' && value.trim() === ''))
		return undefined;
	const revision = parseNumber(value, 'revision', 'The score revision');
	if (!Number.isInteger(revision) || revision < 0) {
		throw new InputError(
			'revision',
			`The score revision must be a whole number, as Score Event gives it in leadScore.revision; got ${revision}.`,
		);
	}
	return revision;
}

/** Like `parseScore`, but an empty value means "not known". */
export function parseOptionalScore(
	value: unknown,
	field: string,
	label: string,
): number | undefined {
	if (value === undefined || value === null || (typeof value === 'string' && value.trim() === ''))
		return undefined;
	return parseNumber(value, field, label);
}
