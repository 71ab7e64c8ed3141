import {
	eventKey,
	StoreDataError,
	type LedgerEntry,
	type LeadsWrite,
	type ScoreStore,
} from '../store/scoreStore';
import type { EventOutcome } from './keptEvent';
import { engagementAt } from './decay';
import {
	adjustScore,
	applyDecay,
	applyEvent,
	initialState,
	roundPoints,
	type Adjustment,
	type ScoreChange,
	type ScoringEvent,
} from './engine';
import { keptEventData } from './keptEvent';
import type { LeadState } from './leadState';
import {
	checkData,
	checkId,
	checkPoints,
	checkText,
	checkTime,
	MAX_POINTS,
} from './limits';
import type { ScoringModel } from './model';
import { modelVersion } from './modelVersion';
import type { ReplayPayload } from './replay';
import { asReported, EXACT_REPORTING, worthReporting, type Reporting } from './reporting';
import { tierFor } from './tiers';

/** The `leadScore` object Score Event adds to an item (DESIGN.md contract). */
export interface LeadScore extends Omit<ScoreChange, 'state'> {
	leadId: string;
	event: string | null;
	eventId: string | null;
	duplicate: boolean;
	/**
	 * On a duplicate: true when this is the outcome the event id had the first time, given again;
	 * false when that outcome is unknown (counted before outcomes were kept), and the lead's current
	 * score is shown unchanged. False on events counted now.
	 */
	replayed: boolean;
	scoredAt: string;
	/** The version of the model that computed this score. */
	modelVersion: string;
	/** The lead's state revision after this change (see LeadState); none without a store. */
	revision?: number;
	/** With Whole Points: the engine's exact score, of which `score` is the whole part. */
	exactScore?: number;
}

export interface EventInput extends ScoringEvent {
	leadId: string;
	eventId?: string;
}

export interface ScoringOptions {
	/** Keep each event's data for replays (re-score, backtest); false keeps ids only. Default true. */
	keepEventData?: boolean;
	now?: () => number;
}

export interface AdjustInput extends Adjustment {
	leadId: string;
	/** Makes a retried adjustment count once; kept among the lead's event ids as `adjust:<id>`. */
	adjustmentId?: string;
}

/** Adjustment ids live beside event ids, under their own prefix so the two never collide. */
export function adjustmentEventId(adjustmentId: string): string {
	return `adjust:${adjustmentId}`;
}

/** Per input, in input order: the result, or the error that kept it from being committed. */
export type BatchResult = { leadScore: LeadScore } | { error: Error };

// One transaction per chunk. Its cost is mostly per lead (read, rewrite, index pages) rather than
// per event, so a chunk should hold each busy lead's events together; about a second of write lock
// at this size, after which other executions get their turn (see runSteps).
export const CHUNK_SIZE = 25_000;

function toLeadScore(
	leadId: string,
	change: ScoreChange,
	event: { name: string | null; id: string | null },
	scoredAt: string,
	version: string,
): LeadScore {
	return {
		leadId,
		event: event.name,
		eventId: event.id,
		score: change.score,
		previousScore: change.previousScore,
		delta: change.delta,
		engagement: change.engagement,
		fit: change.fit,
		tier: change.tier,
		previousTier: change.previousTier,
		tierChanged: change.tierChanged,
		reasons: change.reasons,
		duplicate: false,
		replayed: false,
		scoredAt,
		modelVersion: version,
		revision: change.state.revision ?? 0,
	};
}

/** What is kept with a counted event id, so its repeats answer the same. */
function outcomeOf(leadScore: LeadScore): EventOutcome {
	return {
		score: leadScore.score,
		previousScore: leadScore.previousScore,
		delta: leadScore.delta,
		engagement: leadScore.engagement,
		fit: leadScore.fit,
		tier: leadScore.tier,
		previousTier: leadScore.previousTier,
		tierChanged: leadScore.tierChanged,
		reasons: leadScore.reasons,
		revision: leadScore.revision ?? 0,
		modelVersion: leadScore.modelVersion,
		scoredAt: leadScore.scoredAt,
	};
}

/** A repeated event id answers with the outcome it had the first time, so the steps after it run again alike. */
function replayOf(
	leadId: string,
	event: { name: string | null; id: string | null },
	outcome: EventOutcome,
): LeadScore {
	return {
		leadId,
		event: event.name,
		eventId: event.id,
		...outcome,
		duplicate: true,
		replayed: true,
	};
}

function unchanged(
	model: ScoringModel,
	leadId: string,
	state: LeadState | undefined,
	time: number,
): ScoreChange {
	const current = state ?? initialState(model);
	return {
		state: current,
		score: current.score,
		previousScore: current.score,
		delta: 0,
		engagement: roundPoints(
			engagementAt(model.decay, current.engagement, Math.max(time, current.evaluatedAt ?? time)),
		),
		fit: current.fit,
		tier: current.tier,
		previousTier: current.tier,
		tierChanged: false,
		reasons: [],
	};
}

/**
 * The change as downstream sees it: from the score last handed on, which differs from the stored
 * one only after a re-score moved it less than the Minimum Change, or stopped before its items went
 * out. That move is shown as its own
 * reason, so a crossing it began is not lost and every point of the delta is accounted for.
 */
function sinceHandedOn(
	model: ScoringModel,
	stored: LeadState | undefined,
	change: ScoreChange,
): ScoreChange {
	if (stored?.reportedScore === undefined) return change;
	const before = stored.reportedScore;
	const previousTier = tierFor(before, model.tiers);
	const unreported = roundPoints(stored.score - before);
	return {
		...change,
		previousScore: before,
		delta: roundPoints(change.score - before),
		previousTier,
		tierChanged: change.tier !== previousTier,
		reasons:
			unreported === 0
				? change.reasons
				: [
						{ rule: 'rescore', points: unreported, note: 'an earlier re-score, not handed on until now' },
						...change.reasons,
					],
	};
}

function ledgerEntry(
	leadId: string,
	change: ScoreChange,
	event: { name: string | null; id: string | null },
	recordedAt: number,
	version: string,
): LedgerEntry {
	return {
		leadId,
		eventId: event.id,
		event: event.name,
		at: change.state.evaluatedAt ?? recordedAt,
		recordedAt,
		previousScore: change.previousScore,
		score: change.score,
		delta: change.delta,
		tier: change.tier,
		reasons: change.reasons,
		modelVersion: version,
	};
}

interface Step {
	leadId: string;
	eventId?: string;
	eventName: string | null;
	time: number;
	/** Kept with the counted event for replay (a Re-Score replays events and adjustments); null keeps the id only. */
	payload: unknown;
	/** Throws when the step holds something no store can keep; run before anything is written. */
	check: () => void;
	apply: (current: LeadState | undefined) => ScoreChange;
}

/** What every step must respect whatever it does: the ids, names and time the stores keep. */
function checkStep(step: Step): void {
	checkId(step.leadId, 'leadId', 'The lead ID');
	if (step.eventId !== undefined) checkId(step.eventId, 'eventId', 'The event ID');
	if (step.eventName !== null) checkId(step.eventName, 'eventName', 'The event name');
	checkTime(step.time, 'eventTime', 'The event time');
	step.check();
}

/** A change whose numbers no store can keep (an overflowing sum, points beyond the limits) is refused. */
function checkChange(change: ScoreChange): void {
	const numbers = [
		change.score,
		change.delta,
		change.engagement,
		change.fit,
		change.state.engagement.points,
		...change.reasons.map((reason) => reason.points),
	];
	if (numbers.every((value) => Number.isFinite(value) && Math.abs(value) <= MAX_POINTS)) return;
	throw new Error(
		`The score would become ${change.score} (a change of ${change.delta}), beyond the ${MAX_POINTS.toExponential()} points a score can hold; nothing was written for this item.`,
	);
}

/**
 * Runs steps in order, each lead's steps seeing the previous ones, in atomic chunks. A step that
 * fails (a value past the limits, or one the database refuses) fails alone: the rest commit.
 */
async function runSteps(
	store: ScoreStore,
	model: ScoringModel,
	scoreName: string,
	steps: Step[],
	now: () => number,
): Promise<BatchResult[]> {
	const results: BatchResult[] = new Array(steps.length);
	try {
		checkId(scoreName, 'scoreName', 'The score name');
	} catch (error) {
		return steps.map(() => ({ error: error as Error }));
	}
	const run: ChunkRun = { store, model, scoreName, steps, results, now, version: modelVersion(model) };
	for (let start = 0; start < steps.length; start += CHUNK_SIZE) {
		// The embedded store works synchronously: let n8n serve other executions (webhooks) between chunks.
		if (start > 0) await yieldToEventLoop();
		const storable: number[] = [];
		for (let index = start; index < Math.min(start + CHUNK_SIZE, steps.length); index++) {
			try {
				checkStep(steps[index]);
				storable.push(index);
			} catch (error) {
				results[index] = { error: error as Error };
			}
		}
		await runChunk(run, storable);
	}
	return results;
}

interface ChunkRun {
	store: ScoreStore;
	model: ScoringModel;
	scoreName: string;
	steps: Step[];
	results: BatchResult[];
	now: () => number;
	version: string;
}

/**
 * One atomic step over the steps at `indexes`. When the database refuses a value, the halves are
 * run again one after the other (in order, so each lead's steps still see the previous ones) until
 * the step that carries it fails on its own.
 */
async function runChunk(run: ChunkRun, indexes: number[]): Promise<void> {
	if (indexes.length === 0) return;
	const { model, version, now } = run;
	const chunk = indexes.map((index) => run.steps[index]);
	const leadIds = [...new Set(chunk.map((step) => step.leadId))];
	const eventIds = chunk.flatMap((step) => (step.eventId ? [{ leadId: step.leadId, eventId: step.eventId }] : []));
	let chunkResults: BatchResult[] = [];
	try {
		await run.store.updateLeads(run.scoreName, leadIds, eventIds, (snapshot) => {
			// Decided afresh on every attempt: nothing from a rolled-back attempt leaks out.
			chunkResults = [];
			const committedAt = now();
			const scoredAt = new Date(committedAt).toISOString();
			const states = new Map(snapshot.leads);
			const seen = new Map(snapshot.seenEvents);
			const write: LeadsWrite = { leads: new Map(), events: [], ledger: [] };
			for (const step of chunk) {
				const current = states.get(step.leadId);
				const event = { name: step.eventName, id: step.eventId ?? null };
				const key = step.eventId ? eventKey(step.leadId, step.eventId) : undefined;
				if (key !== undefined && seen.has(key)) {
					// A repeated id answers with its first outcome; one stored before outcomes were kept answers as unchanged.
					const first = seen.get(key);
					chunkResults.push({
						leadScore: first
							? replayOf(step.leadId, event, first)
							: {
									...toLeadScore(step.leadId, unchanged(model, step.leadId, current, step.time), event, scoredAt, version),
									duplicate: true,
								},
					});
					continue;
				}
				let change: ScoreChange;
				try {
					change = step.apply(current);
					checkChange(change);
				} catch (error) {
					chunkResults.push({ error: error as Error });
					continue;
				}
				change.state.modelVersion = version;
				// This change goes out in the item: it is what downstream holds now.
				delete change.state.reportedScore;
				states.set(step.leadId, change.state);
				write.leads.set(step.leadId, change.state);
				// Measured from the score last handed on, so a re-score's unreported move is reported here.
				const leadScore = toLeadScore(step.leadId, sinceHandedOn(model, current, change), event, scoredAt, version);
				let outcome: EventOutcome | undefined;
				if (key !== undefined) seen.set(key, (outcome = outcomeOf(leadScore)));
				write.events.push({
					eventId: step.eventId ?? null,
					leadId: step.leadId,
					name: step.eventName ?? '',
					time: step.time,
					payload: step.payload,
					...(outcome ? { outcome } : {}),
				});
				if (change.delta !== 0 || change.reasons.length > 0) {
					write.ledger.push(ledgerEntry(step.leadId, change, event, committedAt, version));
				}
				chunkResults.push({ leadScore });
			}
			return write;
		});
		indexes.forEach((index, position) => (run.results[index] = chunkResults[position]));
	} catch (error) {
		if (error instanceof StoreDataError && indexes.length > 1) {
			const half = Math.ceil(indexes.length / 2);
			await runChunk(run, indexes.slice(0, half));
			await runChunk(run, indexes.slice(half));
			return;
		}
		for (const index of indexes) run.results[index] = { error: error as Error };
	}
}

/** Scores events against the store: atomic per chunk, each event id counted once per lead. */
export async function scoreEvents(
	store: ScoreStore,
	model: ScoringModel,
	scoreName: string,
	events: EventInput[],
	options: ScoringOptions = {},
): Promise<BatchResult[]> {
	const keepData = options.keepEventData ?? true;
	const steps = events.map<Step>((event) => {
		const data = keepData ? keptEventData(event.data, model) : undefined;
		return {
			leadId: event.leadId,
			eventId: event.eventId,
			eventName: event.name,
			time: event.time,
			payload: keepData
				? ({ kind: 'event', data, hasProfile: event.hasProfile } satisfies ReplayPayload)
				: null,
			check: () => {
				if (keepData) checkData(data, "The event's data");
			},
			apply: (current) => applyEvent(model, current, event),
		};
	});
	return await runSteps(store, model, scoreName, steps, options.now ?? Date.now);
}

/** Adds or sets points by hand, with a reason that goes into the ledger. */
export async function adjustLeads(
	store: ScoreStore,
	model: ScoringModel,
	scoreName: string,
	adjustments: AdjustInput[],
	now: () => number = Date.now,
): Promise<BatchResult[]> {
	const steps = adjustments.map<Step>((adjustment) => ({
		leadId: adjustment.leadId,
		eventId:
			adjustment.adjustmentId === undefined
				? undefined
				: adjustmentEventId(adjustment.adjustmentId),
		eventName: 'adjust',
		time: adjustment.time,
		// Kept like an event, so a re-score under a new model keeps the operator's adjustments.
		payload: {
			kind: 'adjust',
			mode: adjustment.mode,
			points: adjustment.points,
			reason: adjustment.reason,
		} satisfies ReplayPayload,
		check: () => {
			checkPoints(adjustment.points, 'points', 'Points');
			checkText(adjustment.reason, 'reason', 'The reason');
		},
		apply: (current) => adjustScore(model, current, adjustment),
	}));
	return await runSteps(store, model, scoreName, steps, now);
}

/** The lead's state when the store is `none`: only the current score is known, as behaviour points. */
export function stateFromScore(model: ScoringModel, currentScore: number): LeadState {
	const state = initialState(model);
	return {
		...state,
		engagement: { points: currentScore, at: null, grants: [] },
		score: currentScore,
		tier: tierFor(currentScore, model.tiers),
	};
}

/** A result without a store: nothing is remembered, so there is no revision to order it by. */
function statelessLeadScore(
	model: ScoringModel,
	leadId: string,
	change: ScoreChange,
	event: { name: string | null; id: string | null },
	now: number,
): LeadScore {
	const leadScore = toLeadScore(
		leadId,
		change,
		event,
		new Date(now).toISOString(),
		modelVersion(model),
	);
	delete leadScore.revision;
	return leadScore;
}

/** Stateless scoring: the previous score comes from the item, nothing is remembered. */
export function scoreEventStateless(
	model: ScoringModel,
	event: EventInput,
	currentScore: number,
	now: number = Date.now(),
): LeadScore {
	const change = applyEvent(model, stateFromScore(model, currentScore), event);
	return statelessLeadScore(
		model,
		event.leadId,
		change,
		{ name: event.name, id: event.eventId ?? null },
		now,
	);
}

export function adjustStateless(
	model: ScoringModel,
	adjustment: AdjustInput,
	currentScore: number,
	now: number = Date.now(),
): LeadScore {
	const change = adjustScore(model, stateFromScore(model, currentScore), adjustment);
	const id =
		adjustment.adjustmentId === undefined ? null : adjustmentEventId(adjustment.adjustmentId);
	return statelessLeadScore(model, adjustment.leadId, change, { name: 'adjust', id }, now);
}

export interface SweepOptions {
	/** Leads read (and at most locked) per step. */
	pageSize?: number;
	now?: () => number;
	/** How scores go out, and how much they must move to go out; default every change, exactly. */
	reporting?: Reporting;
	/**
	 * Receives each page's leads to hand on once the page is committed; the sweep then keeps none,
	 * so its memory stays the same however many leads there are. Without it they are returned.
	 */
	onChanges?: (changes: LeadScore[]) => void;
	/** Told how many leads each page swept, e.g. for a summary. */
	onPage?: (leads: number) => void;
}

/** A pause between pages, so n8n answers webhooks while a long sweep runs (the embedded store is synchronous). */
export async function yieldToEventLoop(): Promise<void> {
	await new Promise((resolve) => setImmediate(resolve));
}

/** The decay change of a lead if it is worth handing on (see worthReporting), else undefined. */
function reportableDecay(
	model: ScoringModel,
	state: LeadState,
	asOf: number,
	reporting: Reporting,
): ScoreChange | undefined {
	const change = applyDecay(model, state, asOf);
	const before = state.reportedScore ?? state.score;
	if (change.tier !== state.tier || worthReporting(before, change.score, model.tiers, reporting))
		return change;
	return undefined;
}

/**
 * Sweeps every lead of a score in pages, bringing decay up to `asOf`, and returns the leads worth
 * handing on (their reported score moved by the minimum change, or their tier changed). Only those
 * are written, with a history row: decay is a function of time, so a lead left alone decays the
 * same from its stored state next time, and a sweep that changes nothing writes nothing. The page
 * is judged on what was read without a lock; the leads to write are locked and judged again.
 */
export async function sweepDecay(
	store: ScoreStore,
	model: ScoringModel,
	scoreName: string,
	asOf: number,
	options: SweepOptions = {},
): Promise<LeadScore[]> {
	const { pageSize = 250, now = Date.now, reporting = EXACT_REPORTING } = options;
	const version = modelVersion(model);
	const changed: LeadScore[] = [];
	let after: string | null = null;
	do {
		if (after !== null) await yieldToEventLoop();
		const page = await store.listLeads(scoreName, after, pageSize);
		after = page.next;
		options.onPage?.(page.leads.length);
		const leadIds = page.leads
			.filter((lead) => reportableDecay(model, lead.state, asOf, reporting) !== undefined)
			.map((lead) => lead.leadId);
		if (leadIds.length === 0) continue;
		await yieldToEventLoop();
		let pageChanges: LeadScore[] = [];
		await store.updateLeads(scoreName, leadIds, [], (snapshot) => {
			pageChanges = [];
			const committedAt = now();
			const scoredAt = new Date(committedAt).toISOString();
			const write: LeadsWrite = { leads: new Map(), events: [], ledger: [] };
			for (const [leadId, state] of snapshot.leads) {
				const change = reportableDecay(model, state, asOf, reporting);
				if (!change) continue;
				change.state.modelVersion = version;
				delete change.state.reportedScore;
				const event = { name: 'decay', id: null };
				write.leads.set(leadId, change.state);
				write.ledger.push(ledgerEntry(leadId, change, event, committedAt, version));
				// Measured from what was last handed on, so downstream sees the change it did not see yet.
				const handedOn = sinceHandedOn(model, state, change);
				pageChanges.push(
					asReported(toLeadScore(leadId, handedOn, event, scoredAt, version), model.tiers, reporting),
				);
			}
			return write;
		});
		if (options.onChanges) options.onChanges(pageChanges);
		else changed.push(...pageChanges);
	} while (after !== null);
	return changed;
}

export interface LeadScoreReading {
	leadId: string;
	found: boolean;
	score: number;
	storedScore: number;
	engagement: number;
	fit: number;
	tier: string;
	lastActivityAt: string | null;
	eventCount: number;
	history: Array<
		Omit<LedgerEntry, 'at' | 'recordedAt' | 'leadId'> & { at: string; recordedAt: string }
	>;
}

/** An ISO time from a stored one; a state written before times were checked may hold one a Date cannot show. */
function storedIsoTime(time: number, leadId: string): string {
	const date = new Date(time);
	if (Number.isNaN(date.getTime())) {
		throw new Error(
			`The stored score of lead "${leadId}" holds a time that is not a date (${time}); it was written before event times were checked. Re-score the leads or set the lead's score with Adjust Score.`,
		);
	}
	return date.toISOString();
}

/**
 * A lead's score as of `asOf` (decay applied, nothing written) and its latest ledger entries; a
 * lead whose stored state cannot be read gets an error of its own, the other leads their readings.
 */
export async function readScores(
	store: ScoreStore,
	model: ScoringModel,
	scoreName: string,
	leadIds: string[],
	asOf: number,
	historyLimit: number,
): Promise<Map<string, LeadScoreReading | Error>> {
	const records = await store.getLeads(scoreName, leadIds);
	const readings = new Map<string, LeadScoreReading | Error>();
	for (const leadId of new Set(leadIds)) {
		const record = records.get(leadId);
		const state = record?.state ?? initialState(model);
		const change = record ? applyDecay(model, state, asOf) : unchanged(model, leadId, state, asOf);
		const history =
			historyLimit > 0 && record ? await store.ledger(scoreName, leadId, historyLimit) : [];
		try {
			readings.set(leadId, {
				leadId,
				found: record !== undefined,
				score: change.score,
				storedScore: state.score,
				engagement: change.engagement,
				fit: change.fit,
				tier: change.tier,
				lastActivityAt:
					state.lastActivityAt === null ? null : storedIsoTime(state.lastActivityAt, leadId),
				eventCount: state.eventCount,
				history: history.map(({ at, recordedAt, ...entry }) => ({
					...omitLeadId(entry),
					at: storedIsoTime(at, leadId),
					recordedAt: storedIsoTime(recordedAt, leadId),
				})),
			});
		} catch (error) {
			readings.set(leadId, error as Error);
		}
	}
	return readings;
}

function omitLeadId<T extends { leadId: string }>(entry: T): Omit<T, 'leadId'> {
	const copy: Partial<T> = { ...entry };
	delete copy.leadId;
	return copy as Omit<T, 'leadId'>;
}
