import type { LedgerEntry, LeadsWrite, ScoreStore } from '../store/scoreStore';
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
import type { LeadState } from './leadState';
import type { ScoringModel } from './model';
import { modelVersion } from './modelVersion';
import type { ReplayPayload } from './replay';
import { tierFor } from './tiers';

/** The `leadScore` object Score Event adds to an item (DESIGN.md contract). */
export interface LeadScore extends Omit<ScoreChange, 'state'> {
	leadId: string;
	event: string | null;
	eventId: string | null;
	duplicate: boolean;
	scoredAt: string;
	/** The version of the model that computed this score. */
	modelVersion: string;
	/** The lead's state revision after this change (see LeadState); none without a store. */
	revision?: number;
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
		scoredAt,
		modelVersion: version,
		revision: change.state.revision ?? 0,
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
	/** Recorded as a counted event (scoring does; manual adjustments do not). */
	payload?: unknown;
	apply: (current: LeadState | undefined) => ScoreChange;
}

/** Runs steps in order, each lead's steps seeing the previous ones, in atomic chunks. */
async function runSteps(
	store: ScoreStore,
	model: ScoringModel,
	scoreName: string,
	steps: Step[],
	now: () => number,
): Promise<BatchResult[]> {
	const version = modelVersion(model);
	const results: BatchResult[] = [];
	for (let start = 0; start < steps.length; start += CHUNK_SIZE) {
		// The embedded store works synchronously: let n8n serve other executions (webhooks) between chunks.
		if (start > 0) await new Promise((resolve) => setImmediate(resolve));
		const chunk = steps.slice(start, start + CHUNK_SIZE);
		const leadIds = [...new Set(chunk.map((step) => step.leadId))];
		const eventIds = [...new Set(chunk.flatMap((step) => (step.eventId ? [step.eventId] : [])))];
		let chunkResults: LeadScore[] = [];
		try {
			await store.updateLeads(scoreName, leadIds, eventIds, (snapshot) => {
				// Decided afresh on every attempt: nothing from a rolled-back attempt leaks out.
				chunkResults = [];
				const committedAt = now();
				const scoredAt = new Date(committedAt).toISOString();
				const states = new Map(snapshot.leads);
				const seen = new Set(snapshot.seenEventIds);
				const write: LeadsWrite = { leads: new Map(), events: [], ledger: [] };
				for (const step of chunk) {
					const current = states.get(step.leadId);
					const event = { name: step.eventName, id: step.eventId ?? null };
					if (step.eventId && seen.has(step.eventId)) {
						chunkResults.push({
							...toLeadScore(
								step.leadId,
								unchanged(model, step.leadId, current, step.time),
								event,
								scoredAt,
								version,
							),
							duplicate: true,
						});
						continue;
					}
					const change = step.apply(current);
					change.state.modelVersion = version;
					states.set(step.leadId, change.state);
					write.leads.set(step.leadId, change.state);
					if (step.eventId) seen.add(step.eventId);
					if (step.payload !== undefined) {
						write.events.push({
							eventId: step.eventId ?? null,
							leadId: step.leadId,
							name: step.eventName ?? '',
							time: step.time,
							payload: step.payload,
						});
					}
					if (change.delta !== 0 || change.reasons.length > 0) {
						write.ledger.push(ledgerEntry(step.leadId, change, event, committedAt, version));
					}
					chunkResults.push(toLeadScore(step.leadId, change, event, scoredAt, version));
				}
				return write;
			});
			for (const leadScore of chunkResults) results.push({ leadScore });
		} catch (error) {
			for (let i = 0; i < chunk.length; i++) results.push({ error: error as Error });
		}
	}
	return results;
}

/** Scores events against the store: atomic per chunk, each event id counted once. */
export async function scoreEvents(
	store: ScoreStore,
	model: ScoringModel,
	scoreName: string,
	events: EventInput[],
	options: ScoringOptions = {},
): Promise<BatchResult[]> {
	const keepData = options.keepEventData ?? true;
	const steps = events.map<Step>((event) => ({
		leadId: event.leadId,
		eventId: event.eventId,
		eventName: event.name,
		time: event.time,
		payload: keepData
			? ({ kind: 'event', data: event.data, hasProfile: event.hasProfile } satisfies ReplayPayload)
			: null,
		apply: (current) => applyEvent(model, current, event),
	}));
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
		eventName: 'adjust',
		time: adjustment.time,
		// Kept like an event, so a re-score under a new model keeps the operator's adjustments.
		payload: {
			kind: 'adjust',
			mode: adjustment.mode,
			points: adjustment.points,
			reason: adjustment.reason,
		} satisfies ReplayPayload,
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
	return statelessLeadScore(model, adjustment.leadId, change, { name: 'adjust', id: null }, now);
}

/**
 * Sweeps every lead of a score in pages, bringing decay up to `asOf`, and returns the leads
 * whose score or tier changed. Each page is one atomic update, re-read under lock.
 */
export async function sweepDecay(
	store: ScoreStore,
	model: ScoringModel,
	scoreName: string,
	asOf: number,
	pageSize = 1000,
	now: () => number = Date.now,
	/** Told how many leads each page swept, e.g. for a summary. */
	onPage?: (leads: number) => void,
): Promise<LeadScore[]> {
	const version = modelVersion(model);
	const changed: LeadScore[] = [];
	let after: string | null = null;
	do {
		const page = await store.listLeads(scoreName, after, pageSize);
		after = page.next;
		onPage?.(page.leads.length);
		const leadIds = page.leads.map((lead) => lead.leadId);
		let pageChanges: LeadScore[] = [];
		await store.updateLeads(scoreName, leadIds, [], (snapshot) => {
			pageChanges = [];
			const committedAt = now();
			const scoredAt = new Date(committedAt).toISOString();
			const write: LeadsWrite = { leads: new Map(), events: [], ledger: [] };
			for (const [leadId, state] of snapshot.leads) {
				const change = applyDecay(model, state, asOf);
				if (change.score === state.score && change.tier === state.tier) continue;
				change.state.modelVersion = version;
				const event = { name: 'decay', id: null };
				write.leads.set(leadId, change.state);
				write.ledger.push(ledgerEntry(leadId, change, event, committedAt, version));
				pageChanges.push(toLeadScore(leadId, change, event, scoredAt, version));
			}
			return write;
		});
		changed.push(...pageChanges);
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

/** A lead's score as of `asOf` (decay applied, nothing written) and its latest ledger entries. */
export async function readScores(
	store: ScoreStore,
	model: ScoringModel,
	scoreName: string,
	leadIds: string[],
	asOf: number,
	historyLimit: number,
): Promise<Map<string, LeadScoreReading>> {
	const records = await store.getLeads(scoreName, leadIds);
	const readings = new Map<string, LeadScoreReading>();
	for (const leadId of new Set(leadIds)) {
		const record = records.get(leadId);
		const state = record?.state ?? initialState(model);
		const change = record ? applyDecay(model, state, asOf) : unchanged(model, leadId, state, asOf);
		const history =
			historyLimit > 0 && record ? await store.ledger(scoreName, leadId, historyLimit) : [];
		readings.set(leadId, {
			leadId,
			found: record !== undefined,
			score: change.score,
			storedScore: state.score,
			engagement: change.engagement,
			fit: change.fit,
			tier: change.tier,
			lastActivityAt:
				state.lastActivityAt === null ? null : new Date(state.lastActivityAt).toISOString(),
			eventCount: state.eventCount,
			history: history.map(({ at, recordedAt, ...entry }) => ({
				...omitLeadId(entry),
				at: new Date(at).toISOString(),
				recordedAt: new Date(recordedAt).toISOString(),
			})),
		});
	}
	return readings;
}

function omitLeadId<T extends { leadId: string }>(entry: T): Omit<T, 'leadId'> {
	const copy: Partial<T> = { ...entry };
	delete copy.leadId;
	return copy as Omit<T, 'leadId'>;
}
