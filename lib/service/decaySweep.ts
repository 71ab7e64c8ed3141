import { applyDecay, type ScoreChange } from '../scoring/engine';
import type { LeadState } from '../scoring/leadState';
import { sinceHandedOn, toLeadScore, type LeadScore } from '../scoring/leadScore';
import type { ScoringModel } from '../scoring/model';
import { modelVersion } from '../scoring/modelVersion';
import { asReported, EXACT_REPORTING, worthReporting, type Reporting } from '../scoring/reporting';
import type { LeadsWrite, ScoreStore } from '../store/scoreStore';
import { ledgerEntry } from './ledgerEntry';
import { yieldToEventLoop } from '../store/pages';
import { pacedSweep } from './pages';

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
	await pacedSweep(store, async (pace) => {
		do {
			if (after !== null) await pace();
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
						asReported(
							toLeadScore(leadId, handedOn, event, scoredAt, version),
							model.tiers,
							reporting,
						),
					);
				}
				return write;
			});
			if (options.onChanges) options.onChanges(pageChanges);
			else changed.push(...pageChanges);
		} while (after !== null);
	});
	return changed;
}
