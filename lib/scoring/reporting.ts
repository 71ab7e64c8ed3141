import { InputError } from './inputs';
import type { Tier } from './model';
import { tierFor } from './tiers';

/**
 * How scores are handed to operators and the nodes after Score Event. The engine keeps its exact
 * (two-decimal) score; what goes out can be whole points, and the sweeps (Apply Decay, Re-Score)
 * hand a lead on only when what goes out changes enough to matter.
 */
export interface Reporting {
	/** Scores go out in whole points, rounded down. */
	wholePoints: boolean;
	/** Sweeps hand a lead on only when its reported score moved at least this much (or its tier changed). */
	minimumChange: number;
}

/** Every change goes out exactly as the engine computed it (the behaviour before whole points). */
export const EXACT_REPORTING: Reporting = { wholePoints: false, minimumChange: 0 };

export const DEFAULT_REPORTING: Reporting = { wholePoints: true, minimumChange: 1 };

/**
 * The score as reported. Whole points round down, never to the nearest: for any whole threshold
 * or tier minimum m, `score >= m` holds for the whole score exactly when it holds for the exact one,
 * so a lead never crosses a threshold on points the operator does not see, nor misses one it reached.
 */
export function reportedScore(score: number, reporting: Pick<Reporting, 'wholePoints'>): number {
	if (!reporting.wholePoints) return score;
	const whole = Math.floor(score);
	return whole === 0 ? 0 : whole;
}

/**
 * The exact scores whose reported score lies within [min, max], for a filter that a store applies
 * to exact scores. With whole points a lead at 50.5 is shown as 50, so "at most 50" reaches up to
 * 50.99 (scores are kept in hundredths, see roundPoints) and "at least 49.5" starts at 50.
 */
export function exactScoreRange(
	range: { min?: number; max?: number },
	reporting: Pick<Reporting, 'wholePoints'>,
): { min?: number; max?: number } {
	if (!reporting.wholePoints) return range;
	return {
		min: range.min === undefined ? undefined : Math.ceil(range.min),
		max: range.max === undefined ? undefined : Math.floor(range.max) + 0.99,
	};
}

/** The fields of a score change operators read; everything else passes through untouched. */
export interface ScoreFields {
	score: number;
	previousScore: number;
	delta: number;
	tier: string;
	previousTier: string;
	tierChanged: boolean;
}

/**
 * A result as operators see it: with whole points, score, previous score and delta are whole, the
 * tiers are those of the whole scores (so a Check Threshold after it agrees), and the engine's own
 * value stays readable as `exactScore`.
 */
export function asReported<T extends ScoreFields>(
	result: T,
	tiers: Tier[],
	reporting: Pick<Reporting, 'wholePoints'>,
): T & { exactScore?: number } {
	if (!reporting.wholePoints) return result;
	const score = reportedScore(result.score, reporting);
	const previousScore = reportedScore(result.previousScore, reporting);
	const tier = tierFor(score, tiers);
	const previousTier = tierFor(previousScore, tiers);
	return {
		...result,
		score,
		previousScore,
		delta: score - previousScore,
		tier,
		previousTier,
		tierChanged: tier !== previousTier,
		exactScore: result.score,
	};
}

/**
 * Whether a sweep hands a lead on: its reported tier changed, or its reported score moved by at
 * least the minimum change since it was last handed on (`before`, so many small moves add up
 * instead of being lost one by one).
 */
export function worthReporting(
	before: number,
	after: number,
	tiers: Tier[],
	reporting: Reporting,
): boolean {
	const from = reportedScore(before, reporting);
	const to = reportedScore(after, reporting);
	if (tierFor(from, tiers) !== tierFor(to, tiers)) return true;
	const moved = Math.abs(to - from);
	return moved > 0 && moved >= reporting.minimumChange;
}

/** The reporting options as an operator set them: empty means the default; a bad one fails before anything is written. */
export function parseReporting(options: {
	wholePoints?: unknown;
	minimumChange?: unknown;
}): Reporting {
	const { wholePoints, minimumChange } = options;
	if (wholePoints !== undefined && typeof wholePoints !== 'boolean') {
		throw new InputError(
			'options.wholePoints',
			`Whole Points must be on or off; got ${String(wholePoints)}.`,
		);
	}
	let change = DEFAULT_REPORTING.minimumChange;
	if (minimumChange !== undefined && minimumChange !== null && minimumChange !== '') {
		if (typeof minimumChange !== 'number' || !Number.isFinite(minimumChange) || minimumChange < 0) {
			throw new InputError(
				'options.minimumChange',
				`Minimum Change must be a number of points, 0 or more; got ${JSON.stringify(minimumChange) ?? String(minimumChange)}. Nothing was written.`,
			);
		}
		change = minimumChange;
	}
	return { wholePoints: wholePoints ?? DEFAULT_REPORTING.wholePoints, minimumChange: change };
}

/** A lead's current score (Get Score) as operators see it: the whole score and its tier, the exact one beside it. */
export function readingAsReported<T extends { score: number; tier: string }>(
	reading: T,
	tiers: Tier[],
	reporting: Pick<Reporting, 'wholePoints'>,
): T & { exactScore?: number } {
	if (!reporting.wholePoints) return reading;
	const score = reportedScore(reading.score, reporting);
	return { ...reading, score, tier: tierFor(score, tiers), exactScore: reading.score };
}
