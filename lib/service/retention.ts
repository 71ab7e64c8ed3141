import { DAY_MS } from '../scoring/decay';
import { InputError } from '../scoring/inputs';
import type { StoredEvent } from '../scoring/keptEvent';
import type { ScoringModel } from '../scoring/model';
import { replayLead } from '../scoring/replay';
import type { Baseline, LeadsWrite, ScoreStore } from '../store/scoreStore';
import { yieldToEventLoop } from '../store/pages';

/** How long one score keeps its counted events (ids and data) and its ledger, in whole days. */
export interface Retention {
	eventDays: number;
	ledgerDays: number;
}

/** A retention option as an operator set it: empty means the default, anything else must be whole days, 1 or more. */
export function retentionDays(
	value: unknown,
	fallback: number,
	field: string,
	label: string,
): number {
	if (value === undefined || value === null || value === '') return fallback;
	if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
		throw new InputError(
			field,
			`${label} must be a whole number of days, 1 or more; got ${typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value))}. Nothing was scored or deleted.`,
		);
	}
	return value;
}

/** A lead's baseline after `forgotten` (its oldest kept events, in commit order) are folded into it. */
function foldBaseline(
	model: ScoringModel,
	baseline: Baseline | undefined,
	forgotten: StoredEvent[],
): Baseline {
	const events = (baseline?.events ?? 0) + forgotten.length;
	if (baseline?.state === null) return { state: null, events };
	try {
		return { state: replayLead(model, forgotten, baseline?.state), events };
	} catch {
		// Data the model cannot replay still has to go after its retention; Re-Score then skips the lead.
		return { state: null, events };
	}
}

/**
 * Forgets one score's events and ledger entries past their retention; the other scores of the
 * store keep theirs. A lead's forgotten events are folded into its baseline under `model` in the
 * same atomic step that deletes them, so a re-score replays its kept events on top of what the
 * forgotten ones gave, never as if they had been its whole history.
 */
export async function forgetOldHistory(
	store: ScoreStore,
	model: ScoringModel,
	scoreName: string,
	retention: Retention,
	now: number,
	pageSize = 500,
): Promise<void> {
	const beforeSeq = await store.firstEventSeqFrom(now - retention.eventDays * DAY_MS);
	let after = 0;
	for (;;) {
		const page = await store.eventLeadsBetween(scoreName, { after, before: beforeSeq }, pageSize);
		if (page.length === 0) break;
		after = page[page.length - 1].seq;
		// Every event of the score up to `after` belongs to these leads: the step forgets all of them.
		const leadIds = [...new Set(page.map((event) => event.leadId))];
		await store.updateLeads(
			scoreName,
			leadIds,
			[],
			(snapshot) => {
				const write: LeadsWrite = {
					leads: new Map(),
					events: [],
					ledger: [],
					baselines: new Map(),
					forgetEvents: { leadIds, beforeSeq },
				};
				for (const leadId of leadIds) {
					const forgotten = (snapshot.events?.get(leadId) ?? [])
						.filter((event) => event.seq < beforeSeq)
						.sort((a, b) => a.seq - b.seq);
					if (!snapshot.leads.has(leadId) || forgotten.length === 0) continue;
					write.baselines!.set(
						leadId,
						foldBaseline(model, snapshot.baselines?.get(leadId), forgotten),
					);
				}
				return write;
			},
			{ withEvents: true },
		);
		// The embedded store works synchronously: let n8n serve other executions between pages.
		await yieldToEventLoop();
	}
	await store.forgetLedger(scoreName, now - retention.ledgerDays * DAY_MS);
}

const lastPruned = new WeakMap<ScoreStore, Map<string, number>>();
const PRUNE_EVERY_MS = 3_600_000;

/**
 * Forgets a score's events and ledger entries past their retention, at most once an hour per store
 * and score name; other score names keep theirs (see forgetOldHistory).
 */
export async function pruneIfDue(
	store: ScoreStore,
	model: ScoringModel,
	scoreName: string,
	retention: Retention,
	now = Date.now(),
): Promise<void> {
	let scores = lastPruned.get(store);
	if (!scores) lastPruned.set(store, (scores = new Map()));
	if (now - (scores.get(scoreName) ?? 0) < PRUNE_EVERY_MS) return;
	scores.set(scoreName, now);
	await forgetOldHistory(store, model, scoreName, retention, now);
}
