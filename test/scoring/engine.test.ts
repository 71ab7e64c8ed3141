import fc from 'fast-check';

import { DAY_MS } from '../../lib/scoring/decay';
import {
	applyDecay,
	applyEvent,
	adjustScore,
	withinLimit,
	type ScoringEvent,
} from '../../lib/scoring/engine';
import type { LeadState } from '../../lib/scoring/leadState';
import { parseModel } from '../../lib/scoring/model';

const T0 = Date.parse('2026-11-01T00:00:00Z');

function event(
	name: string,
	dayOffset = 0,
	data: Record<string, unknown> = {},
	hasProfile = false,
): ScoringEvent {
	return { name, time: T0 + dayOffset * DAY_MS, data, hasProfile };
}

function run(
	model: ReturnType<typeof parseModel>,
	events: ScoringEvent[],
): { state: LeadState | undefined; scores: number[] } {
	let state: LeadState | undefined;
	const scores: number[] = [];
	for (const e of events) {
		const change = applyEvent(model, state, e);
		state = change.state;
		scores.push(change.score);
	}
	return { state, scores };
}

const base = {
	version: 1 as const,
	tiers: [
		{ name: 'nurture', min: 0 },
		{ name: 'warming', min: 26 },
		{ name: 'engaged', min: 51 },
		{ name: 'hot', min: 76 },
	],
};

describe('behaviour rules', () => {
	const model = parseModel({
		...base,
		rules: [
			{
				id: 'pricing-page',
				event: 'Viewed Page',
				when: [{ path: 'properties.url', op: 'contains', value: '/pricing' }],
				points: 10,
			},
			{ id: 'any-page', event: 'Viewed Page', points: 1 },
			{ id: 'unsubscribed', event: 'Unsubscribed', points: -20 },
		],
	});

	it('adds the points of every rule whose event and conditions match, with a reason each', () => {
		const change = applyEvent(
			model,
			undefined,
			event('Viewed Page', 0, { properties: { url: 'https://x.io/pricing?a=1' } }),
		);
		expect(change.score).toBe(11);
		expect(change.previousScore).toBe(0);
		expect(change.delta).toBe(11);
		expect(change.reasons).toEqual([
			{ rule: 'pricing-page', points: 10 },
			{ rule: 'any-page', points: 1 },
		]);
	});

	it('skips a rule whose condition does not hold', () => {
		const change = applyEvent(
			model,
			undefined,
			event('Viewed Page', 0, { properties: { url: '/blog' } }),
		);
		expect(change.score).toBe(1);
		expect(change.reasons).toEqual([{ rule: 'any-page', points: 1 }]);
	});

	it('gives no points for an event no rule knows, and says so with no reasons', () => {
		const change = applyEvent(model, undefined, event('Logged In'));
		expect(change.score).toBe(0);
		expect(change.reasons).toEqual([]);
	});

	it('applies negative points and keeps the score within the default bounds only when bounds are set', () => {
		const { scores } = run(model, [event('Viewed Page'), event('Unsubscribed')]);
		expect(scores).toEqual([1, -19]);
		const bounded = parseModel({ ...base, rules: model.rules, bounds: { min: 0, max: 100 } });
		expect(run(bounded, [event('Viewed Page'), event('Unsubscribed')]).scores).toEqual([1, 0]);
	});

	it('moves leads through tiers and reports tier changes', () => {
		const pricing = event('Viewed Page', 0, { properties: { url: '/pricing' } });
		let state: LeadState | undefined;
		const seen: Array<[number, string, boolean]> = [];
		for (let i = 0; i < 3; i++) {
			const change = applyEvent(model, state, pricing);
			state = change.state;
			seen.push([change.score, change.tier, change.tierChanged]);
		}
		expect(seen).toEqual([
			[11, 'nurture', false],
			[22, 'nurture', false],
			[33, 'warming', true],
		]);
	});
});

describe('frequency once and rolling-window caps', () => {
	const model = parseModel({
		...base,
		rules: [
			{ id: 'signed-up', event: 'Subscribed', points: 5, frequency: 'once' },
			{ id: 'opened', event: 'Opened Email', points: 2, limit: { max: 3, perDays: 7 } },
		],
	});

	it('counts a once rule only for the first occurrence per lead', () => {
		const { scores } = run(model, [
			event('Subscribed'),
			event('Subscribed', 1),
			event('Subscribed', 30),
		]);
		expect(scores).toEqual([5, 5, 5]);
		const second = applyEvent(
			model,
			applyEvent(model, undefined, event('Subscribed')).state,
			event('Subscribed', 1),
		);
		expect(second.reasons).toEqual([
			{ rule: 'signed-up', points: 0, note: 'once: already counted for this lead' },
		]);
	});

	it('scores a capped rule at most max times in any window, and again once the window has passed', () => {
		const days = [0, 1, 2, 3, 4, 7.5, 8];
		const { scores } = run(
			model,
			days.map((d) => event('Opened Email', d)),
		);
		// Days 0, 1, 2 score; 3 and 4 are capped; at 7.5 the window (0.5, 7.5] holds days 1 and 2; at 8 it holds 2 and 7.5.
		expect(scores).toEqual([2, 4, 6, 6, 6, 8, 10]);
	});

	it('judges every window as the plain count of each window does, in one pass over the hits', () => {
		// The plain rule: every window of perDays that would hold the new hit holds fewer than max hits.
		const reference = (hits: number[], time: number, limit: { max: number; perDays: number }) => {
			const windowMs = limit.perDays * DAY_MS;
			const starts = [
				time - windowMs + 1,
				...hits.filter((hit) => hit <= time && hit > time - windowMs),
			];
			return starts.every(
				(start) => hits.filter((hit) => hit >= start && hit < start + windowMs).length < limit.max,
			);
		};
		const hour = 3_600_000;
		fc.assert(
			fc.property(
				fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 30 }),
				fc.integer({ min: 0, max: 200 }),
				fc.integer({ min: 1, max: 6 }),
				fc.integer({ min: 1, max: 3 }),
				(hours, at, max, perDays) => {
					const hits = hours.map((h) => T0 + h * hour);
					const limit = { max, perDays: perDays / 2 };
					expect(withinLimit(hits, T0 + at * hour, limit)).toBe(
						reference(hits, T0 + at * hour, limit),
					);
				},
			),
			{ numRuns: 2000 },
		);
	});

	it("refuses a cap above 1000 hits (each counted hit is kept in the lead's state)", () => {
		expect(() =>
			parseModel({
				...base,
				rules: [{ id: 'r', event: 'E', points: 1, limit: { max: 1001, perDays: 1 } }],
			}),
		).toThrow('rules[0].limit.max: limit.max can be at most 1000');
	});

	it('judges a late event against the window around its own time', () => {
		const hits = [T0, T0 + 1 * DAY_MS, T0 + 2 * DAY_MS];
		expect(withinLimit(hits, T0 + 0.5 * DAY_MS, { max: 3, perDays: 7 })).toBe(false);
		expect(withinLimit(hits, T0 - 10 * DAY_MS, { max: 3, perDays: 7 })).toBe(true);
		expect(withinLimit(hits, T0 + 9.5 * DAY_MS, { max: 3, perDays: 7 })).toBe(true);
	});
});

describe('fit rules', () => {
	const model = parseModel({
		...base,
		rules: [{ id: 'visit', event: 'Viewed Page', points: 1 }],
		fit: [
			{
				id: 'senior-title',
				when: [{ path: 'profile.title', op: 'matches', value: 'VP|Director|Head' }],
				points: 15,
			},
			{
				id: 'big-company',
				when: [{ path: 'profile.employees', op: 'gte', value: 500 }],
				points: 10,
			},
		],
	});

	it('re-evaluates fit from each profile, replacing it, never accumulating', () => {
		const profileEvent = (day: number, profile: Record<string, unknown>) =>
			event('Viewed Page', day, { profile }, true);
		let change = applyEvent(
			model,
			undefined,
			profileEvent(0, { title: 'VP Marketing', employees: '1200' }),
		);
		expect([change.score, change.fit, change.engagement]).toEqual([26, 25, 1]);
		change = applyEvent(
			model,
			change.state,
			profileEvent(1, { title: 'VP Marketing', employees: 1200 }),
		);
		expect([change.score, change.fit]).toEqual([27, 25]);
		change = applyEvent(
			model,
			change.state,
			profileEvent(2, { title: 'Analyst', employees: 1200 }),
		);
		expect([change.score, change.fit]).toEqual([13, 10]);
		expect(change.reasons).toEqual([
			{ rule: 'visit', points: 1 },
			{ rule: 'senior-title', points: -15 },
		]);
	});

	it('keeps the last fit when an event carries no profile', () => {
		const first = applyEvent(
			model,
			undefined,
			event('Viewed Page', 0, { profile: { title: 'Head of Growth' } }, true),
		);
		const next = applyEvent(model, first.state, event('Viewed Page', 1));
		expect(next.fit).toBe(15);
		expect(next.score).toBe(17);
	});
});

describe('decay (event time drives it, never the wall clock)', () => {
	const rules = [{ id: 'visit', event: 'Visit', points: 40 }];

	it('halves behaviour points every half-life and leaves fit alone', () => {
		const model = parseModel({
			...base,
			rules,
			decay: { type: 'halfLife', days: 30 },
			fit: [{ id: 'vip', when: [{ path: 'profile.vip', op: 'equals', value: true }], points: 10 }],
		});
		const first = applyEvent(model, undefined, event('Visit', 0, { profile: { vip: true } }, true));
		expect(first.score).toBe(50);
		const later = applyDecay(model, first.state, T0 + 30 * DAY_MS);
		expect([later.score, later.engagement, later.fit]).toEqual([30, 20, 10]);
		expect(later.reasons).toEqual([{ rule: 'decay', points: -20 }]);
		expect(applyDecay(model, later.state, T0 + 60 * DAY_MS).score).toBe(20);
	});

	it('decays linearly only after the grace period, down to zero', () => {
		const model = parseModel({
			...base,
			rules,
			decay: { type: 'linear', pointsPerDay: 2, graceDays: 14 },
		});
		const first = applyEvent(model, undefined, event('Visit'));
		expect(applyDecay(model, first.state, T0 + 14 * DAY_MS).score).toBe(40);
		expect(applyDecay(model, first.state, T0 + 20 * DAY_MS).score).toBe(28);
		expect(applyDecay(model, first.state, T0 + 60 * DAY_MS).score).toBe(0);
		// A sweep does not restart the grace period: sweeping at day 16 and again at day 20 gives the same as once at 20.
		const swept = applyDecay(model, first.state, T0 + 16 * DAY_MS);
		expect(applyDecay(model, swept.state, T0 + 20 * DAY_MS).score).toBe(28);
		// New activity restarts it.
		const active = applyEvent(model, swept.state, event('Visit', 16));
		expect(applyDecay(model, active.state, T0 + 30 * DAY_MS).score).toBe(76);
	});

	it('drops points when they expire', () => {
		const model = parseModel({ ...base, rules, decay: { type: 'expire', days: 90 } });
		const { state } = run(model, [event('Visit', 0), event('Visit', 50)]);
		expect(applyDecay(model, state!, T0 + 89 * DAY_MS).score).toBe(80);
		expect(applyDecay(model, state!, T0 + 91 * DAY_MS).score).toBe(40);
		expect(applyDecay(model, state!, T0 + 141 * DAY_MS).score).toBe(0);
	});

	it('never decays with decay none', () => {
		const model = parseModel({ ...base, rules });
		const first = applyEvent(model, undefined, event('Visit'));
		expect(applyDecay(model, first.state, T0 + 1000 * DAY_MS).score).toBe(40);
	});

	it('reports decay since the last event as a reason of the next event', () => {
		const model = parseModel({ ...base, rules, decay: { type: 'halfLife', days: 10 } });
		const first = applyEvent(model, undefined, event('Visit'));
		const second = applyEvent(model, first.state, event('Visit', 10));
		expect(second.score).toBe(60);
		expect(second.reasons).toEqual([
			{ rule: 'decay', points: -20 },
			{ rule: 'visit', points: 40 },
		]);
		expect(second.reasons.reduce((sum, r) => sum + r.points, 0)).toBe(second.delta);
	});
});

describe('late and out-of-order events', () => {
	const model = parseModel({
		...base,
		rules: [{ id: 'visit', event: 'Visit', points: 16 }],
		decay: { type: 'halfLife', days: 10 },
	});

	it('under half-life decay gives the same score whatever order the events arrive in', () => {
		const days = [0, 3, 7, 12, 20];
		const inOrder = run(
			model,
			days.map((d) => event('Visit', d)),
		);
		const shuffled = run(
			model,
			[20, 0, 12, 3, 7].map((d) => event('Visit', d)),
		);
		expect(shuffled.scores[shuffled.scores.length - 1]).toBe(
			inOrder.scores[inOrder.scores.length - 1],
		);
	});

	it('counts a late event as of when it happened: it has already decayed', () => {
		const first = applyEvent(model, undefined, event('Visit', 10));
		const late = applyEvent(model, first.state, event('Visit', 0));
		expect(late.score).toBe(24);
		expect(late.reasons).toEqual([{ rule: 'visit', points: 8 }]);
	});

	it('is deterministic: the same events in the same order give the same scores', () => {
		const events = [5, 1, 9, 2, 14, 3].map((d) => event('Visit', d));
		expect(run(model, events).scores).toEqual(run(model, events).scores);
	});
});

describe('bounds', () => {
	const model = parseModel({
		...base,
		rules: [{ id: 'big', event: 'Demo', points: 60 }],
		bounds: { min: 0, max: 100 },
	});

	it('caps the score at the maximum without banking the excess', () => {
		const { state, scores } = run(model, [event('Demo'), event('Demo'), event('Demo')]);
		expect(scores).toEqual([60, 100, 100]);
		expect(state!.engagement.points).toBe(100);
	});
});

describe('manual adjustments', () => {
	const model = parseModel({ ...base, rules: [], bounds: { min: 0, max: 100 } });

	it('adds points or sets the score, with the reason kept', () => {
		const added = adjustScore(model, undefined, {
			mode: 'add',
			points: 30,
			reason: 'Met at trade show',
			time: T0,
		});
		expect(added.score).toBe(30);
		expect(added.reasons).toEqual([{ rule: 'adjust', points: 30, note: 'Met at trade show' }]);
		const set = adjustScore(model, added.state, {
			mode: 'set',
			points: 80,
			reason: 'Sales asked',
			time: T0,
		});
		expect([set.score, set.delta, set.tier, set.tierChanged]).toEqual([80, 50, 'hot', true]);
	});
});
