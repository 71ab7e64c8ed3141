import type { Engagement } from './decay';

/** Per-rule memory for `frequency: once` and rolling-window caps. */
export interface RuleCounter {
	/** How many times the rule has scored for this lead. */
	count: number;
	/** Event times (ms) of recent scoring hits, kept only for rules with a `limit`. */
	hits: number[];
}

/** Everything the engine remembers about one lead in one score; stored as JSON. */
export interface LeadState {
	engagement: Engagement;
	fit: number;
	/** Fit rule ids that matched at the last evaluation. */
	fitRules: string[];
	score: number;
	tier: string;
	/** Latest behaviour event time (ms). */
	lastActivityAt: number | null;
	/** Latest event or sweep time (ms) the score was computed for; decay never runs backwards. */
	evaluatedAt: number | null;
	counters: Record<string, RuleCounter>;
	/** Events counted for this lead (duplicates excluded). */
	eventCount: number;
	/** The version of the model that last changed this state. */
	modelVersion?: string;
	/**
	 * How many times this state has changed: each committed change of one lead gets the next number,
	 * so results that travel on separately (parallel executions) can be put back in order. Absent in
	 * states stored before it existed, which count as 0.
	 */
	revision?: number;
	/**
	 * The score last handed on in an output item, when a change was stored without one (a re-score
	 * moved the score less than the Minimum Change); absent, it is `score`. Sweeps measure the Minimum
	 * Change from it, so small moves add up instead of drifting away from what downstream holds.
	 */
	reportedScore?: number;
}

export function newLeadState(firstTier: string): LeadState {
	return {
		engagement: { points: 0, at: null, grants: [] },
		fit: 0,
		fitRules: [],
		score: 0,
		tier: firstTier,
		lastActivityAt: null,
		evaluatedAt: null,
		counters: {},
		eventCount: 0,
	};
}
