import { InputError } from '../../lib/scoring/inputs';
import {
	crossedThreshold,
	decideCrossing,
	droppedBelow,
	parseCrossingSettings,
	parseOptionalScore,
	parseReplayed,
	parseScore,
	type CrossingOutcome,
	type CrossingSettings,
	type ThresholdState,
} from '../../lib/scoring/crossing';

describe('crossing without hysteresis (threshold 76)', () => {
	const settings: CrossingSettings = { threshold: 76, hysteresis: 0 };

	it.each<[number, number, CrossingOutcome]>([
		[75, 76, 'crossed'],
		[0, 100, 'crossed'],
		[75.9, 76, 'crossed'],
		[-10, 80, 'crossed'],
		[76, 80, 'notCrossed'], // already above: a lead crosses once per rise, not on every later event
		[80, 76, 'notCrossed'],
		[74, 75, 'notCrossed'],
		[75, 75.99, 'notCrossed'],
		[76, 76, 'notCrossed'],
		[76, 75, 'droppedBelow'],
		[90, 10, 'droppedBelow'],
		[76, 75.5, 'droppedBelow'],
		[75, 70, 'notCrossed'],
	])('from %p to %p is %s', (previousScore, score, outcome) => {
		expect(decideCrossing({ previousScore, score }, settings).outcome).toBe(outcome);
		expect(crossedThreshold(previousScore, score, 76)).toBe(outcome === 'crossed');
		expect(droppedBelow(previousScore, score, 76)).toBe(outcome === 'droppedBelow');
	});

	it('works with negative and fractional thresholds', () => {
		const negative = { threshold: -5.5, hysteresis: 0 };
		expect(decideCrossing({ previousScore: -6, score: -5.5 }, negative).outcome).toBe('crossed');
		expect(decideCrossing({ previousScore: -5.5, score: -5.6 }, negative).outcome).toBe(
			'droppedBelow',
		);
	});

	it('counts each rise over a wobbling score, since nothing is remembered', () => {
		const scores = [70, 77, 75, 78, 74, 80];
		const outcomes = scores
			.slice(1)
			.map(
				(score, index) => decideCrossing({ previousScore: scores[index], score }, settings).outcome,
			);
		expect(outcomes).toEqual(['crossed', 'droppedBelow', 'crossed', 'droppedBelow', 'crossed']);
	});
});

describe('crossing with hysteresis (threshold 76, hysteresis 10: re-armed below 66)', () => {
	const settings: CrossingSettings = { threshold: 76, hysteresis: 10 };

	/** Runs a score sequence through the decision, carrying the state as the store would. */
	function walk(scores: number[], initial?: ThresholdState): CrossingOutcome[] {
		let state = initial;
		return scores.slice(1).map((score, index) => {
			const decision = decideCrossing({ previousScore: scores[index], score }, settings, state);
			state = decision.state;
			return decision.outcome;
		});
	}

	it('hands a score that wobbles around the threshold over once', () => {
		expect(walk([70, 77, 75, 78, 74, 80, 70, 79])).toEqual([
			'crossed',
			'notCrossed',
			'notCrossed',
			'notCrossed',
			'notCrossed',
			'notCrossed',
			'notCrossed',
		]);
	});

	it('crosses again after the score fell below threshold - hysteresis', () => {
		expect(walk([70, 80, 66, 77, 65.9, 76])).toEqual([
			'crossed',
			'notCrossed',
			'notCrossed',
			'droppedBelow',
			'crossed',
		]);
	});

	it('a fall below the re-arm level seen only in the previous score re-arms the lead', () => {
		// The lead decayed from 80 to 20 without passing this node; the next rise is a new crossing.
		const decision = decideCrossing({ previousScore: 20, score: 80 }, settings, {
			crossed: true,
			score: 80,
		});
		expect(decision).toEqual({ outcome: 'crossed', state: { crossed: true, score: 80 } });
	});

	it('without a stored state, a lead already above the threshold has crossed before', () => {
		expect(decideCrossing({ previousScore: 80, score: 85 }, settings).outcome).toBe('notCrossed');
		expect(decideCrossing({ previousScore: 80, score: 60 }, settings).outcome).toBe('droppedBelow');
		expect(decideCrossing({ previousScore: 70, score: 76 }, settings).outcome).toBe('crossed');
	});

	it('without a previous score, the stored state alone decides', () => {
		expect(decideCrossing({ score: 90 }, settings).outcome).toBe('crossed');
		expect(decideCrossing({ score: 90 }, settings, { crossed: true, score: 80 }).outcome).toBe(
			'notCrossed',
		);
		expect(decideCrossing({ score: 70 }, settings, { crossed: true, score: 80 })).toEqual({
			outcome: 'notCrossed',
			state: { crossed: true, score: 70 },
		});
		expect(decideCrossing({ score: 60 }, settings, { crossed: true, score: 70 })).toEqual({
			outcome: 'droppedBelow',
			state: { crossed: false, score: 60 },
		});
	});
});

describe('a replayed crossing (the first outcome of a re-sent event, threshold 76)', () => {
	it('without hysteresis, goes out of Crossed again marked replayed, as does a replayed drop', () => {
		const settings = { threshold: 76, hysteresis: 0 };
		expect(
			decideCrossing({ previousScore: 75, score: 77, replayed: true }, settings),
		).toMatchObject({ outcome: 'crossed', replayed: true });
		expect(
			decideCrossing({ previousScore: 77, score: 75, replayed: true }, settings),
		).toMatchObject({ outcome: 'droppedBelow', replayed: true });
		// A replayed score that crossed nothing is not marked: nothing goes out again.
		expect(decideCrossing({ previousScore: 80, score: 85, replayed: true }, settings)).toEqual({
			outcome: 'notCrossed',
			state: { crossed: true, score: 85 },
		});
	});

	/** Decides scores of one lead in order as a store would, returning the outcomes with their marks. */
	function walk(
		settings: CrossingSettings,
		scores: Array<{ previousScore: number; score: number; revision: number }>,
	) {
		let state: ThresholdState | undefined;
		return scores.map((scores) => {
			const decision = decideCrossing(scores, settings, state);
			state = decision.state;
			return [decision.outcome, decision.replayed === true, decision.stale === true];
		});
	}

	it('with hysteresis, the revision that crossed coming again goes out again, even after later scores; older ones stay stale', () => {
		const settings = { threshold: 76, hysteresis: 10 };
		expect(
			walk(settings, [
				{ previousScore: 70, score: 74, revision: 4 },
				{ previousScore: 74, score: 77, revision: 5 },
				{ previousScore: 74, score: 77, revision: 5 }, // the sender re-sends the crossing event
				{ previousScore: 77, score: 90, revision: 6 },
				{ previousScore: 74, score: 77, revision: 5 }, // and once more, after a later event
				{ previousScore: 70, score: 74, revision: 4 }, // an older score that is no crossing: stale
				{ previousScore: 90, score: 60, revision: 7 },
				{ previousScore: 74, score: 77, revision: 5 }, // the lead dropped since: that crossing is over
				{ previousScore: 90, score: 60, revision: 7 }, // the drop, re-sent
			]),
		).toEqual([
			['notCrossed', false, false],
			['crossed', false, false],
			['crossed', true, false],
			['notCrossed', false, false],
			['crossed', true, false],
			['notCrossed', false, true],
			['droppedBelow', false, false],
			['notCrossed', false, true],
			['droppedBelow', true, false],
		]);
	});

	it('a lead re-armed by a previous score below the re-arm level forgets the crossing it had', () => {
		const settings = { threshold: 76, hysteresis: 10 };
		expect(
			walk(settings, [
				{ previousScore: 70, score: 80, revision: 2 },
				{ previousScore: 20, score: 30, revision: 9 },
				{ previousScore: 70, score: 80, revision: 2 },
			]),
		).toEqual([
			['crossed', false, false],
			['notCrossed', false, false],
			['notCrossed', false, true],
		]);
	});
});

describe('parseCrossingSettings and scores', () => {
	it('takes numbers and numeric text from expressions', () => {
		expect(parseCrossingSettings('76', '5')).toEqual({ threshold: 76, hysteresis: 5 });
		expect(parseCrossingSettings(50.5, undefined)).toEqual({ threshold: 50.5, hysteresis: 0 });
		expect(parseScore('42.5', 'score', 'The score')).toBe(42.5);
		expect(parseScore(-3, 'score', 'The score')).toBe(-3);
		expect(parseOptionalScore('', 'previousScore', 'The previous score')).toBeUndefined();
		expect([true, 'true', false, 'false', '', undefined, null].map(parseReplayed)).toEqual([
			true,
			true,
			false,
			false,
			false,
			false,
			false,
		]);
	});

	it.each([
		[
			'a threshold that is not a number',
			() => parseCrossingSettings('hot', 0),
			'threshold',
			'The threshold must be a number, got "hot"',
		],
		[
			'an empty threshold',
			() => parseCrossingSettings('', 0),
			'threshold',
			'The threshold must be a number',
		],
		[
			'a negative hysteresis',
			() => parseCrossingSettings(76, -1),
			'hysteresis',
			'Hysteresis must be 0 or more points',
		],
		[
			'a hysteresis that is not a number',
			() => parseCrossingSettings(76, 'x'),
			'hysteresis',
			'Hysteresis must be a number',
		],
		[
			'a missing score',
			() => parseScore(undefined, 'score', 'The score'),
			'score',
			'The score is missing',
		],
		[
			'an empty score',
			() => parseScore(' ', 'score', 'The score'),
			'score',
			'The score is missing',
		],
		[
			'a non-numeric score',
			() => parseScore('high', 'score', 'The score'),
			'score',
			'The score must be a number, got "high"',
		],
		[
			'a score that is an object',
			() => parseScore({ value: 3 }, 'score', 'The score'),
			'score',
			'must be a number',
		],
		[
			'an infinite score',
			() => parseScore(Infinity, 'score', 'The score'),
			'score',
			'must be a number',
		],
		[
			'a non-numeric previous score',
			() => parseOptionalScore('n/a', 'previousScore', 'The previous score'),
			'previousScore',
			'The previous score must be a number',
		],
		[
			'a replayed flag that is not true or false',
			() => parseReplayed('yes'),
			'replayed',
			'Replayed must be true or false',
		],
	])('rejects %s, naming the field', (_case, action, field, message) => {
		let caught: unknown;
		try {
			action();
		} catch (error) {
			caught = error;
		}
		expect(caught).toBeInstanceOf(InputError);
		expect((caught as InputError).field).toBe(field);
		expect((caught as InputError).message).toContain(message);
	});
});
