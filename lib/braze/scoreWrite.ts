/**
 * What one scored lead needs in Braze: which custom attributes to write (only those that changed,
 * when the previous values are known, since Braze bills every attribute written) and whether its
 * "Lead Score Changed" event is due. Pure: no I/O.
 */
import { crossedThreshold } from '../scoring/crossing';
import type { JsonObject } from '../http/jsonValues';

import type { InputProblem } from './inputs';

export type EventTrigger = 'never' | 'tierChange' | 'crossing' | 'tierChangeOrCrossing';

export interface ScoreWriteSettings {
	/** Custom attribute for the score; empty writes no score. */
	scoreAttribute: string;
	/** Custom attribute for the tier; empty writes no tier. */
	tierAttribute: string;
	/** Leave out an attribute whose value equals the previous one. */
	onlyChanged: boolean;
	eventOn: EventTrigger;
	/** For `crossing`: a crossing is `previousScore < threshold <= score`. */
	threshold?: number;
}

/** The values as they arrive from expressions (Score Event's leadScore by default). */
export interface RawScores {
	score: unknown;
	previousScore: unknown;
	tier: unknown;
	previousTier: unknown;
	/**
	 * Score Event's `duplicate`: the event was scored before (a sender's retry). Whether that
	 * earlier run reached Braze is unknown, so the values are written in full and the event,
	 * which Braze would record twice, is not sent again.
	 */
	replayed?: unknown;
}

export interface ScoreWrite {
	attributes: JsonObject;
	/** The event is due: the tier changed, or the score crossed the threshold. */
	eventDue: boolean;
	score?: number;
	previousScore?: number;
	tier?: string;
	previousTier?: string;
}

const absent = (value: unknown) =>
	value === undefined || value === null || (typeof value === 'string' && value.trim() === '');

function readNumber(
	raw: unknown,
	field: 'score' | 'previousScore',
	label: string,
): number | undefined | InputProblem {
	if (absent(raw)) return undefined;
	const value = typeof raw === 'string' ? Number(raw.trim()) : raw;
	if (typeof value !== 'number' || !Number.isFinite(value))
		return { field, message: `${label} is "${String(raw)}", not a number` };
	return value;
}

function readText(
	raw: unknown,
	field: 'tier' | 'previousTier',
	label: string,
): string | undefined | InputProblem {
	if (absent(raw)) return undefined;
	if (typeof raw !== 'string') return { field, message: `${label} is not text` };
	return raw.trim();
}

function problemIn(...values: unknown[]): InputProblem | undefined {
	return values.find(
		(value): value is InputProblem =>
			typeof value === 'object' && value !== null && 'field' in value,
	);
}

export function planScoreWrite(
	raw: RawScores,
	settings: ScoreWriteSettings,
): ScoreWrite | InputProblem {
	const score = readNumber(raw.score, 'score', 'The score');
	const previousScore = readNumber(raw.previousScore, 'previousScore', 'The previous score');
	const tier = readText(raw.tier, 'tier', 'The tier');
	const previousTier = readText(raw.previousTier, 'previousTier', 'The previous tier');
	const problem = problemIn(score, previousScore, tier, previousTier);
	if (problem) return problem;
	const write = { score, previousScore, tier, previousTier } as Omit<
		ScoreWrite,
		'attributes' | 'eventDue'
	>;

	const needsScore =
		settings.scoreAttribute !== '' ||
		settings.eventOn === 'crossing' ||
		settings.eventOn === 'tierChangeOrCrossing';
	if (needsScore && write.score === undefined) {
		return {
			field: 'score',
			message: 'The score is empty; map a score (Score Event gives leadScore.score)',
		};
	}
	const needsTier =
		settings.tierAttribute !== '' ||
		settings.eventOn === 'tierChange' ||
		settings.eventOn === 'tierChangeOrCrossing';
	if (needsTier && write.tier === undefined) {
		return {
			field: 'tier',
			message: 'The tier is empty; map a tier (Score Event gives leadScore.tier)',
		};
	}

	const replayed = raw.replayed === true || raw.replayed === 'true';
	const onlyChanged = settings.onlyChanged && !replayed;
	const attributes: JsonObject = {};
	// An unknown previous value counts as a change: better one data point too many than a stale profile.
	if (settings.scoreAttribute !== '' && !(onlyChanged && write.previousScore === write.score)) {
		attributes[settings.scoreAttribute] = write.score!;
	}
	if (settings.tierAttribute !== '' && !(onlyChanged && write.previousTier === write.tier)) {
		attributes[settings.tierAttribute] = write.tier!;
	}

	// An event rule without the previous value could never fire: say so rather than stay silent.
	let tierChanged = false;
	let crossed = false;
	if (settings.eventOn === 'tierChange' || settings.eventOn === 'tierChangeOrCrossing') {
		if (write.previousTier === undefined) {
			return {
				field: 'previousTier',
				message:
					'The previous tier is empty, so a tier change cannot be told; map it (Score Event gives leadScore.previousTier)',
			};
		}
		tierChanged = write.previousTier !== write.tier;
	}
	if (settings.eventOn === 'crossing' || settings.eventOn === 'tierChangeOrCrossing') {
		if (write.previousScore === undefined) {
			return {
				field: 'previousScore',
				message:
					'The previous score is empty, so a crossing cannot be told; map it (Score Event gives leadScore.previousScore)',
			};
		}
		if (settings.threshold === undefined || !Number.isFinite(settings.threshold)) {
			return { field: 'threshold', message: 'The threshold is not a number' };
		}
		crossed = crossedThreshold(write.previousScore, write.score!, settings.threshold);
	}
	return { ...write, attributes, eventDue: !replayed && (tierChanged || crossed) };
}
