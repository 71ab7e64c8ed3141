import type {
	LeadRecord,
	LedgerEntry,
	LeadsSnapshot,
	LeadsWrite,
	ListLeadsPage,
	ScoreStore,
	ThresholdState,
} from './scoreStore';

/** Keeps everything in this process's memory: the speed ceiling for benchmarks, and a reference for tests. */
export class MemoryStore implements ScoreStore {
	private readonly leads = new Map<string, Map<string, LeadRecord>>();
	private readonly events = new Map<string, Map<string, number>>();
	private readonly ledgers = new Map<string, LedgerEntry[]>();
	private readonly thresholds = new Map<string, Map<string, ThresholdState>>();

	private leadsOf(scoreName: string): Map<string, LeadRecord> {
		let leads = this.leads.get(scoreName);
		if (!leads) this.leads.set(scoreName, (leads = new Map()));
		return leads;
	}

	private eventsOf(scoreName: string): Map<string, number> {
		let events = this.events.get(scoreName);
		if (!events) this.events.set(scoreName, (events = new Map()));
		return events;
	}

	async updateLeads(
		scoreName: string,
		leadIds: string[],
		eventIds: string[],
		decide: (snapshot: LeadsSnapshot) => LeadsWrite,
	): Promise<void> {
		const leads = this.leadsOf(scoreName);
		const events = this.eventsOf(scoreName);
		const snapshot: LeadsSnapshot = { leads: new Map(), seenEventIds: new Set() };
		for (const leadId of leadIds) {
			const record = leads.get(leadId);
			if (record) snapshot.leads.set(leadId, record.state);
		}
		for (const eventId of eventIds) if (events.has(eventId)) snapshot.seenEventIds.add(eventId);
		const write = decide(snapshot);
		const now = Date.now();
		for (const [leadId, state] of write.leads) leads.set(leadId, { leadId, state, updatedAt: now });
		for (const event of write.events) events.set(event.eventId, now);
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
		const ids = [...this.leadsOf(scoreName).keys()].filter((id) => after === null || id > after).sort();
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

	async prune(olderThan: { eventIds: number; ledger: number }): Promise<void> {
		for (const events of this.events.values()) {
			for (const [eventId, seenAt] of events) if (seenAt < olderThan.eventIds) events.delete(eventId);
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
