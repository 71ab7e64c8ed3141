import type {
	LeadRecord,
	LedgerEntry,
	LeadsSnapshot,
	LeadsWrite,
	ListLeadsPage,
	ScoreStore,
	StoredEvent,
	StoredModel,
	StoredEventsPage,
	ThresholdState,
} from './scoreStore';

/** Keeps everything in this process's memory: the speed ceiling for benchmarks, and a reference for tests. */
export class MemoryStore implements ScoreStore {
	private readonly leads = new Map<string, Map<string, LeadRecord>>();
	private readonly events = new Map<string, StoredEvent[]>();
	private readonly eventIds = new Map<string, Set<string>>();
	private seq = 0;
	private readonly ledgers = new Map<string, LedgerEntry[]>();
	private readonly thresholds = new Map<string, Map<string, ThresholdState>>();
	private readonly models = new Map<string, StoredModel>();

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

	private eventIdsOf(scoreName: string): Set<string> {
		let ids = this.eventIds.get(scoreName);
		if (!ids) this.eventIds.set(scoreName, (ids = new Set()));
		return ids;
	}

	async updateLeads(
		scoreName: string,
		leadIds: string[],
		eventIds: string[],
		decide: (snapshot: LeadsSnapshot) => LeadsWrite,
		options: { withEvents?: boolean } = {},
	): Promise<void> {
		const leads = this.leadsOf(scoreName);
		const events = this.eventsOf(scoreName);
		const ids = this.eventIdsOf(scoreName);
		const snapshot: LeadsSnapshot = { leads: new Map(), seenEventIds: new Set() };
		for (const leadId of leadIds) {
			const record = leads.get(leadId);
			if (record) snapshot.leads.set(leadId, record.state);
		}
		for (const eventId of eventIds) if (ids.has(eventId)) snapshot.seenEventIds.add(eventId);
		if (options.withEvents) {
			const wanted = new Set(leadIds);
			snapshot.events = new Map(leadIds.map((leadId) => [leadId, []]));
			for (const event of events)
				if (wanted.has(event.leadId))
					snapshot.events.get(event.leadId)!.push(structuredClone(event));
			for (const list of snapshot.events.values())
				list.sort((a, b) => a.time - b.time || a.seq - b.seq);
		}
		const write = decide(snapshot);
		const now = Date.now();
		for (const [leadId, state] of write.leads) leads.set(leadId, { leadId, state, updatedAt: now });
		for (const event of write.events) {
			if (event.eventId !== null) {
				if (ids.has(event.eventId)) continue;
				ids.add(event.eventId);
			}
			events.push({ ...structuredClone(event), seq: ++this.seq, receivedAt: now });
		}
		for (const entry of write.ledger) {
			const key = `${scoreName}\u0000${entry.leadId}`;
			const entries = this.ledgers.get(key) ?? [];
			entries.push(entry);
			this.ledgers.set(key, entries);
		}
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
		const page = ids.slice(0, limit);
		const leads = this.leadsOf(scoreName);
		return {
			leads: page.map((id) => leads.get(id)!),
			next: ids.length > limit ? page[page.length - 1] : null,
		};
	}

	async ledger(scoreName: string, leadId: string, limit: number): Promise<LedgerEntry[]> {
		return [...(this.ledgers.get(`${scoreName}\u0000${leadId}`) ?? [])].reverse().slice(0, limit);
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
		const events = matching.slice(0, limit);
		return { events, next: matching.length > limit ? events[events.length - 1].seq : null };
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
		this.models.set(scoreName, { ...model, usedAt: Math.max(model.usedAt, (current?.usedAt ?? 0) + 1) });
		return current?.version ?? null;
	}

	async currentModel(scoreName: string): Promise<StoredModel | undefined> {
		return this.models.get(scoreName);
	}

	async prune(olderThan: { events: number; ledger: number }): Promise<void> {
		for (const [scoreName, events] of this.events) {
			const ids = this.eventIdsOf(scoreName);
			for (const event of events)
				if (event.receivedAt < olderThan.events && event.eventId !== null)
					ids.delete(event.eventId);
			this.events.set(
				scoreName,
				events.filter((event) => event.receivedAt >= olderThan.events),
			);
		}
		for (const [key, entries] of this.ledgers) {
			this.ledgers.set(
				key,
				entries.filter((entry) => entry.recordedAt >= olderThan.ledger),
			);
		}
	}

	async close(): Promise<void> {}
}
