import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import {
	adjustLeads,
	adjustStateless,
	readScores,
	scoreEvents,
	scoreEventStateless,
	sweepDecay,
	type AdjustInput,
	type BatchResult,
	type EventInput,
	type LeadScore,
} from '../../lib/scoring/batch';
import {
	InputError,
	normalizeLeadId,
	optionalText,
	parseEventTime,
	parseNumber,
	parseProfile,
	requireText,
} from '../../lib/scoring/inputs';
import { BacktestError, runBacktest, type BacktestEvent, type ConversionLabel, type ThresholdMeasure } from '../../lib/scoring/backtest';
import { backtestReportHtml } from '../../lib/scoring/backtestReport';
import { ModelError, parseModel, type ScoringModel } from '../../lib/scoring/model';
import { isReplayPayload } from '../../lib/scoring/replay';
import { rescoreLeads } from '../../lib/scoring/rescore';
import { modelFromEditor, type EditorModel } from '../../lib/scoring/modelBuilder';
import { pruneIfDue } from '../../lib/store/openStore';
import type { ScoreStore } from '../../lib/store/scoreStore';
import { openStore as openNodeStore, type StoreKind } from '../shared/store';


function hasExpression(value: unknown): boolean {
	if (typeof value === 'string') return value.startsWith('=');
	if (Array.isArray(value)) return value.some(hasExpression);
	if (value !== null && typeof value === 'object') return Object.values(value).some(hasExpression);
	return false;
}

/**
 * Reads node parameters per item, but a parameter without an expression is the same for every
 * item, so it is read once: on a batch of 100,000 items that saves n8n's per-call resolution.
 */
class Parameters {
	private readonly fixed = new Map<string, unknown>();

	constructor(private readonly context: IExecuteFunctions) {}

	get<T = unknown>(name: string, itemIndex: number, fallback?: unknown): T {
		if (this.fixed.has(name)) return this.fixed.get(name) as T;
		const value = this.context.getNodeParameter(name, itemIndex, fallback as never);
		if (!hasExpression(this.context.getNode().parameters[name])) this.fixed.set(name, value);
		return value as T;
	}
}

interface ItemSettings {
	/** Identifies the model, score name and store, so items that share them form one batch. */
	key: string;
	model: ScoringModel;
	scoreName: string;
	storeKind: StoreKind;
}

const modelCache = new Map<string, ScoringModel>();

/** Parses the item's model once per distinct text, so a batch of 100,000 items parses it once. */
function modelFor(this: IExecuteFunctions, parameters: Parameters, itemIndex: number): { model: ScoringModel; key: string } {
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
			decayDays: ['halfLife', 'expire'].includes(decayType) ? parameters.get<number>('decayDays', itemIndex) : undefined,
			decayPointsPerDay: decayType === 'linear' ? parameters.get<number>('decayPointsPerDay', itemIndex) : undefined,
			decayGraceDays: decayType === 'linear' ? parameters.get<number>('decayGraceDays', itemIndex) : undefined,
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
	return { model: cachedModel(raw, key), key };
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
function optionalModel(raw: unknown, field: string): ScoringModel | undefined {
	if (raw === undefined || raw === null || raw === '' || (typeof raw === 'object' && Object.keys(raw).length === 0)) return undefined;
	return cachedModel(raw, typeof raw === 'string' ? raw : JSON.stringify(raw), field);
}

function settingsFor(this: IExecuteFunctions, parameters: Parameters, itemIndex: number): ItemSettings {
	const scoreName = requireText(parameters.get('scoreName', itemIndex), 'scoreName', 'Score Name');
	const storeKind = parameters.get<StoreKind>('store', itemIndex);
	const { model, key } = modelFor.call(this, parameters, itemIndex);
	return { key: `${storeKind}\u0000${scoreName}\u0000${key}`, model, scoreName, storeKind };
}

async function openStore(this: IExecuteFunctions, kind: StoreKind): Promise<ScoreStore> {
	if (kind === 'none') throw new InputError('store', 'This operation works on the leads kept in a store; choose the Embedded or PostgreSQL store.');
	return await openNodeStore.call(this, kind);
}

async function pruneStore(this: IExecuteFunctions, store: ScoreStore): Promise<void> {
	const options = this.getNodeParameter('options', 0, {}) as IDataObject;
	await pruneIfDue(store, {
		eventDays: (options.eventRetentionDays as number | undefined) ?? 90,
		ledgerDays: (options.ledgerRetentionDays as number | undefined) ?? 365,
	});
}

/** An error for one item, naming the item and the parameter to fix. */
function itemError(this: IExecuteFunctions, error: Error, itemIndex: number): NodeOperationError {
	if (error instanceof NodeOperationError) return error;
	if (error instanceof ModelError) {
		return new NodeOperationError(this.getNode(), `The scoring model is invalid (item ${itemIndex}, parameter "${error.field}")`, {
			itemIndex,
			description: error.issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'),
		});
	}
	if (error instanceof InputError || error instanceof BacktestError) {
		return new NodeOperationError(this.getNode(), `${error.message} (item ${itemIndex}, parameter "${error.field}")`, {
			itemIndex,
		});
	}
	return new NodeOperationError(this.getNode(), `${error.message} (item ${itemIndex})`, { itemIndex });
}

/** Per item: the output, or the error item that "Continue On Fail" sends on; without it, the first error stops the node. */
class Outputs {
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

function withLeadScore(item: INodeExecutionData, leadScore: object): IDataObject {
	return { ...item.json, leadScore: leadScore as IDataObject };
}

/** Groups items that share a model, score name and store, so each group is one batch. */
class Batches<T> {
	readonly groups = new Map<string, { settings: ItemSettings; entries: Array<{ itemIndex: number; input: T; currentScore?: number }> }>();

	add(settings: ItemSettings, itemIndex: number, input: T, currentScore?: number): void {
		let group = this.groups.get(settings.key);
		if (!group) this.groups.set(settings.key, (group = { settings, entries: [] }));
		group.entries.push({ itemIndex, input, currentScore });
	}
}

function currentScoreOf(parameters: Parameters, itemIndex: number, settings: ItemSettings): number | undefined {
	if (settings.storeKind !== 'none') return undefined;
	return parseNumber(parameters.get('currentScore', itemIndex), 'currentScore', 'The current score');
}

function deliver(
	this: IExecuteFunctions,
	outputs: Outputs,
	items: INodeExecutionData[],
	entries: Array<{ itemIndex: number }>,
	results: BatchResult[],
): void {
	results.forEach((result, index) => {
		const { itemIndex } = entries[index];
		if ('error' in result) outputs.fail(itemIndex, result.error);
		else outputs.set(itemIndex, withLeadScore(items[itemIndex], result.leadScore));
	});
}

export async function scoreOperation(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const parameters = new Parameters(this);
	const outputs = new Outputs(this, items.length);
	const batches = new Batches<EventInput>();
	const now = Date.now();
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const settings = settingsFor.call(this, parameters, itemIndex);
			const profile = parseProfile(parameters.get('profile', itemIndex, ''));
			const data = profile ? { ...items[itemIndex].json, profile } : items[itemIndex].json;
			const input: EventInput = {
				leadId: normalizeLeadId(parameters.get('leadId', itemIndex)),
				name: requireText(parameters.get('eventName', itemIndex), 'eventName', 'The event name'),
				eventId: optionalText(parameters.get('eventId', itemIndex, ''), 'eventId', 'The event ID'),
				time: parseEventTime(parameters.get('eventTime', itemIndex, ''), now),
				data,
				hasProfile: profile !== undefined || isObject(items[itemIndex].json.profile),
			};
			batches.add(settings, itemIndex, input, currentScoreOf(parameters, itemIndex, settings));
		} catch (error) {
			outputs.fail(itemIndex, error as Error);
		}
	}
	const options = this.getNodeParameter('options', 0, {}) as IDataObject;
	let shadow: ScoringModel | undefined;
	try {
		shadow = optionalModel(options.shadowModel, 'options.shadowModel');
	} catch (error) {
		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) outputs.fail(itemIndex, error as Error);
		return outputs.list();
	}
	for (const { settings, entries } of batches.groups.values()) {
		const inputs = entries.map((entry) => entry.input);
		if (settings.storeKind === 'none') {
			for (const { itemIndex, input, currentScore } of entries) {
				const json = withLeadScore(items[itemIndex], scoreEventStateless(settings.model, input, currentScore ?? 0));
				if (shadow) json.shadowScore = shadowScoreOf(scoreEventStateless(shadow, input, currentScore ?? 0));
				outputs.set(itemIndex, json);
			}
			continue;
		}
		const keepEventData = options.keepEventData !== false;
		const results = await withStore.call(this, settings.storeKind, entries, (store) =>
			scoreEvents(store, settings.model, settings.scoreName, inputs, { keepEventData }),
		);
		// The shadow model keeps its own scores under a separate name: the live score is never touched.
		const shadowResults = shadow
			? await withStore.call(this, settings.storeKind, entries, (store) => scoreEvents(store, shadow, `${settings.scoreName}~shadow`, inputs, { keepEventData: false }))
			: undefined;
		results.forEach((result, index) => {
			const { itemIndex } = entries[index];
			if ('error' in result) return outputs.fail(itemIndex, result.error);
			const json = withLeadScore(items[itemIndex], result.leadScore);
			const shadowResult = shadowResults?.[index];
			if (shadowResult) json.shadowScore = 'error' in shadowResult ? { error: shadowResult.error.message } : shadowScoreOf(shadowResult.leadScore);
			outputs.set(itemIndex, json);
		});
	}
	return outputs.list();
}

function shadowScoreOf(leadScore: LeadScore): IDataObject {
	const { score, previousScore, delta, tier, previousTier, tierChanged, reasons, modelVersion } = leadScore;
	return { score, previousScore, delta, tier, previousTier, tierChanged, reasons: reasons as unknown as IDataObject[], modelVersion };
}

/** Opens the store and runs `work`; a store that cannot be opened fails every item of the batch. */
async function withStore(
	this: IExecuteFunctions,
	kind: StoreKind,
	entries: unknown[],
	work: (store: ScoreStore) => Promise<BatchResult[]>,
): Promise<BatchResult[]> {
	let store: ScoreStore;
	try {
		store = await openStore.call(this, kind);
		await pruneStore.call(this, store);
	} catch (error) {
		return entries.map(() => ({ error: error as Error }));
	}
	return await work(store);
}

export async function adjustOperation(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const parameters = new Parameters(this);
	const outputs = new Outputs(this, items.length);
	const batches = new Batches<AdjustInput>();
	const now = Date.now();
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const settings = settingsFor.call(this, parameters, itemIndex);
			const input: AdjustInput = {
				leadId: normalizeLeadId(parameters.get('leadId', itemIndex)),
				mode: parameters.get<'add' | 'set'>('adjustMode', itemIndex),
				points: parseNumber(parameters.get('points', itemIndex), 'points', 'Points'),
				reason: requireText(parameters.get('reason', itemIndex), 'reason', 'The reason'),
				time: now,
			};
			batches.add(settings, itemIndex, input, currentScoreOf(parameters, itemIndex, settings));
		} catch (error) {
			outputs.fail(itemIndex, error as Error);
		}
	}
	for (const { settings, entries } of batches.groups.values()) {
		if (settings.storeKind === 'none') {
			for (const { itemIndex, input, currentScore } of entries) {
				outputs.set(itemIndex, withLeadScore(items[itemIndex], adjustStateless(settings.model, input, currentScore ?? 0)));
			}
			continue;
		}
		const results = await withStore.call(this, settings.storeKind, entries, (store) =>
			adjustLeads(store, settings.model, settings.scoreName, entries.map((entry) => entry.input)),
		);
		deliver.call(this, outputs, items, entries, results);
	}
	return outputs.list();
}

/**
 * Runs a sweep over the whole store once per input item (usually one, from a Schedule
 * Trigger) and outputs one item per lead the sweep changed.
 */
async function sweepPerItem(
	this: IExecuteFunctions,
	operationName: string,
	sweep: (store: ScoreStore, settings: ItemSettings, itemIndex: number) => Promise<object[]>,
): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const parameters = new Parameters(this);
	const changed: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const settings = settingsFor.call(this, parameters, itemIndex);
			if (settings.storeKind === 'none') {
				throw new InputError('store', `${operationName} works on the leads kept in a store; choose the Embedded or PostgreSQL store.`);
			}
			for (const leadScore of await sweep(await openStore.call(this, settings.storeKind), settings, itemIndex)) {
				changed.push({ json: { leadScore: leadScore as IDataObject }, pairedItem: { item: itemIndex } });
			}
		} catch (error) {
			const nodeError = itemError.call(this, error as Error, itemIndex);
			if (!this.continueOnFail()) throw nodeError;
			changed.push({ json: { error: nodeError.message }, pairedItem: { item: itemIndex } });
		}
	}
	return changed;
}

export async function applyDecayOperation(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const parameters = new Parameters(this);
	return await sweepPerItem.call(this, 'Apply Decay', async (store, settings, itemIndex) => {
		const asOf = parseEventTime(parameters.get('asOf', itemIndex, ''), Date.now(), 'asOf');
		return await sweepDecay(store, settings.model, settings.scoreName, asOf);
	});
}

export async function rescoreOperation(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	return await sweepPerItem.call(this, 'Re-Score Leads', async (store, settings) => {
		return (await rescoreLeads(store, settings.model, settings.scoreName)).changed;
	});
}

function conversionLabel(parameters: Parameters): ConversionLabel {
	if (parameters.get('conversionKind', 0) === 'field') {
		return { kind: 'field', path: requireText(parameters.get('conversionField', 0), 'conversionField', 'The conversion field') };
	}
	return { kind: 'event', name: requireText(parameters.get('conversionEvent', 0), 'conversionEvent', 'The conversion event') };
}

/** Events of the backtest: kept events of a time range, or one event per input item. */
async function backtestEvents(this: IExecuteFunctions, parameters: Parameters, scoreName: string, storeKind: StoreKind): Promise<{ events: BacktestEvent[]; end?: number }> {
	const items = this.getInputData();
	if (parameters.get('backtestSource', 0) === 'items') {
		const now = Date.now();
		const events = items.map((item, itemIndex): BacktestEvent => {
			const profile = parseProfile(parameters.get('profile', itemIndex, ''));
			try {
				return {
					leadId: normalizeLeadId(parameters.get('leadId', itemIndex)),
					name: requireText(parameters.get('eventName', itemIndex), 'eventName', 'The event name'),
					time: parseEventTime(parameters.get('eventTime', itemIndex, ''), now),
					data: profile ? { ...item.json, profile } : item.json,
					hasProfile: profile !== undefined || isObject(item.json.profile),
					order: itemIndex,
				};
			} catch (error) {
				throw itemError.call(this, error as Error, itemIndex);
			}
		});
		return { events };
	}
	if (storeKind === 'none') throw new InputError('backtestSource', 'Without a store there are no kept events: choose "Input Items".');
	const now = Date.now();
	const from = parseEventTime(parameters.get('from', 0, ''), now, 'from');
	const to = parseEventTime(parameters.get('to', 0, ''), now, 'to');
	if (from > to) throw new InputError('from', '"From" is after "To": the time range is empty.');
	const store = await openStore.call(this, storeKind);
	const events: BacktestEvent[] = [];
	let after: number | null = null;
	do {
		const page = await store.listEvents(scoreName, { from, to }, after, 5000);
		after = page.next;
		for (const event of page.events) {
			if (!isReplayPayload(event.payload) || event.payload.kind !== 'event') continue;
			events.push({ leadId: event.leadId, name: event.name, time: event.time, data: event.payload.data, hasProfile: event.payload.hasProfile, order: event.seq });
		}
	} while (after !== null);
	return { events, end: to };
}

export async function backtestOperation(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const parameters = new Parameters(this);
	try {
		const settings = settingsFor.call(this, parameters, 0);
		const candidate = optionalModel(parameters.get('compareModel', 0, ''), 'compareModel');
		const models = [{ name: 'Current model', model: settings.model }, ...(candidate ? [{ name: 'Candidate model', model: candidate }] : [])];
		const { events, end } = await backtestEvents.call(this, parameters, settings.scoreName, settings.storeKind);
		const threshold = parameters.get<number | string>('backtestThreshold', 0, '');
		const result = runBacktest(models, events, conversionLabel(parameters), {
			threshold: threshold === '' || threshold === null ? undefined : parseNumber(threshold, 'backtestThreshold', 'The threshold'),
			measure: parameters.get<ThresholdMeasure>('measure', 0, 'f1'),
			end,
		});
		const html = backtestReportHtml(result, `Backtest of score "${settings.scoreName}"`);
		const report = await this.helpers.prepareBinaryData(Buffer.from(html, 'utf8'), 'backtest-report.html', 'text/html');
		const out: INodeExecutionData[] = result.models.flatMap((model) =>
			model.tiers.map((tier) => ({
				json: {
					backtest: {
						model: model.name,
						modelVersion: model.modelVersion,
						...tier,
						baseRate: result.baseRate,
						leadsInBacktest: result.leads,
						atThreshold: model.atThreshold as unknown as IDataObject,
						suggestedThreshold: model.suggested as unknown as IDataObject,
					},
				},
				pairedItem: { item: 0 },
			})),
		);
		out[0].binary = { report };
		return out;
	} catch (error) {
		const nodeError = itemError.call(this, error as Error, 0);
		if (!this.continueOnFail()) throw nodeError;
		return [{ json: { error: nodeError.message }, pairedItem: { item: 0 } }];
	}
}

export async function getOperation(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const parameters = new Parameters(this);
	const outputs = new Outputs(this, items.length);
	const batches = new Batches<string>();
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const settings = settingsFor.call(this, parameters, itemIndex);
			batches.add(settings, itemIndex, normalizeLeadId(parameters.get('leadId', itemIndex)), currentScoreOf(parameters, itemIndex, settings));
		} catch (error) {
			outputs.fail(itemIndex, error as Error);
		}
	}
	const historyLimit = ((this.getNodeParameter('options', 0, {}) as IDataObject).historyLimit as number | undefined) ?? 10;
	const now = Date.now();
	for (const { settings, entries } of batches.groups.values()) {
		if (settings.storeKind === 'none') {
			for (const { itemIndex, input, currentScore } of entries) {
				outputs.set(itemIndex, withLeadScore(items[itemIndex], { leadId: input, found: false, score: currentScore ?? 0 }));
			}
			continue;
		}
		try {
			const readings = await readScores(await openStore.call(this, settings.storeKind), settings.model, settings.scoreName, entries.map((entry) => entry.input), now, historyLimit);
			for (const { itemIndex, input } of entries) outputs.set(itemIndex, withLeadScore(items[itemIndex], readings.get(input)!));
		} catch (error) {
			for (const { itemIndex } of entries) outputs.fail(itemIndex, error as Error);
		}
	}
	return outputs.list();
}

function isObject(value: unknown): boolean {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
