import { DAY_MS, EXPIRE_BUCKETS } from '../../lib/scoring/decay';
import { applyDecay, applyEvent } from '../../lib/scoring/engine';
import type { LeadState } from '../../lib/scoring/leadState';
import { parseModel } from '../../lib/scoring/model';

// Issue 13, finding 8: `expire` decay kept every grant of the window (630 KB for 20,000 events).

const T0 = Date.parse('2026-01-01T00:00:00Z');
const model = parseModel({
	version: 1,
	rules: [{ id: 'visit', event: 'Visit', points: 2 }],
	decay: { type: 'expire', days: 90 },
});
const visit = (time: number) => ({ name: 'Visit', time, data: {}, hasProfile: false });

describe('expire decay', () => {
	it('keeps a bounded state however many events one lead has', () => {
		let state: LeadState | undefined;
		let score = 0;
		// 20,000 visits ten minutes apart: 139 days, so the first 49 days' points have expired.
		for (let i = 0; i < 20_000; i++) {
			const change = applyEvent(model, state, visit(T0 + i * 600_000));
			state = change.state;
			score = change.score;
		}
		expect(state!.engagement.grants.length).toBeLessThanOrEqual(EXPIRE_BUCKETS + 1);
		expect(JSON.stringify(state).length).toBeLessThan(16 * 1024);
		// 90 days of visits every ten minutes is 12,960 visits of 2 points; a bucket (0.9 day) may
		// keep up to 130 more visits that are between 90 and 90.9 days old.
		expect(score).toBeGreaterThanOrEqual(12_960 * 2);
		expect(score).toBeLessThanOrEqual((12_960 + 130) * 2);
	});

	it('counts points for at least the expiry window and at most 1% longer', () => {
		const first = applyEvent(model, undefined, visit(T0));
		const later = applyEvent(model, first.state, visit(T0 + 3_600_000));
		expect(applyDecay(model, later.state, T0 + 90 * DAY_MS - 1).score).toBe(4);
		expect(applyDecay(model, later.state, T0 + 90.9 * DAY_MS + 3_600_000).score).toBe(0);
	});

	it('reads a state stored with one entry per grant (before buckets) and scores on from it', () => {
		// As the previous version stored it: three grants of the last 90 days, one long expired.
		const oldShape: LeadState = {
			engagement: {
				points: 8,
				at: T0 + 100 * DAY_MS,
				grants: [
					[T0 + 100 * DAY_MS - 3_600_000, 2],
					[T0 + 100 * DAY_MS - 7_200_000, 2],
					[T0 + 20 * DAY_MS, 2],
					[T0 + 5 * DAY_MS, 2],
				],
			},
			fit: 0,
			fitRules: [],
			score: 6,
			tier: 'nurture',
			lastActivityAt: T0 + 100 * DAY_MS,
			evaluatedAt: T0 + 100 * DAY_MS,
			counters: { visit: { count: 4, hits: [] } },
			eventCount: 4,
		};
		const stored = JSON.parse(JSON.stringify(oldShape)) as LeadState;
		expect(applyDecay(model, stored, T0 + 100 * DAY_MS).score).toBe(6);
		const next = applyEvent(model, stored, visit(T0 + 101 * DAY_MS));
		expect(next.score).toBe(8);
		expect(next.reasons).toEqual([{ rule: 'visit', points: 2 }]);
		// The two grants of one day now share a bucket; the grant of day 20 expires on day 110.
		expect(next.state.engagement.grants).toEqual([
			[T0 + 20 * DAY_MS, 2],
			[T0 + 100 * DAY_MS - 3_600_000, 4],
			[T0 + 101 * DAY_MS, 2],
		]);
		expect(applyDecay(model, next.state, T0 + 110 * DAY_MS + 1).score).toBe(6);
	});
});
