import {
	checkEventTime,
	checkIdentifier,
	planScoreWrite,
	type ScoreWriteSettings,
} from '../../lib/braze';

const settings: ScoreWriteSettings = {
	scoreAttribute: 'lead_score',
	tierAttribute: 'lead_tier',
	onlyChanged: true,
	eventOn: 'never',
};
const scores = (
	score: unknown,
	previousScore: unknown,
	tier: unknown = 'warming',
	previousTier: unknown = 'warming',
) => ({ score, previousScore, tier, previousTier });

describe('planScoreWrite: only what changed', () => {
	it.each([
		[
			'score and tier changed',
			scores(42, 20, 'warming', 'nurture'),
			{ lead_score: 42, lead_tier: 'warming' },
		],
		['only the score changed', scores(42, 30), { lead_score: 42 }],
		['nothing changed (a duplicate event)', scores(42, 42), {}],
		[
			'a new lead at 0 stays unwritten only when its tier is known and unchanged',
			scores(0, 0, 'nurture', 'nurture'),
			{},
		],
		[
			'previous values unknown: both are written',
			scores(42, null, 'warming', null),
			{ lead_score: 42, lead_tier: 'warming' },
		],
		['previous score as text, as a webhook sends it', scores('42', '42'), {}],
		['fractional scores compare exactly', scores(42.5, 42.4), { lead_score: 42.5 }],
	])('%s', (_name, raw, attributes) => {
		expect(planScoreWrite(raw, settings)).toMatchObject({ attributes, eventDue: false });
	});

	it("a replayed event (a sender's retry) writes both values again but sends no second event", () => {
		const replay = { ...scores(65, 65, 'engaged', 'engaged'), replayed: true };
		expect(planScoreWrite(replay, { ...settings, eventOn: 'tierChange' })).toMatchObject({
			attributes: { lead_score: 65, lead_tier: 'engaged' },
			eventDue: false,
		});
		expect(
			planScoreWrite(
				{ ...scores(65, 45, 'engaged', 'warming'), replayed: true },
				{ ...settings, eventOn: 'tierChange' },
			),
		).toMatchObject({ eventDue: false });
	});

	it('writes everything when Send Only Changes is off', () => {
		expect(planScoreWrite(scores(42, 42), { ...settings, onlyChanged: false })).toMatchObject({
			attributes: { lead_score: 42, lead_tier: 'warming' },
		});
	});

	it('writes no tier when the tier attribute is cleared, and then needs no tier', () => {
		expect(
			planScoreWrite(scores(42, 10, undefined, undefined), { ...settings, tierAttribute: '' }),
		).toMatchObject({ attributes: { lead_score: 42 } });
	});
});

describe('planScoreWrite: when the event is due', () => {
	it.each([
		['tierChange', 50, 49, 'warming', 'warming', false],
		['tierChange', 51, 50, 'engaged', 'warming', true],
		['tierChange', 20, 30, 'nurture', 'warming', true],
		['crossing', 75, 74, 'engaged', 'engaged', false],
		['crossing', 76, 75, 'hot', 'engaged', true],
		['crossing', 80, 76, 'hot', 'hot', false],
		['crossing', 75.5, 75.9, 'hot', 'hot', false],
		['crossing', 74, 80, 'engaged', 'hot', false],
		['tierChangeOrCrossing', 60, 40, 'engaged', 'warming', true],
		['tierChangeOrCrossing', 77, 70, 'hot', 'hot', true],
		['tierChangeOrCrossing', 65, 60, 'engaged', 'engaged', false],
		['never', 90, 10, 'hot', 'nurture', false],
	] as const)(
		'%s: %d (was %d), %s (was %s) → %s',
		(eventOn, score, previousScore, tier, previousTier, due) => {
			expect(
				planScoreWrite(scores(score, previousScore, tier, previousTier), {
					...settings,
					eventOn,
					threshold: 76,
				}),
			).toMatchObject({ eventDue: due });
		},
	);

	it('refuses to guess: an event rule without the previous value is an error naming it', () => {
		expect(
			planScoreWrite(scores(80, undefined, 'hot', 'engaged'), {
				...settings,
				eventOn: 'crossing',
				threshold: 76,
			}),
		).toEqual({
			field: 'previousScore',
			message: expect.stringContaining('previous score is empty'),
		});
		expect(
			planScoreWrite(scores(80, 10, 'hot', ''), { ...settings, eventOn: 'tierChange' }),
		).toMatchObject({ field: 'previousTier' });
	});

	it.each([
		[scores(undefined, 10), 'score', 'The score is empty'],
		[scores('lots', 10), 'score', 'The score is "lots", not a number'],
		[scores(42, 10, 7), 'tier', 'The tier is not text'],
		[scores(42, 10, ''), 'tier', 'The tier is empty'],
	])('names the bad field: %j', (raw, field, message) => {
		expect(planScoreWrite(raw, settings)).toEqual({
			field,
			message: expect.stringContaining(message),
		});
	});
});

describe('checkIdentifier and checkEventTime', () => {
	it.each([
		['externalId', { externalId: ' crm-1 ' }, { kind: 'externalId', externalId: 'crm-1' }],
		['externalId', { externalId: 1001 }, { kind: 'externalId', externalId: '1001' }],
		[
			'externalId',
			{ externalId: 'undefined' },
			{ field: 'externalId', message: expect.stringContaining('placeholder') },
		],
		['externalId', {}, { field: 'externalId', message: 'The external ID is empty' }],
		['email', { email: 'Ada@Example.com' }, { kind: 'email', email: 'ada@example.com' }],
		[
			'email',
			{ email: 'ada@' },
			{ field: 'email', message: '"ada@" is not a valid email address' },
		],
		[
			'userAlias',
			{ aliasName: 'lead-1', aliasLabel: 'crm' },
			{ kind: 'userAlias', aliasName: 'lead-1', aliasLabel: 'crm' },
		],
		[
			'userAlias',
			{ aliasName: 'lead-1', aliasLabel: ' ' },
			{ field: 'aliasLabel', message: 'The alias label is blank' },
		],
	] as const)('%s %j', (kind, raw, expected) => {
		expect(checkIdentifier(kind, raw)).toEqual(expected);
	});

	it('turns any date into ISO 8601 and defaults to now', () => {
		const now = () => Date.UTC(2026, 10, 23, 7);
		expect(checkEventTime('2026-11-23T06:00:00+01:00', now)).toBe('2026-11-23T05:00:00.000Z');
		expect(checkEventTime('', now)).toBe('2026-11-23T07:00:00.000Z');
		expect(checkEventTime('soon', now)).toMatchObject({ field: 'eventTime' });
	});
});
