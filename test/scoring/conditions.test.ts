import fc from 'fast-check';

import { parseModel } from '../../lib/scoring/model';
import { conditionHolds, MAX_LIST_VALUES, valueAt } from '../../lib/scoring/conditions';
import type { Condition } from '../../lib/scoring/model';

const item = {
	properties: {
		url: 'https://acme.io/Pricing',
		items: [{ sku: 'SKU-1' }, { sku: 'SKU-2' }],
		total: '120.50',
		tags: ['b2b', 'Trial'],
	},
	profile: { title: 'VP of Sales', country: 'US', employees: 250, optedOut: null },
};

describe('valueAt', () => {
	it('reads nested paths with array indexes', () => {
		expect(valueAt(item, 'properties.items[1].sku')).toBe('SKU-2');
		expect(valueAt(item, 'properties.missing.deeper')).toBeUndefined();
	});
});

describe('condition operators', () => {
	const cases: Array<[string, Condition, boolean]> = [
		['equals ignores case', { path: 'profile.country', op: 'equals', value: 'us' }, true],
		[
			'equals compares numbers with numeric text',
			{ path: 'properties.total', op: 'equals', value: 120.5 },
			true,
		],
		['equals on a missing field', { path: 'profile.city', op: 'equals', value: 'NYC' }, false],
		['notEquals', { path: 'profile.country', op: 'notEquals', value: 'CA' }, true],
		['notEquals on a missing field', { path: 'profile.city', op: 'notEquals', value: 'NYC' }, true],
		['contains text', { path: 'properties.url', op: 'contains', value: '/pricing' }, true],
		['contains in a list', { path: 'properties.tags', op: 'contains', value: 'trial' }, true],
		['contains fails', { path: 'properties.url', op: 'contains', value: '/blog' }, false],
		['startsWith', { path: 'properties.url', op: 'startsWith', value: 'https://ACME' }, true],
		[
			'matches a regex, ignoring case',
			{ path: 'profile.title', op: 'matches', value: '^(vp|director)' },
			true,
		],
		['matches fails', { path: 'profile.title', op: 'matches', value: 'Chief' }, false],
		['gt', { path: 'profile.employees', op: 'gt', value: 249 }, true],
		['gt at the boundary', { path: 'profile.employees', op: 'gt', value: 250 }, false],
		['gte at the boundary', { path: 'profile.employees', op: 'gte', value: 250 }, true],
		['lt with numeric text', { path: 'properties.total', op: 'lt', value: 121 }, true],
		['lte', { path: 'properties.total', op: 'lte', value: 120.5 }, true],
		['gt on text that is not a number', { path: 'profile.title', op: 'gt', value: 1 }, false],
		['exists', { path: 'profile.title', op: 'exists' }, true],
		['exists on null', { path: 'profile.optedOut', op: 'exists' }, false],
		['exists false on a missing field', { path: 'profile.city', op: 'exists', value: false }, true],
		['in', { path: 'profile.country', op: 'in', value: ['CA', 'US'] }, true],
		['in fails', { path: 'profile.country', op: 'in', value: ['CA', 'GB'] }, false],
		['in against a list', { path: 'properties.items[0].sku', op: 'in', value: ['sku-1'] }, true],
	];

	it.each(cases)('%s', (_name, condition, expected) => {
		expect(conditionHolds(condition, item)).toBe(expected);
	});
});

describe('paths and ids that name what every object inherits', () => {
	it('reads only the data’s own properties', () => {
		expect(valueAt(item, 'properties.toString')).toBeUndefined();
		expect(valueAt(item, 'profile.constructor.name')).toBeUndefined();
		expect(valueAt(item, 'properties.__proto__')).toBeUndefined();
		expect(conditionHolds({ path: 'properties.toString', op: 'exists' }, item)).toBe(false);
		expect(conditionHolds({ path: 'properties.hasOwnProperty', op: 'exists' }, {})).toBe(false);
		expect(valueAt({ own: { toString: 'yes' } }, 'own.toString')).toBe('yes');
	});

	it.each([
		[
			'a rule id',
			{ rules: [{ id: '__proto__', event: 'Visit', points: 1, frequency: 'once' }] },
			'rules[0].id',
		],
		[
			'a fit rule id',
			{ fit: [{ id: 'constructor', when: [{ path: 'profile.title', op: 'exists' }], points: 1 }] },
			'fit[0].id',
		],
		[
			'a path segment',
			{
				rules: [
					{
						id: 'r',
						event: 'Visit',
						points: 1,
						when: [{ path: 'properties.__proto__.x', op: 'exists' }],
					},
				],
			},
			'rules[0].when[0].path',
		],
		[
			'an indexed path segment',
			{
				rules: [
					{ id: 'r', event: 'Visit', points: 1, when: [{ path: 'a.prototype', op: 'exists' }] },
				],
			},
			'rules[0].when[0].path',
		],
	])('refuses __proto__, constructor and prototype as %s', (_what, model, path) => {
		expect(() => parseModel({ version: 1, ...model })).toThrow(
			new RegExp(`${path.replace(/[[\].]/g, '\\$&')}: .*reserved in JavaScript`),
		);
	});
});

describe('"in" on long lists', () => {
	it('decides as comparing the value with each option by "equals" does', () => {
		const scalar = fc.oneof(
			fc.constantFrom('5', ' 5', '5.0', 'US', 'us', 'true', 'TRUE', '0x10', '', '1e21', 'NaN'),
			fc.constantFrom(5, 0, -0, 16, 1e21, Number.NaN, Infinity, true, false, null),
			fc.string({ maxLength: 3 }),
			fc.integer({ min: -3, max: 20 }),
		);
		fc.assert(
			fc.property(
				fc.oneof(scalar, fc.array(scalar, { maxLength: 4 })),
				fc.array(scalar, { maxLength: 6 }),
				(actual, options) => {
					const values = Array.isArray(actual) ? actual : [actual];
					const byEquals = values.some((value) =>
						options.some((option) =>
							conditionHolds({ path: 'v', op: 'equals', value: option }, { v: value }),
						),
					);
					expect(conditionHolds({ path: 'v', op: 'in', value: options }, { v: actual })).toBe(
						byEquals,
					);
				},
			),
			{ numRuns: 5000 },
		);
	});

	it('reads the first 10,000 values of a list field', () => {
		const list = [...new Array<string>(MAX_LIST_VALUES).fill('hay'), 'needle'];
		for (const op of ['equals', 'contains', 'matches'] as const)
			expect(conditionHolds({ path: 'v', op, value: 'needle' }, { v: list })).toBe(false);
		expect(conditionHolds({ path: 'v', op: 'in', value: ['needle'] }, { v: list })).toBe(false);
		expect(conditionHolds({ path: 'v', op: 'notEquals', value: 'needle' }, { v: list })).toBe(true);
		list[MAX_LIST_VALUES - 1] = 'needle';
		expect(conditionHolds({ path: 'v', op: 'equals', value: 'needle' }, { v: list })).toBe(true);
		expect(conditionHolds({ path: 'v', op: 'notEquals', value: 'needle' }, { v: list })).toBe(
			false,
		);
	});

	it('"matches" reads at most the read limit of the whole list, whatever its length', () => {
		const condition = { path: 'v', op: 'matches' as const, value: '^needle$' };
		expect(conditionHolds(condition, { v: ['hay', 'needle'] })).toBe(true);
		const longList = [...new Array<string>(20_000).fill('hay'), 'needle'];
		expect(conditionHolds(condition, { v: longList })).toBe(false);
	});
});
