import type { Decay } from './model';

export const DAY_MS = 86_400_000;

/** The behaviour part of a lead's state that decay works on. */
export interface Engagement {
	/** Behaviour points as of `at` (for linear decay: as of the last activity). */
	points: number;
	/** Event time (ms) that `points` refers to; null for a lead with no behaviour yet. */
	at: number | null;
	/**
	 * Expire decay only: [time, points] of the grants that have not expired yet, summed per bucket
	 * of 1/100 of the expiry window (time is the bucket's latest grant), so the state stays small
	 * however many events a lead has. States stored before buckets hold one entry per grant; they
	 * read the same and are bucketed at their next change.
	 */
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
			if (applied !== 0) addGrant(decay, grants, eventTime, applied);
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

/** Expire decay keeps at most this many buckets (plus one being filled) per lead. */
export const EXPIRE_BUCKETS = 100;

const bucketOf = (decay: { days: number }, time: number) =>
	Math.floor(time / ((decay.days * DAY_MS) / EXPIRE_BUCKETS));

/**
 * The grants that have not expired at `time`, one per bucket, in time order (a new array; the
 * stored one and its entries are never changed). A bucket holds the sum of its grants and the
 * time of its latest, and expires with it: a point counts at least `days` and at most 1% longer.
 */
function pruneGrants(
	decay: { days: number },
	grants: Array<[number, number]>,
	time: number,
): Array<[number, number]> {
	const from = time - decay.days * DAY_MS;
	let bucketed = true;
	for (let i = 1; i < grants.length && bucketed; i++)
		bucketed = bucketOf(decay, grants[i - 1][0]) < bucketOf(decay, grants[i][0]);
	if (bucketed) {
		// The usual case: already one grant per bucket in time order, so the expired ones lead.
		let first = 0;
		while (first < grants.length && grants[first][0] <= from) first++;
		return grants.slice(first);
	}
	// A state stored before buckets: one entry per grant.
	const result: Array<[number, number]> = [];
	for (const [grantedAt, points] of [...grants].sort((a, b) => a[0] - b[0])) {
		if (grantedAt > from) addGrant(decay, result, grantedAt, points);
	}
	return result;
}

/** Adds a grant to its bucket of `grants` (one per bucket, in time order), in place. */
function addGrant(
	decay: { days: number },
	grants: Array<[number, number]>,
	grantedAt: number,
	points: number,
): void {
	const bucket = bucketOf(decay, grantedAt);
	let index = grants.length;
	while (index > 0 && bucketOf(decay, grants[index - 1][0]) > bucket) index--;
	const previous = grants[index - 1];
	if (previous && bucketOf(decay, previous[0]) === bucket) {
		grants[index - 1] = [Math.max(previous[0], grantedAt), previous[1] + points];
	} else grants.splice(index, 0, [grantedAt, points]);
}
