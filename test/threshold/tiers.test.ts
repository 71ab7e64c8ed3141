import { InputError } from '../../lib/scoring/inputs';
import { DEFAULT_TIERS } from '../../lib/scoring/model';
import { TierError, parseTiers, routeByScore, routeByTierName } from '../../lib/scoring/tierRoutes';

const tiers = parseTiers(DEFAULT_TIERS);

describe('routeByScore with the default tiers (nurture 0, warming 26, engaged 51, hot 76)', () => {
	it.each([
		[0, 'nurture', 0],
		[25, 'nurture', 0],
		[25.99, 'nurture', 0],
		[26, 'warming', 1],
		[50, 'warming', 1],
		[50.5, 'warming', 1],
		[51, 'engaged', 2],
		[75, 'engaged', 2],
		[75.5, 'engaged', 2],
		[76, 'hot', 3],
		[100, 'hot', 3],
		[1_000_000, 'hot', 3],
		[-0.5, 'nurture', 0],
		[-40, 'nurture', 0],
	])('score %p goes to %s (output %p)', (score, tier, output) => {
		expect(routeByScore(score, tiers)).toEqual({ tier, output });
	});

	it('sends scores below a first tier that starts above 0 to the first tier', () => {
		const custom = parseTiers([
			{ name: 'cold', min: 10 },
			{ name: 'warm', min: 20 },
		]);
		expect(routeByScore(3, custom)).toEqual({ tier: 'cold', output: 0 });
		expect(routeByScore(20, custom)).toEqual({ tier: 'warm', output: 1 });
	});
});

describe('routeByTierName', () => {
	it('routes a tier the item already carries to its output', () => {
		expect(routeByTierName('engaged', tiers)).toEqual({ tier: 'engaged', output: 2 });
		expect(routeByTierName(' hot ', tiers)).toEqual({ tier: 'hot', output: 3 });
	});

	it.each([
		[
			'unknown tier',
			'vip',
			'The tier "vip" is not one of this node\'s tiers ("nurture", "warming", "engaged", "hot")',
		],
		['empty tier', '', 'The item has no tier'],
		['missing tier', undefined, 'The item has no tier'],
		['a number', 3, 'The item has no tier'],
	])('rejects an %s naming the field', (_case, name, message) => {
		const error = captureError(() => routeByTierName(name, tiers));
		expect(error).toBeInstanceOf(InputError);
		expect((error as InputError).field).toBe('tier');
		expect(error.message).toContain(message);
	});
});

describe('parseTiers', () => {
	it('accepts minimums given as text by an expression, and keeps the order', () => {
		expect(
			parseTiers([
				{ name: 'low', min: '-10' },
				{ name: 'high', min: '12.5' },
			]),
		).toEqual([
			{ name: 'low', min: -10 },
			{ name: 'high', min: 12.5 },
		]);
	});

	it.each([
		[
			'out of order',
			[
				{ name: 'nurture', min: 0 },
				{ name: 'hot', min: 76 },
				{ name: 'warming', min: 26 },
			],
			'tiers[2].min',
			'ascending order',
		],
		[
			'overlapping (two tiers with one minimum)',
			[
				{ name: 'nurture', min: 0 },
				{ name: 'warming', min: 26 },
				{ name: 'also warming', min: 26 },
			],
			'tiers[2].min',
			'26 is not above 26',
		],
		[
			'a name used twice',
			[
				{ name: 'hot', min: 0 },
				{ name: 'hot', min: 50 },
			],
			'tiers[1].name',
			'used twice',
		],
		['a tier without a name', [{ name: '  ', min: 0 }], 'tiers[0].name', 'a tier needs a name'],
		['a minimum that is not a number', [{ name: 'hot', min: 'lots' }], 'tiers[0].min', 'number'],
		['no tiers', [], 'tiers', 'at least one tier'],
	])('rejects tiers that are %s, with the path of the problem', (_case, raw, path, message) => {
		const error = captureError(() => parseTiers(raw));
		expect(error).toBeInstanceOf(TierError);
		const issue = (error as TierError).issues.find((candidate) => candidate.path === path);
		expect(issue?.message).toContain(message);
	});
});

function captureError(action: () => unknown): Error {
	try {
		action();
	} catch (error) {
		return error as Error;
	}
	throw new Error('expected an error');
}
