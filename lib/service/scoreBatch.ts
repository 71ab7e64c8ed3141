import { done, failed, type Outcome } from '../outcome';
import { adjustScore, applyEvent, type ScoreChange } from '../scoring/engine';
import { keptEventData, type EventOutcome } from '../scoring/keptEvent';
import type { LeadState } from '../scoring/leadState';
import {
	adjustmentEventId,
	outcomeOf,
	replayOf,
	sinceHandedOn,
	toLeadScore,
	unchangedScore,
	type AdjustInput,
	type EventInput,
	type LeadScore,
} from '../scoring/leadScore';
import {
	checkData,
	checkId,
	checkPoints,
	checkText,
	checkTime,
	MAX_POINTS,
} from '../scoring/limits';
import type { ScoringModel } from '../scoring/model';
import { modelVersion } from '../scoring/modelVersion';
import type { ReplayPayload } from '../scoring/replay';
import { eventKey, StoreDataError, type LeadsWrite, type ScoreStore } from '../store/scoreStore';
import { ledgerEntry } from './ledgerEntry';
import { yieldToEventLoop } from '../store/pages';

export interface ScoringOptions {
	/** Keep each event's data for replays (re-score, backtest); false keeps ids only. Default true. */
	keepEventData?: boolean;
	now?: () => number;
}

// One transaction per chunk. Its cost is mostly per lead (read, rewrite, index pages) rather than
// per event, so a chunk should hold each busy lead's events together; about a second of write lock
// at this size, after which other executions get their turn (see runSteps).
export const CHUNK_SIZE = 25_000;

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
): Promise<Array<Outcome<LeadScore>>> {
	const results: Array<Outcome<LeadScore>> = new Array(steps.length);
	try {
		checkId(scoreName, 'scoreName', 'The score name');
	} catch (error) {
		return steps.map(() => failed(error as Error));
	}
	const run: ChunkRun = {
		store,
		model,
		scoreName,
		steps,
		results,
		now,
		version: modelVersion(model),
	};
	for (let start = 0; start < steps.length; start += CHUNK_SIZE) {
		// The embedded store works synchronously: let n8n serve other executions (webhooks) between chunks.
		if (start > 0) await yieldToEventLoop();
		const storable: number[] = [];
		for (let index = start; index < Math.min(start + CHUNK_SIZE, steps.length); index++) {
			try {
				checkStep(steps[index]);
				storable.push(index);
			} catch (error) {
				results[index] = failed(error as Error);
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
	results: Array<Outcome<LeadScore>>;
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
	const eventIds = chunk.flatMap((step) =>
		step.eventId ? [{ leadId: step.leadId, eventId: step.eventId }] : [],
	);
	let chunkResults: Array<Outcome<LeadScore>> = [];
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
					chunkResults.push(
						done(
							first
								? replayOf(step.leadId, event, first)
								: {
										...toLeadScore(
											step.leadId,
											unchangedScore(model, step.leadId, current, step.time),
											event,
											scoredAt,
											version,
										),
										duplicate: true,
									},
						),
					);
					continue;
				}
				let change: ScoreChange;
				try {
					change = step.apply(current);
					checkChange(change);
				} catch (error) {
					chunkResults.push(failed(error as Error));
					continue;
				}
				change.state.modelVersion = version;
				// This change goes out in the item: it is what downstream holds now.
				delete change.state.reportedScore;
				states.set(step.leadId, change.state);
				write.leads.set(step.leadId, change.state);
				// Measured from the score last handed on, so a re-score's unreported move is reported here.
				const leadScore = toLeadScore(
					step.leadId,
					sinceHandedOn(model, current, change),
					event,
					scoredAt,
					version,
				);
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
				chunkResults.push(done(leadScore));
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
		for (const index of indexes) run.results[index] = failed(error as Error);
	}
}

/** Scores events against the store: atomic per chunk, each event id counted once per lead. */
export async function scoreEvents(
	store: ScoreStore,
	model: ScoringModel,
	scoreName: string,
	events: EventInput[],
	options: ScoringOptions = {},
): Promise<Array<Outcome<LeadScore>>> {
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
): Promise<Array<Outcome<LeadScore>>> {
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
