import { parseModel } from '../../lib/scoring/model';
import { formPath, modelFromEditor, type EditorModel } from '../../nodes/ScoreEvent/modelBuilder';

const form = (rules: EditorModel['rules'], fit: EditorModel['fit'] = []): EditorModel => ({
	rules,
	fit,
	decayType: 'none',
	boundsMin: 0,
	boundsMax: 100,
});

describe('Rules Below: the form builds the same model as JSON', () => {
	it('a behaviour rule keeps every condition of its Conditions list, typed by operator', () => {
		const model = parseModel(
			modelFromEditor(
				form([
					{
						event: 'Viewed Page',
						points: 10,
						conditions: {
							condition: [
								{ path: 'properties.url', op: 'contains', value: '/pricing' },
								{ path: 'properties.seconds', op: 'gte', value: '30' },
								{ path: 'properties.country', op: 'in', value: 'US, CA' },
								{ path: 'properties.bot', op: 'exists', value: 'false' },
							],
						},
					},
				]),
			),
		);
		expect(model.rules[0]).toMatchObject({
			id: 'rule-1',
			event: 'Viewed Page',
			points: 10,
			when: [
				{ path: 'properties.url', op: 'contains', value: '/pricing' },
				{ path: 'properties.seconds', op: 'gte', value: 30 },
				{ path: 'properties.country', op: 'in', value: ['US', 'CA'] },
				{ path: 'properties.bot', op: 'exists', value: false },
			],
		});
	});

	it('a rule saved with the single condition fields of earlier versions keeps its condition', () => {
		const model = parseModel(
			modelFromEditor(
				form([
					{
						id: 'pricing-page',
						event: 'Viewed Page',
						points: 10,
						conditionPath: 'properties.url',
						conditionOp: 'contains',
						conditionValue: '/pricing',
					},
				]),
			),
		);
		expect(model.rules[0].when).toEqual([
			{ path: 'properties.url', op: 'contains', value: '/pricing' },
		]);
	});
});

describe('formPath names the fields the form shows', () => {
	it.each([
		['rules[1].when[0].path', 'Behaviour Rules → 2 → Condition 1 → Field'],
		['rules[0].when[2].value', 'Behaviour Rules → 1 → Condition 3 → Value'],
		['rules[0].event', 'Behaviour Rules → 1 → Event Name'],
		['rules[3].limit.max', 'Behaviour Rules → 4 → Cap (Times)'],
		['fit[0].when[0].value', 'Fit Rules → 1 → Condition Value'],
		['fit[1].points', 'Fit Rules → 2 → Points'],
		['tiers[2].min', 'Tiers → 3 → Minimum Score'],
		['decay.days', 'Decay → Days'],
		['bounds.max', 'Maximum Score'],
	])('%s → %s', (path, shown) => {
		expect(formPath(path)).toBe(shown);
	});
});
