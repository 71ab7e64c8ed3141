/** What the client refuses to send, and how it says so: checked before any request. */
import {
	type ImportError,
	type ProfileResource,
	checkEventInput,
	checkIdentifier,
	checkProfileInput,
	matchImportErrors,
	planJobs,
	profileResource,
} from '../../lib/klaviyo';
import { toJsonValue } from '../../lib/http/jsonValues';

describe('identifiers', () => {
	it.each([
		['email', ' ada@example.com ', { kind: 'email', value: 'ada@example.com' }],
		['email', 'ada@example', 'not a valid email address'],
		['email', 'ada example.com', 'not a valid email address'],
		['email', '', 'is empty'],
		['email', undefined, 'is empty'],
		['email', { email: 'a@b.co' }, 'not text (an object)'],
		['phone', '+15005550006', { kind: 'phone', value: '+15005550006' }],
		['phone', '5005550006', 'E.164'],
		['phone', '+1 500 555 0006', 'E.164'],
		['externalId', 12345, { kind: 'externalId', value: '12345' }],
		[
			'profileId',
			'01GDDKASAP8TKDDA2GRZDSVP4H',
			{ kind: 'profileId', value: '01GDDKASAP8TKDDA2GRZDSVP4H' },
		],
	] as const)('%s %j', (kind, raw, expected) => {
		const checked = checkIdentifier(kind, raw);
		if (typeof expected === 'string')
			expect(checked).toEqual({ field: 'identifier', message: expect.stringContaining(expected) });
		else expect(checked).toEqual(expected);
	});
});

describe('JSON values', () => {
	const circular: Record<string, unknown> = { a: 1 };
	circular.self = circular;
	it.each([
		[Number.NaN, 'Lead_Score is NaN'],
		[Number.POSITIVE_INFINITY, 'Lead_Score is Infinity'],
		[undefined, 'Lead_Score has no value'],
		[BigInt(1), 'Lead_Score is a bigint'],
		[() => 1, 'Lead_Score is a function'],
		[{ nested: [1, Number.NaN] }, 'Lead_Score.nested[1] is NaN'],
		[circular, 'Lead_Score.self refers back to itself'],
		[new Date('nope'), 'Lead_Score is an invalid date'],
	])('refuses %p', (value, message) => {
		expect(() => toJsonValue(value, 'Lead_Score')).toThrow(message);
	});

	it('keeps JSON as is and turns dates and toJSON objects into their JSON', () => {
		const luxonLike = { toJSON: () => '2026-11-23T06:00:00.000Z' };
		expect(toJsonValue({ a: [1, 'x', true, null], d: new Date(0), l: luxonLike }, 'p')).toEqual({
			a: [1, 'x', true, null],
			d: '1970-01-01T00:00:00.000Z',
			l: '2026-11-23T06:00:00.000Z',
		});
	});

	it('names the property that is wrong', () => {
		expect(
			checkProfileInput({
				identifierKind: 'email',
				identifierValue: 'a@b.co',
				properties: { Ratio: Number.NaN },
			}),
		).toEqual({
			ok: false,
			problems: [
				{ field: 'properties', message: 'Property Ratio is NaN, which JSON cannot represent' },
			],
		});
	});

	it("refuses a profile over Klaviyo's 100 KB", () => {
		const big = checkProfileInput({
			identifierKind: 'email',
			identifierValue: 'a@b.co',
			properties: { a: 'x'.repeat(60_000), b: 'y'.repeat(60_000) },
		});
		expect(big).toMatchObject({ ok: false, problems: [{ field: 'properties' }] });
	});

	it('reports every problem of an event', () => {
		const checked = checkEventInput({
			identifierKind: 'email',
			identifierValue: 'nope',
			metric: ' ',
			properties: {},
			time: 'yesterday',
			value: 'ten',
		});
		expect(checked.ok).toBe(false);
		expect(
			(checked as { problems: Array<{ field: string }> }).problems.map((problem) => problem.field),
		).toEqual(['identifier', 'time', 'value', 'metric']);
	});

	it('refuses an event before 1990 and one with more than 400 properties', () => {
		const base = {
			identifierKind: 'email' as const,
			identifierValue: 'a@b.co',
			metric: 'M',
			properties: {},
		};
		expect(checkEventInput({ ...base, time: '1989-12-31T23:59:59Z' })).toMatchObject({
			ok: false,
			problems: [{ field: 'time' }],
		});
		const many = Object.fromEntries(
			Array.from({ length: 401 }, (_, index) => [`p${index}`, index]),
		);
		expect(checkEventInput({ ...base, properties: many })).toMatchObject({
			ok: false,
			problems: [{ field: 'properties' }],
		});
	});

	it('derives no unique_id for an event without a time, leaving Klaviyo its per-second rule', () => {
		const checked = checkEventInput({
			identifierKind: 'email',
			identifierValue: 'a@b.co',
			metric: 'M',
			properties: {},
		});
		expect(checked).toMatchObject({ ok: true, value: { uniqueId: undefined, time: undefined } });
	});
});

describe('bulk jobs', () => {
	const resource = (email: string, properties = {}): ProfileResource =>
		profileResource({ identifier: { kind: 'email', value: email }, properties });

	it('splits at 10,000 profiles and at 5 MB, keeping order', () => {
		const many = Array.from({ length: 25_000 }, (_, index) => resource(`p${index}@example.com`));
		expect(planJobs(many)).toEqual([
			[0, 10_000],
			[10_000, 20_000],
			[20_000, 25_000],
		]);
		const heavy = Array.from({ length: 100 }, (_, index) =>
			resource(`p${index}@example.com`, { blob: 'x'.repeat(90_000) }),
		);
		const jobs = planJobs(heavy);
		expect(jobs.length).toBe(2);
		expect(jobs[0]![1]).toBeLessThan(60);
		expect(jobs.at(-1)![1]).toBe(100);
	});

	it('maps errors by pointer, by the payload identifiers when the pointer disagrees, and keeps the rest apart', () => {
		const profiles = [
			resource('a@example.com'),
			resource('b@example.com'),
			resource('c@example.com'),
		];
		const error = (pointer: string | undefined, email?: string): ImportError => ({
			id: `${pointer}-${email}`,
			code: 'invalid',
			title: 'Invalid input.',
			detail: 'x',
			pointer,
			originalPayload: email ? { type: 'profile', attributes: { email } } : undefined,
		});
		const { byProfile, unmatched } = matchImportErrors(profiles, [
			error('/data/attributes/profiles/data/0/attributes/email', 'a@example.com'),
			error('/data/attributes/profiles/data/0', 'C@example.com'),
			error('/data/attributes/profiles/data/7'),
			error(undefined, 'nobody@example.com'),
		]);
		expect([...byProfile.keys()].sort()).toEqual([0, 2]);
		expect(unmatched.map((entry) => entry.id)).toEqual([
			'/data/attributes/profiles/data/7-undefined',
			'undefined-nobody@example.com',
		]);
	});
});
