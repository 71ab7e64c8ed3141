import { InputError, parseNumber } from '../scoring/inputs';
import type { ThresholdState } from '../store/scoreStore';

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
}

export interface CrossingDecision {
	outcome: CrossingOutcome;
	/** The lead's crossing memory after this score. */
	state: ThresholdState;
	/** The score is older than one already decided for the lead: it changes nothing. */
	stale?: boolean;
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
export function decideCrossing(scores: Scores, settings: CrossingSettings, state?: ThresholdState): CrossingDecision {
	const { score, previousScore } = scores;
	// A score that parallel executions delivered late would otherwise re-arm a lead that has crossed since.
	if (scores.revision !== undefined && state?.revision !== undefined && scores.revision < state.revision) {
		return { outcome: 'notCrossed', state, stale: true };
	}
	const { threshold, hysteresis } = settings;
	const rearmBelow = threshold - hysteresis;
	let crossedBefore = state ? state.crossed : previousScore !== undefined && previousScore >= threshold;
	// A previous score below the re-arm level means the lead fell back since, even if this node did not see it.
	if (previousScore !== undefined && previousScore < rearmBelow) crossedBefore = false;

	const revision = scores.revision ?? state?.revision;
	const next = (crossed: boolean): ThresholdState => (revision === undefined ? { crossed, score } : { crossed, score, revision });
	if (!crossedBefore && score >= threshold) return { outcome: 'crossed', state: next(true) };
	if (crossedBefore && score < rearmBelow) return { outcome: 'droppedBelow', state: next(false) };
	return { outcome: 'notCrossed', state: next(crossedBefore) };
}

/** Validates the node's threshold and hysteresis; both may come from expressions. */
export function parseCrossingSettings(threshold: unknown, hysteresis: unknown): CrossingSettings {
	const settings = {
		threshold: parseNumber(threshold, 'threshold', 'The threshold'),
		hysteresis: hysteresis === undefined || hysteresis === null || hysteresis === '' ? 0 : parseNumber(hysteresis, 'hysteresis', 'Hysteresis'),
	};
	if (settings.hysteresis < 0) {
		throw new InputError('hysteresis', `Hysteresis must be 0 or more points, got ${settings.hysteresis}.`);
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

/** Score Event's `revision` (a whole number from 1); an empty value means "not known". */
export function parseRevision(value: unknown): number | undefined {
	if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return undefined;
	const revision = parseNumber(value, 'revision', 'The score revision');
	if (!Number.isInteger(revision) || revision < 0) {
		throw new InputError('revision', `The score revision must be a whole number, as Score Event gives it in leadScore.revision; got ${revision}.`);
	}
	return revision;
}

/** Like `parseScore`, but an empty value means "not known". */
export function parseOptionalScore(value: unknown, field: string, label: string): number | undefined {
	if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return undefined;
	return parseNumber(value, field, label);
}
