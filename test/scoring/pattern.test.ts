import fc from 'fast-check';

import { conditionHolds } from '../../lib/scoring/conditions';
import { parseModel, ModelError } from '../../lib/scoring/model';
import {
	compilePattern,
	MAX_MATCH_WORK,
	MAX_MATCHED_TEXT,
	PatternError,
} from '../../lib/scoring/pattern';

describe('matches patterns', () => {
	it.each([
		['VP|Director|Head', 'vp of sales', true],
		['VP|Director|Head', 'Analyst', false],
		['^/(pricing|plans)(/|$)', '/Pricing/enterprise', true],
		['^/(pricing|plans)(/|$)', '/pricingx', false],
		['@(acme|globex)\\.com$', 'ada@ACME.com', true],
		['\\bceo\\b', 'the CEO said', true],
		['\\bceo\\b', 'ceos', false],
		['^\\d{3}-\\d{4}$', '555-1234', true],
		['^\\d{3}-\\d{4}$', '555-12345', false],
		['[^a-z]', 'abc', false],
		['colou?r', 'COLOR', true],
		['a.c', 'a\nc', false],
		['x{2,}y', 'xxxy', true],
		['\\u00e9t\\u00e9', 'ÉTÉ', true],
		['(?<word>go)+gle', 'gogogle', true],
		['a{,2}', 'a{,2}', true],
		['x\\cJy', 'x\ny', true],
		['[]a]', 'a]', false],
		['[^]', '\n', true],
		['a||b', 'c', true],
		['(?:)x', 'X', true],
		['[a-\\d]', '-', true],
		['[a-\\d]', 'b', false],
		['\\s', '\u2028', true],
		['[\\b]', '\b', true],
		['\\u00', 'u00', true],
	])('%s on %j is %s, as JavaScript says', (pattern, text, expected) => {
		expect(compilePattern(pattern).test(text)).toBe(expected);
		expect(new RegExp(pattern, 'i').test(text)).toBe(expected);
	});

	it('agrees with JavaScript regular expressions on random patterns and texts', () => {
		const atom = fc.oneof(
			fc.constantFrom(
				'a',
				'b',
				'A',
				'-',
				'.',
				'\\d',
				'\\w',
				'\\s',
				'\\W',
				'[a-c]',
				'[^b]',
				'\\.',
				'1',
			),
			fc.constantFrom('^', '$', '\\b', '\\B'),
		);
		const pattern: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
			node: fc.oneof(
				{ depthSize: 'small', withCrossShrink: true },
				atom,
				fc.tuple(tie('node'), tie('node')).map(([a, b]) => a + b),
				fc.tuple(tie('node'), tie('node')).map(([a, b]) => `(${a}|${b})`),
				fc
					.tuple(tie('node'), fc.constantFrom('*', '+', '?', '{2}', '{1,3}', '{2,}', '*?'))
					.map(([a, q]) => `(?:${a})${q}`),
			),
		})).node;
		const text = fc.string({
			unit: fc.constantFrom('a', 'b', 'A', 'B', '-', '1', ' ', '.', 'é'),
			maxLength: 12,
		});
		fc.assert(
			// One compiled pattern over several texts: what it remembers from one text must hold for the next.
			fc.property(pattern, fc.array(text, { minLength: 1, maxLength: 6 }), (source, inputs) => {
				const compiled = compilePattern(source);
				for (const input of inputs)
					expect(compiled.test(input)).toBe(new RegExp(source, 'i').test(input));
			}),
			{ numRuns: 3000 },
		);
	});

	it('stays linear on patterns that make the backtracking engine hang', () => {
		// Each of these takes the RegExp engine seconds to hours on the text below.
		const hostile = ['^([a-z0-9]+-?)+$', '^(a+)+$', '(a|a)*b', '^(\\w+\\s?)*$', '(.*a){12}x'];
		const text = `${'a'.repeat(5000)}!`;
		for (const source of hostile) expect(compilePattern(source).test(text)).toBe(false);
		expect(compilePattern('^([a-z0-9]+-?)+$').test('some-slug-42')).toBe(true);
	});

	it('reads at most the first characters of a very long text', () => {
		const long = 'x'.repeat(MAX_MATCHED_TEXT) + 'needle';
		expect(compilePattern('needle').test(long)).toBe(false);
		expect(compilePattern('^x+$').test(long)).toBe(true);
	});

	it('reads fewer characters with a long pattern, so one condition stays within its time budget', () => {
		const long = compilePattern('(a|b){0,300}c');
		expect(long.readLimit).toBeLessThan(MAX_MATCHED_TEXT);
		expect(long.readLimit).toBe(Math.floor(MAX_MATCH_WORK / 1503));
		expect(long.test(`${'x'.repeat(long.readLimit)}c`)).toBe(false);
		expect(long.test(`${'x'.repeat(long.readLimit - 1)}c`)).toBe(true);
	});

	it.each([
		['(a)\\1', 'backreferences'],
		['(?<n>a)\\k<n>', 'backreferences'],
		['a(?=b)', 'lookaheads and lookbehinds'],
		['(?<!a)b', 'lookaheads and lookbehinds'],
		['\\p{L}', 'Unicode property'],
		['a{5000}', 'too large'],
		['(a{1000}){1000}', 'too complex'],
		['((ab){40}){40}', 'too complex'],
		['a'.repeat(1001), 'at most 1000'],
		['(', 'not a valid regular expression'],
		['\\c1', 'followed by a letter'],
		['\\8', 'backreferences'],
	])('refuses %j and says why (%s)', (source, why) => {
		expect(() => compilePattern(source)).toThrow(PatternError);
		expect(() => compilePattern(source)).toThrow(why);
	});
});

describe('a model with a pattern the matcher refuses', () => {
	it('is rejected at validation, with the path and the reason', () => {
		const model = {
			version: 1,
			rules: [
				{
					id: 'slug',
					event: 'Viewed Page',
					when: [{ path: 'properties.slug', op: 'matches', value: '^(a+)\\1$' }],
					points: 1,
				},
			],
		};
		expect(() => parseModel(model)).toThrow(ModelError);
		expect(() => parseModel(model)).toThrow(
			/rules\[0\]\.when\[0\]\.value: .*backreferences .* are not supported/,
		);
	});

	it('accepts the nested-quantifier pattern of the hang report and scores it without hanging', () => {
		const model = parseModel({
			version: 1,
			rules: [
				{
					id: 'slug',
					event: 'Viewed Page',
					when: [{ path: 'properties.slug', op: 'matches', value: '^([a-z0-9]+-?)+$' }],
					points: 1,
				},
			],
		});
		const condition = model.rules[0].when[0];
		expect(conditionHolds(condition, { properties: { slug: `${'a'.repeat(30)}!` } })).toBe(false);
		expect(conditionHolds(condition, { properties: { slug: 'pricing-page' } })).toBe(true);
	});
});

describe('what the matcher remembers', () => {
	it('stays right when texts of many different characters make it forget and start again', () => {
		const pattern = compilePattern('[ab]*a[ab]{6}x|\\bq\\w{3}\\b');
		const reference = /[ab]*a[ab]{6}x|\bq\w{3}\b/i;
		let seed = 1;
		const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
		for (let round = 0; round < 40; round++) {
			const text = Array.from({ length: 2000 }, () =>
				String.fromCharCode(next() % 4 === 0 ? 32 + (next() % 30000) : 97 + (next() % 3)),
			).join('');
			expect(pattern.test(text)).toBe(reference.test(text));
			expect(pattern.test(`${text}qabc`)).toBe(reference.test(`${text}qabc`));
		}
	});
});
