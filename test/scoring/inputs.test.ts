import {
	InputError,
	normalizeLeadId,
	parseEventTime,
	requireText,
	timeWindow,
} from '../../lib/scoring/inputs';
import { scoreEvents } from '../../lib/service/scoreBatch';
import { parseModel } from '../../lib/scoring/model';
import { MemoryStore } from '../../lib/store/memoryStore';

describe('item inputs', () => {
	it('trims lead ids and lower-cases emails, so one person is one lead', () => {
		expect(normalizeLeadId('  Ada@Example.COM ')).toBe('ada@example.com');
		expect(normalizeLeadId(' CRM-42 ')).toBe('CRM-42');
		expect(normalizeLeadId(42)).toBe('42');
	});

	it('makes one lead of an email written with composed or decomposed accents (NFC and NFD)', async () => {
		const composed = 'Jos\u00e9@Example.com';
		const decomposed = 'Jose\u0301@example.com';
		expect(normalizeLeadId(decomposed)).toBe(normalizeLeadId(composed));
		expect(normalizeLeadId(decomposed)).toBe('jos\u00e9@example.com');
		const store = new MemoryStore();
		const model = parseModel({ version: 1, rules: [{ id: 'visit', event: 'Visit', points: 5 }] });
		const results = await scoreEvents(
			store,
			model,
			'default',
			[composed, decomposed].map((email) => ({
				leadId: normalizeLeadId(email),
				name: 'Visit',
				time: Date.parse('2026-11-01T00:00:00Z'),
				data: {},
				hasProfile: false,
			})),
		);
		expect(results.map((result) => (result.ok ? result.value.score : result))).toEqual([5, 10]);
		expect((await store.listLeads('default', null, 10)).leads).toHaveLength(1);
	});

	it('rejects empty ids and ids with a NUL character, naming the field', () => {
		expect(() => normalizeLeadId('   ')).toThrow(InputError);
		expect(() => normalizeLeadId('ada\u0000@example.com')).toThrow(
			'The lead ID contains a NUL character',
		);
		expect(() => requireText('evt\u00001', 'eventId', 'The event ID')).toThrow(
			expect.objectContaining({ field: 'eventId' }),
		);
	});

	const NOW = Date.parse('2026-12-02T12:00:00Z');
	const window = timeWindow(NOW);

	it.each<[string, unknown, string]>([
		['ISO 8601 in UTC', '2026-11-23T07:00:00Z', '2026-11-23T07:00:00.000Z'],
		['ISO 8601 with an offset', '2026-11-23T09:00:00+02:00', '2026-11-23T07:00:00.000Z'],
		['an offset without a colon', '2026-11-23T02:00:00-0500', '2026-11-23T07:00:00.000Z'],
		['a space instead of T', '2026-11-23 07:00Z', '2026-11-23T07:00:00.000Z'],
		['fractions beyond milliseconds', '2026-11-23T07:00:00.123456Z', '2026-11-23T07:00:00.123Z'],
		['a date alone (midnight UTC)', '2026-11-23', '2026-11-23T00:00:00.000Z'],
		['epoch seconds', 1_795_417_200, '2026-11-23T07:00:00.000Z'],
		['fractional epoch seconds', 1_795_417_200.5, '2026-11-23T07:00:00.500Z'],
		['epoch milliseconds', 1_795_417_200_000, '2026-11-23T07:00:00.000Z'],
		['epoch seconds as text', '1795417200', '2026-11-23T07:00:00.000Z'],
		['a Date', new Date('2026-11-23T07:00:00Z'), '2026-11-23T07:00:00.000Z'],
		[
			'a Luxon DateTime (as n8n expressions give)',
			{ toMillis: () => 1_795_417_200_000 },
			'2026-11-23T07:00:00.000Z',
		],
		[
			"up to an hour ahead (a sender's clock a little fast)",
			'2026-12-02T12:59:00Z',
			'2026-12-02T12:59:00.000Z',
		],
	])('accepts %s', (_what, value, iso) => {
		expect(new Date(parseEventTime(value, window)).toISOString()).toBe(iso);
	});

	it('reads an empty time as now', () => {
		expect(parseEventTime('', window)).toBe(NOW);
		expect(parseEventTime(undefined, window)).toBe(NOW);
	});

	it.each<[string, unknown, RegExp]>([
		['text that Date.parse reads as 2001', 'Page 2', /"Page 2" is not a time/],
		['text with a number', 'order 12', /"order 12" is not a time/],
		['a negative number as text', '-5', /"-5" is not a time/],
		['a negative number', -5, /outside the accepted range/],
		['a day that does not exist', '2026-02-30', /"2026-02-30" is not a time/],
		['an hour that does not exist', '2026-11-23T24:00:00Z', /is not a time/],
		['a time without a zone', '2026-11-23T07:00:00', /is not a time/],
		[
			'epoch microseconds (year 58888)',
			1_795_417_200_000_000,
			/outside the accepted range.*microseconds/,
		],
		['1e20', 1e20, /"100000000000000000000" reads as 100000000000000000000 ms since 1970, outside/],
		['a time before 2000', '1999-12-31T23:59:59Z', /outside the accepted range from 2000-01-01/],
		[
			'more than an hour ahead',
			'2026-12-02T13:01:00Z',
			/outside the accepted range .* 1 hour\(s\) after now/,
		],
		['not a number', Number.NaN, /is not a time/],
		['an object', { when: 'now' }, /is not a time/],
	])('refuses %s, naming the field', (_what, value, message) => {
		expect(() => parseEventTime(value, window)).toThrow(message);
		expect(() => parseEventTime(value, window, 'asOf')).toThrow(
			expect.objectContaining({ name: 'InputError', field: 'asOf' }),
		);
	});

	it('widens the future side with the Event Time Allowed Ahead option', () => {
		const threeDays = timeWindow(NOW, 72);
		expect(parseEventTime('2026-12-04T12:00:00Z', threeDays)).toBe(
			Date.parse('2026-12-04T12:00:00Z'),
		);
		expect(() => parseEventTime('2026-12-06T12:00:00Z', threeDays)).toThrow(
			/72 hour\(s\) after now/,
		);
		expect(() => timeWindow(NOW, -1)).toThrow(
			expect.objectContaining({ field: 'options.eventTimeHoursAhead' }),
		);
		expect(() => timeWindow(NOW, '2')).toThrow(/must be a number of hours/);
	});
});
