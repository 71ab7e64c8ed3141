import { adjustScore, applyEvent, initialState } from './engine';
import type { StoredEvent } from './keptEvent';
import type { LeadState } from './leadState';
import type { ScoringModel } from './model';

/** What the store keeps of a scored event or a manual adjustment, so a model can be replayed over it. */
export type ReplayPayload =
	| { kind: 'event'; data: unknown; hasProfile: boolean }
	| { kind: 'adjust'; mode: 'add' | 'set'; points: number; reason: string };

export function isReplayPayload(payload: unknown): payload is ReplayPayload {
	const kind = (payload as { kind?: unknown } | null)?.kind;
	return kind === 'event' || kind === 'adjust';
}

/**
 * A lead's state rebuilt from its kept events, applied in the order they were committed (as
 * live scoring applied them, late arrivals included), on top of `from` (the baseline its forgotten
 * events left, or an empty lead); null when an event was kept without its data.
 */
export function replayLead(
	model: ScoringModel,
	events: StoredEvent[],
	from: LeadState = initialState(model),
): LeadState | null {
	let state = from;
	for (const event of [...events].sort((a, b) => a.seq - b.seq)) {
		const payload = event.payload;
		if (!isReplayPayload(payload)) return null;
		state =
			payload.kind === 'event'
				? applyEvent(model, state, {
						name: event.name,
						time: event.time,
						data: payload.data,
						hasProfile: payload.hasProfile,
					}).state
				: adjustScore(model, state, {
						mode: payload.mode,
						points: payload.points,
						reason: payload.reason,
						time: event.time,
					}).state;
	}
	return state;
}
