import { type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { failed, type Outcome } from '../../lib/outcome';
import type { LeadScore } from '../../lib/scoring/leadScore';
import { valueAt } from '../../lib/scoring/conditions';
import {
	EVENT_DATA_FIELDS,
	defaultEventData,
	type EventDataField,
} from '../../lib/scoring/eventData';
import {
	DEFAULT_HOURS_AHEAD,
	InputError,
	parseNumber,
	requireText,
	timeWindow,
	type TimeWindow,
} from '../../lib/scoring/inputs';
import { ModelError, parseModel, type ScoringModel } from '../../lib/scoring/model';
import { formPath, modelFromEditor, type EditorModel } from '../../lib/scoring/modelBuilder';
import { modelVersion } from '../../lib/scoring/modelVersion';
import { parseReporting, type Reporting } from '../../lib/scoring/reporting';
import { pruneIfDue, retentionDays } from '../../lib/service/retention';
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

/** Whether this execution is an editor test run that keeps away from the live scores (Options → Editor Test Runs). */
export function usesTestScore(this: IExecuteFunctions): boolean {
	if (this.getMode() !== 'manual') return false;
	const options = this.getNodeParameter('options', 0, {}) as IDataObject;
	return options.testRuns !== 'live';
}

/** The score a run works on: a test run in the editor works on `<name>~test`, never the live score. */
function scoreNameOfRun(this: IExecuteFunctions, scoreName: string): string {
	return usesTestScore.call(this) ? `${scoreName}${TEST_SCORE_SUFFIX}` : scoreName;
}

export const TEST_SCORE_SUFFIX = '~test';

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
	scoreName: string,
): Promise<ScoringModel> {
	if (storeKind === 'none')
		throw new InputError(
			'modelSource',
			'Without a store there is no model kept with the score: set Model Source to JSON or Rules Below.',
		);
	let models = storedModels.get(this);
	if (!models) storedModels.set(this, (models = new Map()));
	const key = `${storeKind}\u0000${scoreName}`;
	let model = models.get(key);
	if (!model) {
		const stored = await (await openStore.call(this, storeKind)).currentModel(scoreName);
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
	const model =
		parameters.get<string>('modelSource', itemIndex) === 'stored'
			? await storedModelFor.call(this, storeKind, scoreName)
			: modelFor.call(this, parameters, itemIndex);
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

/**
 * The window item times must fall in, widened on the future side by the node's option; read once,
 * and when the option is invalid every item that needs a time fails with its error.
 */
export function timeWindowFor(this: IExecuteFunctions, now: number): () => TimeWindow {
	let window: TimeWindow | undefined;
	return () =>
		(window ??= timeWindow(
			now,
			(this.getNodeParameter('options', 0, {}) as IDataObject).eventTimeHoursAhead ??
				DEFAULT_HOURS_AHEAD,
		));
}

/** Whole Points and Minimum Change, checked: a bad one fails the node's items before anything is written. */
export function reportingOf(this: IExecuteFunctions): Reporting {
	return parseReporting(this.getNodeParameter('options', 0, {}) as IDataObject);
}

/** The error item "Continue On Fail" sends on for an item; without it, the item's error stops the node. */
export function errorItem(
	this: IExecuteFunctions,
	error: Error,
	itemIndex: number,
): INodeExecutionData {
	const nodeError = itemError.call(this, error, itemIndex);
	if (!this.continueOnFail()) throw nodeError;
	return { json: { error: nodeError.message }, pairedItem: { item: itemIndex } };
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
		this.items[itemIndex] = errorItem.call(this.context, error, itemIndex);
	}

	/** A problem of the whole node (a bad option): every item fails with it, nothing is written. */
	failAll(error: Error): void {
		for (let itemIndex = 0; itemIndex < this.items.length; itemIndex++) this.fail(itemIndex, error);
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

/**
 * One item's event: the Event Data the rules read, and the fields (Lead ID, Event Name...) read
 * from it when the operator left their parameter empty. A parameter the operator set is used as
 * it evaluates, even when empty, so a mapping that finds nothing is reported, never replaced.
 */
export class ItemEvent {
	readonly data: Record<string, unknown>;

	constructor(
		private readonly parameters: ItemParameters,
		private readonly itemIndex: number,
		item: INodeExecutionData,
		model: ScoringModel,
	) {
		this.data = parameters.isEmpty('eventData')
			? (defaultEventData(item.json, model) as Record<string, unknown>)
			: eventDataObject(parameters.get('eventData', itemIndex));
	}

	field(name: EventDataField): unknown {
		if (!this.parameters.isEmpty(name)) return this.parameters.get(name, this.itemIndex, '');
		return valueAt(this.data, EVENT_DATA_FIELDS[name]);
	}
}

function eventDataObject(value: unknown): Record<string, unknown> {
	let parsed = value;
	if (typeof value === 'string') {
		try {
			parsed = JSON.parse(value);
		} catch {
			parsed = undefined;
		}
	}
	if (!isObject(parsed))
		throw new InputError(
			'eventData',
			'The event data must be an object, e.g. {{ $json.body }}; leave it empty for the webhook body (or the item).',
		);
	return parsed as Record<string, unknown>;
}

export function currentScoreOf(
	event: ItemEvent,
	parameters: ItemParameters,
	settings: ItemSettings,
): number | undefined {
	if (settings.storeKind !== 'none') return undefined;
	const value = event.field('currentScore');
	// Left empty: a lead without the property (never scored yet) starts at 0.
	const missing = value === undefined || value === null || value === '';
	return parseNumber(
		missing && parameters.isEmpty('currentScore') ? 0 : value,
		'currentScore',
		'The current score',
	);
}

export function deliver(
	this: IExecuteFunctions,
	outputs: Outputs,
	items: INodeExecutionData[],
	entries: Array<{ itemIndex: number }>,
	results: Array<Outcome<LeadScore>>,
	report: (leadScore: LeadScore) => object,
): void {
	results.forEach((result, index) => {
		const { itemIndex } = entries[index];
		if (!result.ok) outputs.fail(itemIndex, result.error);
		else outputs.set(itemIndex, withLeadScore(items[itemIndex], report(result.value)));
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
	work: (store: ScoreStore) => Promise<Array<Outcome<LeadScore>>>,
): Promise<Array<Outcome<LeadScore>>> {
	let store: ScoreStore;
	try {
		const retention = retentionOf.call(this);
		store = await openStore.call(this, score.storeKind);
		await pruneIfDue(store, score.model, score.scoreName, retention);
	} catch (error) {
		return entries.map(() => failed(error as Error));
	}
	return await work(store);
}

/** What a sweep did: the leads it changed, of how many it swept. */
export interface SweepResult {
	changed: object[];
	swept: number;
	/** Re-Score: leads left as they were because some of their events were kept without data. */
	skipped?: number;
}

/** One item's sweep; a score that has no lead yet (and so no stored model) sweeps nothing. */
async function sweepOf(
	this: IExecuteFunctions,
	parameters: ItemParameters,
	itemIndex: number,
	operationName: string,
	sweep: (store: ScoreStore, settings: ItemSettings, itemIndex: number) => Promise<SweepResult>,
): Promise<{ scoreName: string; result: SweepResult }> {
	if (parameters.get<StoreKind>('store', itemIndex) === 'none') {
		throw new InputError(
			'store',
			`${operationName} works on the leads kept in a store; choose the Embedded or PostgreSQL store.`,
		);
	}
	let settings: ItemSettings;
	try {
		settings = await settingsFor.call(this, parameters, itemIndex);
	} catch (error) {
		const empty =
			error instanceof NoStoredModelError &&
			(await (await openStore.call(this, error.storeKind)).listLeads(error.scoreName, null, 1))
				.leads.length === 0;
		if (!empty) throw itemError.call(this, error as Error, itemIndex);
		return {
			scoreName: (error as NoStoredModelError).scoreName,
			result: { changed: [], swept: 0 },
		};
	}
	const store = await openStore.call(this, settings.storeKind);
	return { scoreName: settings.scoreName, result: await sweep(store, settings, itemIndex) };
}

/**
 * Runs a sweep over the whole store once per input item (usually one, from a Schedule
 * Trigger). Output *Changed Leads*: one item per lead the sweep changed (none when nothing
 * changed). Output *Summary*: one item per sweep, `{ sweep: { swept, changed… }, changed: [...] }`,
 * so a webhook that runs the sweep can always answer.
 */
export async function sweepPerItem(
	this: IExecuteFunctions,
	operationName: string,
	sweep: (store: ScoreStore, settings: ItemSettings, itemIndex: number) => Promise<SweepResult>,
): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const parameters = new ItemParameters(this);
	const output: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const { scoreName, result } = await sweepOf.call(
				this,
				parameters,
				itemIndex,
				operationName,
				sweep,
			);
			if (parameters.get<string>('sweepOutput', itemIndex, 'changed') === 'summary') {
				output.push({
					json: {
						sweep: {
							operation: operationName,
							scoreName,
							swept: result.swept,
							// Re-Score's skipped leads go out among the changed ones, marked `skipped`.
							changed: result.changed.length - (result.skipped ?? 0),
							...(result.skipped !== undefined ? { skipped: result.skipped } : {}),
						},
						changed: result.changed as IDataObject[],
					},
					pairedItem: { item: itemIndex },
				});
				continue;
			}
			for (const leadScore of result.changed) {
				output.push({
					json: { leadScore: leadScore as IDataObject },
					pairedItem: { item: itemIndex },
				});
			}
		} catch (error) {
			output.push(errorItem.call(this, error as Error, itemIndex));
		}
	}
	return output;
}

export function isObject(value: unknown): boolean {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
