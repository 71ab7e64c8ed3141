import type { Decay } from './model';

export const DAY_MS = 86_400_000;

/** The behaviour part of a lead's state that decay works on. */
export interface Engagement {
	/** Behaviour points as of `at` (for linear decay: as of the last activity). */
	points: number;
	/** Event time (ms) that `points` refers to; null for a lead with no behaviour yet. */
	at: number | null;
	/** Expire decay only: [event time, points] of the grants that have not expired yet. */
	grants: Array<[number, number]>;
}

function towardZero(points: number, by: number): number {
	if (points > 0) return Math.max(0, points - by);
	if (points < 0) return Math.min(0, points + by);
	return 0;
}

/** Behaviour points at `time` (never earlier than `engagement.at`). */
export function engagementAt(decay: Decay, engagement: Engagement, time: number): number {
	const { points, at } = engagement;
	switch (decay.type) {
		case 'none':
			return points;
		case 'halfLife':
			if (at === null || time <= at) return points;
			return points * Math.pow(0.5, (time - at) / (decay.days * DAY_MS));
		case 'linear': {
			if (at === null || time <= at) return points;
			const idleDays = (time - at) / DAY_MS - decay.graceDays;
			return idleDays > 0 ? towardZero(points, idleDays * decay.pointsPerDay) : points;
		}
		case 'expire': {
			const from = time - decay.days * DAY_MS;
			let sum = 0;
			for (const [grantedAt, granted] of engagement.grants) if (grantedAt > from) sum += granted;
			return sum;
		}
	}
}

/**
 * What `points` earned at `eventTime` are worth at `time` (>= eventTime). Late events
 * decay as if they had arrived on time, except under linear decay, which runs from the
 * last activity and so counts a late event at full value.
 */
export function pointsWorthAt(
	decay: Decay,
	points: number,
	eventTime: number,
	time: number,
): number {
	switch (decay.type) {
		case 'halfLife':
			return points * Math.pow(0.5, Math.max(0, time - eventTime) / (decay.days * DAY_MS));
		case 'expire':
			return time - eventTime < decay.days * DAY_MS ? points : 0;
		default:
			return points;
	}
}

/**
 * Engagement after adding `applied` points (already valued at `time`) from an event at
 * `eventTime`; `time` is the lead's evaluation time (the latest event or sweep seen).
 */
export function addToEngagement(
	decay: Decay,
	engagement: Engagement,
	applied: number,
	eventTime: number,
	time: number,
): Engagement {
	const current = engagementAt(decay, engagement, time);
	switch (decay.type) {
		case 'none':
			return { points: current + applied, at: time, grants: [] };
		case 'halfLife':
			return { points: current + applied, at: time, grants: [] };
		case 'linear':
			// The decay clock restarts at the newest activity; a late event only adds its points.
			if (engagement.at === null || eventTime >= engagement.at) {
				return { points: current + applied, at: eventTime, grants: [] };
			}
			return { points: engagement.points + applied, at: engagement.at, grants: [] };
		case 'expire': {
			const grants = pruneGrants(decay, engagement.grants, time);
			if (applied !== 0) grants.push([eventTime, applied]);
			return { points: current + applied, at: time, grants };
		}
	}
}

/** Engagement with decay up to `time` made permanent (what a sweep stores). */
export function settleEngagement(decay: Decay, engagement: Engagement, time: number): Engagement {
	const current = engagementAt(decay, engagement, time);
	switch (decay.type) {
		case 'halfLife':
			return { points: current, at: time, grants: [] };
		case 'expire':
			return { points: current, at: time, grants: pruneGrants(decay, engagement.grants, time) };
		default:
			// Linear decay stays anchored at the last activity so the grace period is not restarted.
			return engagement;
	}
}

function pruneGrants(
	decay: { days: number },
	grants: Array<[number, number]>,
	time: number,
): Array<[number, number]> {
	const from = time - decay.days * DAY_MS;
	return grants.filter(([grantedAt]) => grantedAt > from);
}
