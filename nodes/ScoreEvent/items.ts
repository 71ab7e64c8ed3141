import { type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { type BatchResult, type LeadScore } from '../../lib/scoring/batch';
import { InputError, parseNumber, requireText } from '../../lib/scoring/inputs';
import { parseModel, type ScoringModel } from '../../lib/scoring/model';
import { modelFromEditor, type EditorModel } from '../../lib/scoring/modelBuilder';
import { modelVersion } from '../../lib/scoring/modelVersion';
import { parseReporting, type Reporting } from '../../lib/scoring/reporting';
import { pruneIfDue, retentionDays } from '../../lib/scoring/retention';
import { type ScoreStore } from '../../lib/store/scoreStore';
import { itemError } from '../shared/itemError';
import { ItemParameters } from '../shared/parameters';
import { openStore as openNodeStore, type StoreKind } from '../shared/store';

// What every Score Event operation shares: parameters per item, the model, the store, errors and outputs.

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
		raw = modelFromEditor(editor);
		key = JSON.stringify(raw);
	} else {
		raw = parameters.get('model', itemIndex);
		key = typeof raw === 'string' ? raw : JSON.stringify(raw);
	}
	return cachedModel(raw, key);
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

export function settingsFor(
	this: IExecuteFunctions,
	parameters: ItemParameters,
	itemIndex: number,
): ItemSettings {
	const scoreName = requireText(parameters.get('scoreName', itemIndex), 'scoreName', 'Score Name');
	const storeKind = parameters.get<StoreKind>('store', itemIndex);
	const model = modelFor.call(this, parameters, itemIndex);
	// The model's version, not its text: short to compare per item, and equal for equal models.
	return {
		key: `${storeKind}\u0000${scoreName}\u0000${modelVersion(model)}`,
		model,
		scoreName,
		storeKind,
	};
}

export async function openStore(this: IExecuteFunctions, kind: StoreKind): Promise<ScoreStore> {
	if (kind === 'none')
		throw new InputError(
			'store',
			'This operation works on the leads kept in a store; choose the Embedded or PostgreSQL store.',
		);
	return await openNodeStore.call(this, kind);
}

/** The score's retention options, checked: a bad one fails the batch before anything is scored or deleted. */
function retentionOf(this: IExecuteFunctions) {
	const options = this.getNodeParameter('options', 0, {}) as IDataObject;
	return {
		eventDays: retentionDays(
			options.eventRetentionDays,
			90,
			'options.eventRetentionDays',
			'Event Retention (Days)',
		),
		ledgerDays: retentionDays(
			options.ledgerRetentionDays,
			365,
			'options.ledgerRetentionDays',
			'History Retention (Days)',
		),
	};
}

/** Whole Points and Minimum Change, checked: a bad one fails the node's items before anything is written. */
export function reportingOf(this: IExecuteFunctions): Reporting {
	return parseReporting(this.getNodeParameter('options', 0, {}) as IDataObject);
}

/** Per item: the output, or the error item that "Continue On Fail" sends on; without it, the first error stops the node. */
export class Outputs {
	private readonly items: Array<INodeExecutionData | undefined>;

	constructor(
		private readonly context: IExecuteFunctions,
		count: number,
	) {
		this.items = new Array(count);
	}

	fail(itemIndex: number, error: Error): void {
		const nodeError = itemError.call(this.context, error, itemIndex);
		if (!this.context.continueOnFail()) throw nodeError;
		this.items[itemIndex] = { json: { error: nodeError.message }, pairedItem: { item: itemIndex } };
	}

	set(itemIndex: number, json: IDataObject): void {
		this.items[itemIndex] = { json, pairedItem: { item: itemIndex } };
	}

	list(): INodeExecutionData[] {
		return this.items.filter((item): item is INodeExecutionData => item !== undefined);
	}
}

export function withLeadScore(item: INodeExecutionData, leadScore: object): IDataObject {
	return { ...item.json, leadScore: leadScore as IDataObject };
}

/** Groups items that share a model, score name and store, so each group is one batch. */
export class Batches<T> {
	readonly groups = new Map<
		string,
		{
			settings: ItemSettings;
			entries: Array<{ itemIndex: number; input: T; currentScore?: number }>;
		}
	>();

	add(settings: ItemSettings, itemIndex: number, input: T, currentScore?: number): void {
		let group = this.groups.get(settings.key);
		if (!group) this.groups.set(settings.key, (group = { settings, entries: [] }));
		group.entries.push({ itemIndex, input, currentScore });
	}
}

export function currentScoreOf(
	parameters: ItemParameters,
	itemIndex: number,
	settings: ItemSettings,
): number | undefined {
	if (settings.storeKind !== 'none') return undefined;
	return parseNumber(
		parameters.get('currentScore', itemIndex),
		'currentScore',
		'The current score',
	);
}

export function deliver(
	this: IExecuteFunctions,
	outputs: Outputs,
	items: INodeExecutionData[],
	entries: Array<{ itemIndex: number }>,
	results: BatchResult[],
	report: (leadScore: LeadScore) => object,
): void {
	results.forEach((result, index) => {
		const { itemIndex } = entries[index];
		if ('error' in result) outputs.fail(itemIndex, result.error);
		else outputs.set(itemIndex, withLeadScore(items[itemIndex], report(result.leadScore)));
	});
}

/**
 * Opens the store, forgets this score's history past its retention, and runs `work`; a store that
 * cannot be opened, or a bad retention option, fails every item of the batch.
 */
export async function withStore(
	this: IExecuteFunctions,
	score: { storeKind: StoreKind; scoreName: string; model: ScoringModel },
	entries: unknown[],
	work: (store: ScoreStore) => Promise<BatchResult[]>,
): Promise<BatchResult[]> {
	let store: ScoreStore;
	try {
		const retention = retentionOf.call(this);
		store = await openStore.call(this, score.storeKind);
		await pruneIfDue(store, score.model, score.scoreName, retention);
	} catch (error) {
		return entries.map(() => ({ error: error as Error }));
	}
	return await work(store);
}

/**
 * Runs a sweep over the whole store once per input item (usually one, from a Schedule
 * Trigger) and outputs one item per lead the sweep changed.
 */
export async function sweepPerItem(
	this: IExecuteFunctions,
	operationName: string,
	sweep: (store: ScoreStore, settings: ItemSettings, itemIndex: number) => Promise<object[]>,
): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const parameters = new ItemParameters(this);
	const changed: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const settings = settingsFor.call(this, parameters, itemIndex);
			if (settings.storeKind === 'none') {
				throw new InputError(
					'store',
					`${operationName} works on the leads kept in a store; choose the Embedded or PostgreSQL store.`,
				);
			}
			for (const leadScore of await sweep(
				await openStore.call(this, settings.storeKind),
				settings,
				itemIndex,
			)) {
				changed.push({
					json: { leadScore: leadScore as IDataObject },
					pairedItem: { item: itemIndex },
				});
			}
		} catch (error) {
			const nodeError = itemError.call(this, error as Error, itemIndex);
			if (!this.continueOnFail()) throw nodeError;
			changed.push({ json: { error: nodeError.message }, pairedItem: { item: itemIndex } });
		}
	}
	return changed;
}

export function isObject(value: unknown): boolean {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
