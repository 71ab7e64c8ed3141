import { InputError, normalizeLeadId, parseEventTime, requireText } from '../../lib/scoring/inputs';

describe('item inputs', () => {
	it('trims lead ids and lower-cases emails, so one person is one lead', () => {
		expect(normalizeLeadId('  Ada@Example.COM ')).toBe('ada@example.com');
		expect(normalizeLeadId(' CRM-42 ')).toBe('CRM-42');
		expect(normalizeLeadId(42)).toBe('42');
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

	it('reads event times as ISO dates, epoch seconds or epoch milliseconds', () => {
		const ms = Date.parse('2026-11-23T07:00:00Z');
		expect(parseEventTime('2026-11-23T07:00:00Z', 0)).toBe(ms);
		expect(parseEventTime(ms / 1000, 0)).toBe(ms);
		expect(parseEventTime(String(ms), 0)).toBe(ms);
		expect(parseEventTime('', 123)).toBe(123);
		expect(() => parseEventTime('soon', 0)).toThrow(
			expect.objectContaining({ field: 'eventTime' }),
		);
	});
});
