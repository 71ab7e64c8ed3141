import type { ThresholdState } from '../scoring/crossing';
import type { EventOutcome, StoredEvent } from '../scoring/keptEvent';
import { keysetPage } from './pages';
import {
	eventKey,
	type Baseline,
	type LeadCursor,
	type LeadFilter,
	type LeadQueryPage,
	type LeadSort,
	type LedgerPage,
	type ScoreSummary,
	type StoredLedgerEntry,
	type SummaryQuery,
	type LeadEventId,
	type LeadRecord,
	type LedgerEntry,
	type LeadsSnapshot,
	type LeadsWrite,
	type ListLeadsPage,
	type RescoreItemsPage,
	type RescorePage,
	type RescoreProgress,
	type ScoreStore,
	type StoredModel,
	type StoredEventsPage,
} from './scoreStore';
import {
	bucketOf,
	compareLeads,
	cursorOf,
	dayOf,
	matchesFilter,
	summaryFrom,
	summaryOf,
	tierChanged,
	withoutId,
} from './viewQueries';

/** Names one lead of a score in the ledger and baseline maps (the score name prefix lets a score's entries be found). */
function leadKey(scoreName: string, leadId: string): string {
	return `${scoreName}\u0000${leadId}`;
}

/** Keeps everything in this process's memory: the speed ceiling for benchmarks, and a reference for tests. */
export class MemoryStore implements ScoreStore {
	private readonly leads = new Map<string, Map<string, LeadRecord>>();
	private readonly events = new Map<string, StoredEvent[]>();
	/** Per score name: counted event ids by `eventKey`, with their outcome. */
	private readonly eventIds = new Map<string, Map<string, EventOutcome | null>>();
	private seq = 0;
	private readonly ledgers = new Map<string, StoredLedgerEntry[]>();
	private ledgerSeq = 0;
	private readonly thresholds = new Map<string, Map<string, ThresholdState>>();
	private readonly baselines = new Map<string, Baseline>();
	private readonly models = new Map<string, StoredModel>();
	/** Per score name: the Re-Score in progress and the items of its committed pages, by lead id. */
	private readonly rescores = new Map<
		string,
		{ progress: RescoreProgress; items: Map<string, unknown> }
	>();

	private leadsOf(scoreName: string): Map<string, LeadRecord> {
		let leads = this.leads.get(scoreName);
		if (!leads) this.leads.set(scoreName, (leads = new Map()));
		return leads;
	}

	private eventsOf(scoreName: string): StoredEvent[] {
		let events = this.events.get(scoreName);
		if (!events) this.events.set(scoreName, (events = []));
		return events;
	}

	private eventIdsOf(scoreName: string): Map<string, EventOutcome | null> {
		let ids = this.eventIds.get(scoreName);
		if (!ids) this.eventIds.set(scoreName, (ids = new Map()));
		return ids;
	}

	async updateLeads(
		scoreName: string,
		leadIds: string[],
		eventIds: LeadEventId[],
		decide: (snapshot: LeadsSnapshot) => LeadsWrite,
		options: { withEvents?: boolean } = {},
	): Promise<void> {
		const leads = this.leadsOf(scoreName);
		const events = this.eventsOf(scoreName);
		const ids = this.eventIdsOf(scoreName);
		const snapshot: LeadsSnapshot = { leads: new Map(), seenEvents: new Map() };
		for (const leadId of leadIds) {
			const record = leads.get(leadId);
			if (record) snapshot.leads.set(leadId, record.state);
		}
		for (const { leadId, eventId } of eventIds) {
			const key = eventKey(leadId, eventId);
			if (ids.has(key)) snapshot.seenEvents.set(key, structuredClone(ids.get(key)!));
		}
		if (options.withEvents) {
			const wanted = new Set(leadIds);
			snapshot.events = new Map(leadIds.map((leadId) => [leadId, []]));
			for (const event of events)
				if (wanted.has(event.leadId))
					snapshot.events.get(event.leadId)!.push(structuredClone(event));
			for (const list of snapshot.events.values())
				list.sort((a, b) => a.time - b.time || a.seq - b.seq);
			snapshot.baselines = new Map();
			for (const leadId of leadIds) {
				const baseline = this.baselines.get(leadKey(scoreName, leadId));
				if (baseline) snapshot.baselines.set(leadId, structuredClone(baseline));
			}
		}
		const write = decide(snapshot);
		const now = Date.now();
		for (const [leadId, state] of write.leads) leads.set(leadId, { leadId, state, updatedAt: now });
		for (const { outcome, ...event } of write.events) {
			if (event.eventId !== null) {
				const key = eventKey(event.leadId, event.eventId);
				if (ids.has(key)) continue;
				ids.set(key, outcome ? structuredClone(outcome) : null);
			}
			events.push({ ...structuredClone(event), seq: ++this.seq, receivedAt: now });
		}
		for (const entry of write.ledger) {
			const key = leadKey(scoreName, entry.leadId);
			const entries = this.ledgers.get(key) ?? [];
			entries.push({ ...entry, id: ++this.ledgerSeq });
			this.ledgers.set(key, entries);
		}
		for (const [leadId, baseline] of write.baselines ?? []) {
			if (leads.has(leadId))
				this.baselines.set(leadKey(scoreName, leadId), structuredClone(baseline));
		}
		if (write.forgetEvents) {
			const { beforeSeq } = write.forgetEvents;
			const forgotten = new Set(write.forgetEvents.leadIds);
			const isForgotten = (event: StoredEvent) =>
				event.seq < beforeSeq && forgotten.has(event.leadId);
			for (const event of events)
				if (isForgotten(event) && event.eventId !== null)
					ids.delete(eventKey(event.leadId, event.eventId));
			this.events.set(
				scoreName,
				events.filter((event) => !isForgotten(event)),
			);
		}
		if (write.rescore) this.recordRescorePage(scoreName, write.rescore);
	}

	private recordRescorePage(scoreName: string, page: RescorePage): void {
		const kept = this.rescores.get(scoreName);
		// A run under another model starts over: the stopped run's items are not this run's.
		const items =
			kept?.progress.modelVersion === page.progress.modelVersion ? kept.items : new Map();
		for (const [leadId, item] of page.items) items.set(leadId, structuredClone(item));
		this.rescores.set(scoreName, { progress: { ...page.progress }, items });
	}

	async getLeads(scoreName: string, leadIds: string[]): Promise<Map<string, LeadRecord>> {
		const leads = this.leadsOf(scoreName);
		const found = new Map<string, LeadRecord>();
		for (const leadId of leadIds) {
			const record = leads.get(leadId);
			if (record) found.set(leadId, record);
		}
		return found;
	}

	async listLeads(scoreName: string, after: string | null, limit: number): Promise<ListLeadsPage> {
		const ids = [...this.leadsOf(scoreName).keys()]
			.filter((id) => after === null || id > after)
			.sort();
		const { page, next } = keysetPage(ids, limit, (id) => id);
		const leads = this.leadsOf(scoreName);
		return { leads: page.map((id) => leads.get(id)!), next };
	}

	async ledger(scoreName: string, leadId: string, limit: number): Promise<LedgerEntry[]> {
		return this.ledgerOf(scoreName, leadId)
			.slice(-Math.max(limit, 1))
			.reverse()
			.slice(0, limit)
			.map(withoutId);
	}

	private ledgerOf(scoreName: string, leadId: string): StoredLedgerEntry[] {
		return this.ledgers.get(leadKey(scoreName, leadId)) ?? [];
	}

	async queryLeads(
		scoreName: string,
		filter: LeadFilter,
		sort: LeadSort,
		after: LeadCursor | null,
		limit: number,
	): Promise<LeadQueryPage> {
		const compare = compareLeads(sort);
		const start = after && {
			leadId: after.leadId,
			updatedAt: after.value,
			state: { score: after.value },
		};
		const matching = [...this.leadsOf(scoreName).values()]
			.filter((record) => matchesFilter(record, filter))
			.filter((record) => !start || compare(record, start as LeadRecord) > 0)
			.sort(compare);
		const page = matching.slice(0, limit);
		return {
			leads: page.map(summaryOf),
			next: matching.length > limit ? cursorOf(sort, page[page.length - 1]) : null,
		};
	}

	async ledgerAsOf(
		scoreName: string,
		leadId: string,
		asOf: number,
	): Promise<StoredLedgerEntry | null> {
		const kept = this.ledgerOf(scoreName, leadId).filter((entry) => entry.recordedAt <= asOf);
		return kept[kept.length - 1] ?? null;
	}

	async ledgerBetween(
		scoreName: string,
		leadId: string,
		range: { from: number; to: number },
		after: number | null,
		limit: number,
	): Promise<LedgerPage> {
		const matching = this.ledgerOf(scoreName, leadId).filter(
			(entry) =>
				entry.id > (after ?? 0) && entry.recordedAt >= range.from && entry.recordedAt <= range.to,
		);
		const { page, next } = keysetPage(matching, limit, (entry) => entry.id);
		return { entries: page, next };
	}

	async summarize(scoreName: string, query: SummaryQuery): Promise<ScoreSummary> {
		const leads = [...this.leadsOf(scoreName).values()];
		const count = <K>(keys: K[]) => {
			const counts = new Map<K, number>();
			for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
			return counts;
		};
		const inRange = (day: number) => day >= 0 && day < query.days;
		const changes = new Map<
			number,
			{ day: number; changes: number; crossings: number; tier_changes: number }
		>();
		for (const [key, entries] of this.ledgers) {
			if (!key.startsWith(`${scoreName}\u0000`)) continue;
			for (const entry of entries) {
				const day = dayOf(entry.recordedAt, query.since);
				if (!inRange(day)) continue;
				const row = changes.get(day) ?? { day, changes: 0, crossings: 0, tier_changes: 0 };
				row.changes++;
				if (entry.previousScore < query.threshold && entry.score >= query.threshold)
					row.crossings++;
				if (tierChanged(entry.previousScore, entry.score, query.tierBoundaries)) row.tier_changes++;
				changes.set(day, row);
			}
		}
		const eventDays = this.eventsOf(scoreName)
			.map((event) => dayOf(event.receivedAt, query.since))
			.filter(inRange);
		const top = [...leads].sort(compareLeads('scoreDesc')).slice(0, query.top);
		return summaryFrom(
			{
				tiers: [...count(leads.map((lead) => lead.state.tier))].map(([tier, n]) => ({
					tier,
					count: n,
				})),
				distribution: [
					...count(leads.map((lead) => bucketOf(lead.state.score, query.buckets))),
				].map(([bucket, n]) => ({ bucket, count: n })),
				changes: [...changes.values()],
				events: [...count(eventDays)].map(([day, n]) => ({ day, events: n })),
				top: top.map((lead) => ({
					lead_id: lead.leadId,
					score: lead.state.score,
					tier: lead.state.tier,
					updated_at: lead.updatedAt,
					reasons: this.ledgerOf(scoreName, lead.leadId).at(-1)?.reasons ?? [],
				})),
				modelVersions: [...count(leads.map((lead) => lead.state.modelVersion ?? null))].map(
					([version, n]) => ({ version, count: n }),
				),
			},
			query,
		);
	}

	async listEvents(
		scoreName: string,
		range: { from: number; to: number },
		after: number | null,
		limit: number,
	): Promise<StoredEventsPage> {
		const matching = this.eventsOf(scoreName).filter(
			(event) => event.seq > (after ?? 0) && event.time >= range.from && event.time <= range.to,
		);
		const { page, next } = keysetPage(matching, limit, (event) => event.seq);
		return { events: page, next };
	}

	async updateThresholdStates(
		thresholdKey: string,
		leadIds: string[],
		decide: (states: Map<string, ThresholdState>) => Map<string, ThresholdState>,
	): Promise<void> {
		let states = this.thresholds.get(thresholdKey);
		if (!states) this.thresholds.set(thresholdKey, (states = new Map()));
		const current = new Map<string, ThresholdState>();
		for (const leadId of leadIds) {
			const state = states.get(leadId);
			if (state) current.set(leadId, state);
		}
		for (const [leadId, state] of decide(current)) states.set(leadId, state);
	}

	async useModel(scoreName: string, model: StoredModel): Promise<string | null> {
		const current = this.models.get(scoreName);
		if (current?.version === model.version) return null;
		this.models.set(scoreName, {
			...model,
			usedAt: Math.max(model.usedAt, (current?.usedAt ?? 0) + 1),
		});
		return current?.version ?? null;
	}

	async currentModel(scoreName: string): Promise<StoredModel | undefined> {
		return this.models.get(scoreName);
	}

	async firstEventSeqFrom(receivedAt: number): Promise<number> {
		let first = this.seq + 1;
		for (const events of this.events.values())
			for (const event of events)
				if (event.receivedAt >= receivedAt && event.seq < first) first = event.seq;
		return first;
	}

	async eventLeadsBetween(
		scoreName: string,
		seqs: { after: number; before: number },
		limit: number,
	): Promise<Array<{ seq: number; leadId: string }>> {
		return this.eventsOf(scoreName)
			.filter((event) => event.seq > seqs.after && event.seq < seqs.before)
			.sort((a, b) => a.seq - b.seq)
			.slice(0, limit)
			.map((event) => ({ seq: event.seq, leadId: event.leadId }));
	}

	async forgetLedger(scoreName: string, recordedBefore: number): Promise<void> {
		for (const [key, entries] of this.ledgers) {
			if (!key.startsWith(`${scoreName}\u0000`)) continue;
			this.ledgers.set(
				key,
				entries.filter((entry) => entry.recordedAt >= recordedBefore),
			);
		}
	}

	async rescoreProgress(scoreName: string): Promise<RescoreProgress | undefined> {
		const progress = this.rescores.get(scoreName)?.progress;
		return progress && { ...progress };
	}

	async rescoreItems(
		scoreName: string,
		after: string | null,
		limit: number,
	): Promise<RescoreItemsPage> {
		const items = [...(this.rescores.get(scoreName)?.items ?? [])]
			.filter(([leadId]) => after === null || leadId > after)
			.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
		const { page, next } = keysetPage(items, limit, ([leadId]) => leadId);
		return { items: page.map(([leadId, item]) => ({ leadId, item: structuredClone(item) })), next };
	}

	async endRescore(scoreName: string): Promise<void> {
		this.rescores.delete(scoreName);
	}

	async close(): Promise<void> {}
}
