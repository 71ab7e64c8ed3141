import { valueAt } from './conditions';
import { applyDecay, applyEvent, initialState } from './engine';
import type { LeadState } from './leadState';
import type { ScoringModel } from './model';
import { modelVersion } from './modelVersion';
import { tierFor } from './tiers';

/** A problem with a backtest's set-up that the operator must fix (what to change is in the message). */
export class BacktestError extends Error {
	constructor(
		readonly field: string,
		message: string,
	) {
		super(message);
		this.name = 'BacktestError';
	}
}

export interface BacktestEvent {
	leadId: string;
	name: string;
	time: number;
	data: unknown;
	hasProfile: boolean;
	/** Arrival order for events with the same time. */
	order: number;
}

/** A lead converted when it has an event of this name, or an event whose data has this field set. */
export type ConversionLabel = { kind: 'event'; name: string } | { kind: 'field'; path: string };

export type ThresholdMeasure = 'f1' | 'youden';

export interface TierResult {
	tier: string;
	/** Lowest score of the tier. */
	min: number;
	leads: number;
	converted: number;
	conversionRate: number;
	/** Conversion rate over the base rate: above 1 means the tier converts better than leads in general. */
	lift: number;
}

export interface ThresholdResult {
	threshold: number;
	handedToSales: number;
	converted: number;
	precision: number;
	recall: number;
	f1: number;
}

export interface ModelResult {
	name: string;
	modelVersion: string;
	tiers: TierResult[];
	/** At the threshold asked for, if any. */
	atThreshold: ThresholdResult | null;
	/** The threshold that maximises the chosen measure, and its figures. */
	suggested: ThresholdResult & { measure: ThresholdMeasure };
	/**
	 * Thresholds across the distinct scores reached, for the report's chart: all of them up to
	 * CURVE_POINTS, else CURVE_POINTS evenly spread (the suggestion is chosen among all of them).
	 */
	curve: ThresholdResult[];
}

export interface BacktestResult {
	leads: number;
	converted: number;
	baseRate: number;
	events: number;
	label: ConversionLabel;
	models: ModelResult[];
}

const round = (value: number, digits = 4) => Math.round(value * 10 ** digits) / 10 ** digits;

function isConversion(label: ConversionLabel, event: BacktestEvent): boolean {
	if (label.kind === 'event') return event.name === label.name;
	const value = valueAt(event.data, label.path);
	return (
		value !== undefined &&
		value !== null &&
		value !== false &&
		value !== '' &&
		value !== 0 &&
		value !== 'false'
	);
}

interface LeadOutcome {
	converted: boolean;
	/** The score when the lead converted (or at the end of the range): what a model would have known. */
	score: number;
	/** The highest score before conversion: a threshold at or below it would have handed the lead over. */
	peak: number;
}

/** Scores one lead's events up to (not including) its conversion, so the label never leaks into the score. */
function outcomeOf(
	model: ScoringModel,
	events: BacktestEvent[],
	label: ConversionLabel,
	end: number,
): LeadOutcome {
	let state: LeadState = initialState(model);
	let peak = state.score;
	let convertedAt: number | null = null;
	for (const event of events) {
		if (isConversion(label, event)) {
			convertedAt = event.time;
			break;
		}
		state = applyEvent(model, state, event).state;
		peak = Math.max(peak, state.score);
	}
	const at = convertedAt ?? end;
	const score = state.evaluatedAt === null ? state.score : applyDecay(model, state, at).score;
	return { converted: convertedAt !== null, score, peak };
}

function figures(
	threshold: number,
	handed: number,
	converted: number,
	totalConverted: number,
): ThresholdResult {
	const precision = handed === 0 ? 0 : converted / handed;
	const recall = totalConverted === 0 ? 0 : converted / totalConverted;
	const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
	return {
		threshold,
		handedToSales: handed,
		converted,
		precision: round(precision),
		recall: round(recall),
		f1: round(f1),
	};
}

function thresholdFigures(
	outcomes: LeadOutcome[],
	threshold: number,
	totalConverted: number,
): ThresholdResult {
	let handed = 0;
	let converted = 0;
	for (const outcome of outcomes) {
		if (outcome.peak >= threshold) {
			handed++;
			if (outcome.converted) converted++;
		}
	}
	return figures(threshold, handed, converted, totalConverted);
}

export const CURVE_POINTS = 200;

/**
 * The figures at every distinct positive peak, from one pass over the leads sorted by peak
 * (a threshold hands over every lead whose peak reaches it), in ascending order of threshold.
 */
function thresholdCurve(outcomes: LeadOutcome[], totalConverted: number): ThresholdResult[] {
	const byPeak = outcomes.filter((outcome) => outcome.peak > 0).sort((a, b) => b.peak - a.peak);
	const curve: ThresholdResult[] = [];
	let handed = 0;
	let converted = 0;
	for (let i = 0; i < byPeak.length; i++) {
		handed++;
		if (byPeak[i].converted) converted++;
		if (i + 1 === byPeak.length || byPeak[i + 1].peak !== byPeak[i].peak)
			curve.push(figures(byPeak[i].peak, handed, converted, totalConverted));
	}
	return curve.reverse();
}

/** At most CURVE_POINTS of the curve, evenly spread, always with its ends and the suggestion. */
function thinCurve(curve: ThresholdResult[], suggested: ThresholdResult): ThresholdResult[] {
	if (curve.length <= CURVE_POINTS) return curve;
	const step = (curve.length - 1) / (CURVE_POINTS - 1);
	const kept = new Set<ThresholdResult>([suggested]);
	for (let i = 0; i < CURVE_POINTS; i++) kept.add(curve[Math.round(i * step)]);
	return curve.filter((point) => kept.has(point));
}

function youden(figures: ThresholdResult, outcomes: LeadOutcome[], totalConverted: number): number {
	const negatives = outcomes.length - totalConverted;
	const falsePositives = figures.handedToSales - figures.converted;
	const falsePositiveRate = negatives === 0 ? 0 : falsePositives / negatives;
	return figures.recall - falsePositiveRate;
}

/**
 * Replays events through one or two models and measures how well each predicts conversion:
 * conversion rate and lift per tier, and the hand-offs a threshold would make.
 */
export function runBacktest(
	models: Array<{ name: string; model: ScoringModel }>,
	events: BacktestEvent[],
	label: ConversionLabel,
	options: { threshold?: number; measure?: ThresholdMeasure; end?: number } = {},
): BacktestResult {
	if (events.length === 0) {
		throw new BacktestError(
			'from',
			'There are no events to backtest: the time range is empty or holds no kept events. Widen the range, or give the events as items.',
		);
	}
	if (models.length === 2) {
		const [a, b] = models.map(({ model }) => model.tiers.map((tier) => tier.name).join(', '));
		if (a !== b) {
			throw new BacktestError(
				'compareModel',
				`The two models have different tiers (${a} / ${b}), so they cannot be compared tier by tier. Give the candidate model the same tier names in the same order.`,
			);
		}
	}
	const byLead = new Map<string, BacktestEvent[]>();
	for (const event of events) {
		let list = byLead.get(event.leadId);
		if (!list) byLead.set(event.leadId, (list = []));
		list.push(event);
	}
	for (const list of byLead.values()) list.sort((a, b) => a.time - b.time || a.order - b.order);
	if (!events.some((event) => isConversion(label, event))) {
		const what =
			label.kind === 'event'
				? `no event is named "${label.name}"`
				: `no event has the field "${label.path}" set`;
		throw new BacktestError(
			label.kind === 'event' ? 'conversionEvent' : 'conversionField',
			`The conversion label matches nothing: ${what} among ${events.length} events. Check the spelling (event names are case-sensitive) or widen the time range.`,
		);
	}
	// A loop, not Math.max(...times): a million arguments overflow the call stack.
	let end = options.end ?? -Infinity;
	if (options.end === undefined) for (const event of events) end = Math.max(end, event.time);
	const measure = options.measure ?? 'f1';
	const leadEvents = [...byLead.values()];

	const results = models.map(({ name, model }): ModelResult => {
		const outcomes = leadEvents.map((list) => outcomeOf(model, list, label, end));
		const totalConverted = outcomes.filter((outcome) => outcome.converted).length;
		const baseRate = totalConverted / outcomes.length;
		const tiers = model.tiers.map((tier): TierResult => {
			const inTier = outcomes.filter(
				(outcome) => tierFor(outcome.score, model.tiers) === tier.name,
			);
			const converted = inTier.filter((outcome) => outcome.converted).length;
			const conversionRate = inTier.length === 0 ? 0 : converted / inTier.length;
			return {
				tier: tier.name,
				min: tier.min,
				leads: inTier.length,
				converted,
				conversionRate: round(conversionRate),
				lift: baseRate === 0 ? 0 : round(conversionRate / baseRate),
			};
		});
		const curve = thresholdCurve(outcomes, totalConverted);
		const score = (figures: ThresholdResult) =>
			measure === 'f1' ? figures.f1 : youden(figures, outcomes, totalConverted);
		const best =
			curve.reduce<ThresholdResult | null>(
				(top, figures) => (top === null || score(figures) > score(top) ? figures : top),
				null,
			) ?? thresholdFigures(outcomes, 0, totalConverted);
		return {
			name,
			modelVersion: modelVersion(model),
			tiers,
			atThreshold:
				options.threshold === undefined
					? null
					: thresholdFigures(outcomes, options.threshold, totalConverted),
			suggested: { ...best, measure },
			curve: thinCurve(curve, best),
		};
	});

	const converted = leadEvents.filter((list) =>
		list.some((event) => isConversion(label, event)),
	).length;
	return {
		leads: byLead.size,
		converted,
		baseRate: round(converted / byLead.size),
		events: events.length,
		label,
		models: results,
	};
}
