import { ModelError, parseModel } from '../../lib/scoring/model';

function issuesFor(model: unknown): Array<{ path: string; message: string }> {
	try {
		parseModel(model);
	} catch (error) {
		expect(error).toBeInstanceOf(ModelError);
		return (error as ModelError).issues;
	}
	throw new Error('the model was accepted');
}

describe('model validation', () => {
	it('accepts the DESIGN.md example and fills in defaults', () => {
		const model = parseModel({
			version: 1,
			rules: [
				{
					id: 'pricing-page',
					event: 'Viewed Page',
					when: [{ path: 'properties.url', op: 'contains', value: '/pricing' }],
					points: 10,
					frequency: 'every',
					limit: { max: 3, perDays: 1 },
				},
				{ id: 'unsubscribed', event: 'Unsubscribed', points: -20 },
			],
			fit: [
				{
					id: 'senior-title',
					when: [{ path: 'profile.title', op: 'matches', value: 'VP|Director|Head' }],
					points: 15,
				},
			],
			decay: { type: 'halfLife', days: 30 },
			bounds: { min: 0, max: 100 },
			tiers: [
				{ name: 'nurture', min: 0 },
				{ name: 'warming', min: 26 },
				{ name: 'engaged', min: 51 },
				{ name: 'hot', min: 76 },
			],
		});
		expect(model.rules[1]).toEqual({
			id: 'unsubscribed',
			event: 'Unsubscribed',
			when: [],
			points: -20,
			frequency: 'every',
		});
		expect(parseModel({ version: 1 }).tiers.map((t) => t.name)).toEqual([
			'nurture',
			'warming',
			'engaged',
			'hot',
		]);
	});

	it('accepts the model as JSON text, as the editor stores it', () => {
		expect(
			parseModel('{"version":1,"rules":[{"id":"a","event":"E","points":1}]}').rules,
		).toHaveLength(1);
	});

	it('lists every problem of a bad model with its JSON path', () => {
		const issues = issuesFor({
			version: 2,
			rules: [
				{ id: 'a', event: '', points: 'ten' },
				{ id: 'b', event: 'E', points: 1, frequency: 'sometimes', limit: { max: 0, perDays: 1 } },
				{
					id: 'c',
					event: 'E',
					points: 1,
					when: [
						{ path: 'x', op: 'matches', value: '(' },
						{ path: 'y', op: 'gt', value: 'big' },
						{ path: 'z', op: 'near', value: 1 },
					],
				},
			],
			decay: { type: 'halfLife' },
			tiers: [
				{ name: 'hot', min: 76 },
				{ name: 'cold', min: 0 },
			],
		});
		const paths = issues.map((issue) => issue.path);
		expect(paths).toEqual(
			expect.arrayContaining([
				'version',
				'rules[0].event',
				'rules[0].points',
				'rules[1].frequency',
				'rules[1].limit.max',
				'rules[2].when[0].value',
				'rules[2].when[1].value',
				'rules[2].when[2].op',
				'decay.days',
				'tiers[1].min',
			]),
		);
		expect(issues.find((issue) => issue.path === 'rules[2].when[0].value')!.message).toMatch(
			/regular expression/,
		);
	});

	it('rejects duplicate rule ids, unknown fields, bounds the wrong way round and tiers that repeat', () => {
		const paths = issuesFor({
			version: 1,
			rules: [
				{ id: 'a', event: 'E', points: 1 },
				{ id: 'a', event: 'F', points: 2 },
			],
			bounds: { min: 10, max: 5 },
		}).map((issue) => issue.path);
		expect(paths).toEqual(['rules[1].id', 'bounds.min']);
		expect(issuesFor({ version: 1, rules: [], colour: 'red' })[0].message).toMatch(/colour/);
		expect(
			issuesFor({
				version: 1,
				tiers: [
					{ name: 'a', min: 0 },
					{ name: 'a', min: 5 },
				],
			}).map((i) => i.path),
		).toEqual(['tiers[1].name']);
	});

	it('rejects text that is not JSON', () => {
		expect(issuesFor('{ version: 1 ')[0].path).toBe('(model)');
	});

	it('refuses points beyond a million, whose sums could overflow to an infinite score', () => {
		const issues = issuesFor({
			version: 1,
			rules: [{ id: 'huge', event: 'Visit', points: 1e308 }],
			fit: [{ id: 'tiny', when: [{ path: 'profile.x', op: 'exists' }], points: -1e7 }],
		});
		expect(issues.map((issue) => `${issue.path}: ${issue.message}`)).toEqual([
			'rules[0].points: points must be at most 1000000',
			'fit[0].points: points must be at least -1000000',
		]);
	});
});
