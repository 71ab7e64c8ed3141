/** The model each item is scored with: from the form, from JSON, or the one kept with the score. */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { InputError, requireText } from '../../lib/scoring/inputs';
import { ModelError, parseModel, type ScoringModel } from '../../lib/scoring/model';
import { modelVersion } from '../../lib/scoring/modelVersion';
import { ItemParameters } from '../shared/parameters';
import { openStore, storeKeyOf, type StoreKind } from '../shared/storeAccess';
import { formPath, modelFromEditor, type EditorModel } from './modelBuilder';
import { scoreNameOfRun } from './testScore';

export interface ItemSettings {
	/** Identifies the model, score name and store, so items that share them form one batch. */
	key: string;
	model: ScoringModel;
	scoreName: string;
	storeKind: StoreKind;
}

const modelCache = new Map<string, ScoringModel>();

/** Parses the item's model once per distinct text, so a batch of 100,000 items parses it once. */
function modelFor(
	this: IExecuteFunctions,
	parameters: ItemParameters,
	itemIndex: number,
): ScoringModel {
	const source = parameters.get<string>('modelSource', itemIndex);
	let key: string;
	let raw: unknown;
	if (source === 'editor') {
		const collection = (name: string, entry: string) =>
			(parameters.get<IDataObject>(name, itemIndex, {})[entry] as IDataObject[] | undefined) ?? [];
		const decayType = parameters.get<string>('decayType', itemIndex);
		const editor: EditorModel = {
			rules: collection('rules', 'rule'),
			fit: collection('fitRules', 'rule'),
			decayType,
			decayDays: ['halfLife', 'expire'].includes(decayType)
				? parameters.get<number>('decayDays', itemIndex)
				: undefined,
			decayPointsPerDay:
				decayType === 'linear' ? parameters.get<number>('decayPointsPerDay', itemIndex) : undefined,
			decayGraceDays:
				decayType === 'linear' ? parameters.get<number>('decayGraceDays', itemIndex) : undefined,
			boundsMin: parameters.get<number | null>('boundsMin', itemIndex, null),
			boundsMax: parameters.get<number | null>('boundsMax', itemIndex, null),
			tiers: collection('tiers', 'tier') as EditorModel['tiers'],
		};
		if (editor.rules.length === 0 && editor.fit.length === 0)
			throw new InputError(
				'rules',
				'Rules Below has no rules: add a behaviour rule (Add Rule) or a fit rule, or set Model Source to JSON.',
			);
		raw = modelFromEditor(editor);
		key = JSON.stringify(raw);
		try {
			return cachedModel(raw, key);
		} catch (error) {
			throw inFormTerms(error as Error);
		}
	} else {
		raw = parameters.get('model', itemIndex);
		key = typeof raw === 'string' ? raw : JSON.stringify(raw);
	}
	return cachedModel(raw, key);
}

/** A model error of Rules Below, naming the form's fields ("Behaviour Rules → 2 → Condition 1 → Field"). */
function inFormTerms(error: Error): Error {
	if (!(error instanceof ModelError)) return error;
	const issues = error.issues.map((issue) => ({ ...issue, path: formPath(issue.path) }));
	return new ModelError(issues, issues[0]?.path.split(' → ')[0] ?? 'Behaviour Rules');
}

function cachedModel(raw: unknown, key: string, field = 'model'): ScoringModel {
	let model = modelCache.get(key);
	if (!model) {
		model = parseModel(raw, field);
		if (modelCache.size > 100) modelCache.clear();
		modelCache.set(key, model);
	}
	return model;
}

/** An optional second model given as JSON (shadow or candidate); undefined when the parameter is empty. */
export function optionalModel(raw: unknown, field: string): ScoringModel | undefined {
	if (
		raw === undefined ||
		raw === null ||
		raw === '' ||
		(typeof raw === 'object' && Object.keys(raw).length === 0)
	)
		return undefined;
	return cachedModel(raw, typeof raw === 'string' ? raw : JSON.stringify(raw), field);
}

/** A score without a stored model: no Score Event has scored it yet (in this store). */
export class NoStoredModelError extends InputError {
	constructor(
		readonly scoreName: string,
		readonly storeKind: StoreKind,
	) {
		super(
			'modelSource',
			`No model is stored for the score "${scoreName}" yet: Score Event stores the model it scores with. Score an event first, or set Model Source to JSON.`,
		);
	}
}

const storedModels = new WeakMap<IExecuteFunctions, Map<string, ScoringModel>>();

/** The model a score was last scored with, read once per score and node run. */
async function storedModelFor(
	this: IExecuteFunctions,
	storeKind: StoreKind,
	storeKey: string,
	scoreName: string,
	itemIndex: number,
): Promise<ScoringModel> {
	if (storeKind === 'none')
		throw new InputError(
			'modelSource',
			'Without a store there is no model kept with the score: set Model Source to JSON or Rules Below.',
		);
	let models = storedModels.get(this);
	if (!models) storedModels.set(this, (models = new Map()));
	const key = `${storeKey}\u0000${scoreName}`;
	let model = models.get(key);
	if (!model) {
		const stored = await (await openStore(this, storeKind, itemIndex)).currentModel(scoreName);
		if (!stored) throw new NoStoredModelError(scoreName, storeKind);
		model = cachedModel(stored.model, JSON.stringify(stored.model));
		models.set(key, model);
	}
	return model;
}

export async function settingsFor(
	this: IExecuteFunctions,
	parameters: ItemParameters,
	itemIndex: number,
): Promise<ItemSettings> {
	const scoreName = scoreNameOfRun.call(
		this,
		requireText(parameters.get('scoreName', itemIndex), 'scoreName', 'Score Name'),
	);
	const storeKind = parameters.get<StoreKind>('store', itemIndex);
	const storeKey = storeKeyOf(parameters, storeKind, itemIndex);
	const model =
		parameters.get<string>('modelSource', itemIndex) === 'stored'
			? await storedModelFor.call(this, storeKind, storeKey, scoreName, itemIndex)
			: modelFor.call(this, parameters, itemIndex);
	// The model's version, not its text: short to compare per item, and equal for equal models.
	return {
		key: `${storeKey}\u0000${scoreName}\u0000${modelVersion(model)}`,
		model,
		scoreName,
		storeKind,
	};
}
