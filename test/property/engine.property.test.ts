import fc from 'fast-check';

import type { Outcome } from '../../lib/outcome';
import { scoreEvents } from '../../lib/service/scoreBatch';
import type { EventInput, LeadScore } from '../../lib/scoring/leadScore';
import { DAY_MS } from '../../lib/scoring/decay';
import { applyEvent } from '../../lib/scoring/engine';
import { InputError, normalizeLeadId, parseEventTime, timeWindow } from '../../lib/scoring/inputs';
import type { LeadState } from '../../lib/scoring/leadState';
import { CONDITION_OPERATORS, parseModel, type ScoringModel } from '../../lib/scoring/model';
import { replayLead } from '../../lib/scoring/replay';
import { MemoryStore } from '../../lib/store/memoryStore';
import type { StoredEvent } from '../../lib/scoring/keptEvent';

// Issue 13: random models and events, hostile ones among them, for the engine and the batch
// scoring code over the in-memory store.

const NOW = Date.parse('2026-12-01T00:00:00Z');
const T0 = NOW - 200 * DAY_MS;
const EVENT_NAMES = ['Viewed Page', 'Opened Email', 'Requested Demo'];
const PATHS = [
	'properties.x',
	'properties.tags',
	'properties.n',
	'profile.title',
	'properties.items[0].sku',
	'missing.deep.path',
	'properties.toString',
];
const PATTERNS = [
	'VP|Director|Head',
	'^([a-z0-9]+-?)+$',
	'^(a+)+$',
	'(a|a)*b',
	'\\bceo\\b',
	'^/pricing',
	'(.*a){12}x',
];
const HOSTILE_TEXTS = [
	`${'a'.repeat(5000)}!`,
	'x'.repeat(20_000),
	'\u0000',
	'\ud800',
	'<img src=x onerror=alert(1)>',
	'',
	' ',
	'VP of Sales',
	'/pricing',
	'Jose\u0301',
	'__proto__',
];

const text = fc.oneof(fc.constantFrom(...HOSTILE_TEXTS), fc.string({ maxLength: 12 }));
const scalar = fc.oneof(
	text,
	fc.double(),
	fc.integer({ min: -1000, max: 1000 }),
	fc.boolean(),
	fc.constant(null),
);
const conditionValue = (op: string): fc.Arbitrary<unknown> => {
	switch (op) {
		case 'matches':
			return fc.constantFrom(...PATTERNS);
		case 'contains':
		case 'startsWith':
			return text;
		case 'gt':
		case 'gte':
		case 'lt':
		case 'lte':
			return fc.double({ min: -1e6, max: 1e6, noNaN: true });
		case 'exists':
			return fc.constantFrom(true, false, undefined);
		case 'in':
			return fc.array(scalar, { maxLength: 4 });
		default:
			return scalar;
	}
};
const condition = fc
	.constantFrom(...CONDITION_OPERATORS)
	.chain((op) =>
		fc.record({ path: fc.constantFrom(...PATHS), op: fc.constant(op), value: conditionValue(op) }),
	)
	.map((c) => (c.value === undefined ? { path: c.path, op: c.op } : c));
const points = fc.oneof(
	fc.integer({ min: -50, max: 50 }),
	fc.double({ min: -1e6, max: 1e6, noNaN: true }),
);
const decay = fc.oneof(
	fc.constant({ type: 'none' }),
	fc.record({
		type: fc.constant('halfLife'),
		days: fc.double({ min: 0.01, max: 365, noNaN: true }),
	}),
	fc.record({
		type: fc.constant('linear'),
		pointsPerDay: fc.double({ min: 0.01, max: 50, noNaN: true }),
		graceDays: fc.integer({ min: 0, max: 30 }),
	}),
	fc.record({ type: fc.constant('expire'), days: fc.double({ min: 0.01, max: 365, noNaN: true }) }),
);
const bounds = fc.oneof(
	fc.constant({}),
	fc.constant({ min: 0, max: 100 }),
	fc.record({ min: fc.integer({ min: -100, max: 0 }) }),
	fc.record({ max: fc.integer({ min: 0, max: 1000 }) }),
);

const modelArbitrary: fc.Arbitrary<ScoringModel> = fc
	.record({
		rules: fc.array(
			fc.record(
				{
					event: fc.constantFrom(...EVENT_NAMES),
					when: fc.array(condition, { maxLength: 2 }),
					points,
					frequency: fc.constantFrom('every', 'once'),
					limit: fc.record({
						max: fc.integer({ min: 1, max: 3 }),
						perDays: fc.double({ min: 0.1, max: 5, noNaN: true }),
					}),
				},
				{ requiredKeys: ['event', 'when', 'points', 'frequency'] },
			),
			{ maxLength: 4 },
		),
		fit: fc.array(
			fc.record({ when: fc.array(condition, { minLength: 1, maxLength: 2 }), points }),
			{ maxLength: 2 },
		),
		decay,
		bounds,
	})
	.map((raw) =>
		parseModel({
			version: 1,
			rules: raw.rules.map((rule, index) => ({ id: `rule-${index}`, ...rule })),
			fit: raw.fit.map((rule, index) => ({ id: `fit-${index}`, ...rule })),
			decay: raw.decay,
			bounds: raw.bounds,
		}),
	);

// What a webhook may send as the event: odd types, prototype keys, long and broken strings.
const eventData = fc.oneof(
	fc.record(
		{
			properties: fc.record(
				{
					x: scalar,
					n: fc.oneof(fc.double(), fc.string({ maxLength: 6 })),
					tags: fc.array(scalar, { maxLength: 5 }),
					items: fc.array(fc.record({ sku: scalar }), { maxLength: 2 }),
				},
				{ requiredKeys: [] },
			),
			profile: fc.record({ title: scalar }, { requiredKeys: [] }),
		},
		{ requiredKeys: [] },
	),
	fc.constant(JSON.parse('{"__proto__":{"x":"VP"},"properties":{"constructor":{"name":"x"}}}')),
);

interface RawEvent {
	email: string;
	name: string;
	/** As the sender sent it: mostly good, some in microseconds, out of range or not a time. */
	time: unknown;
	eventId?: string;
	data: unknown;
	hasProfile: boolean;
}

const goodTime = fc.integer({ min: 0, max: 200 * 24 }).map((hours) => T0 + hours * 3_600_000);
const rawEvent = (emails: string[], ids: string): fc.Arbitrary<RawEvent> =>
	fc.record(
		{
			email: fc.constantFrom(...emails),
			name: fc.constantFrom(...EVENT_NAMES),
			time: fc.oneof(
				{ weight: 8, arbitrary: goodTime.map((t) => new Date(t).toISOString()) },
				{ weight: 2, arbitrary: goodTime.map((t) => Math.floor(t / 1000)) },
				{ weight: 1, arbitrary: goodTime.map((t) => t * 1000) },
				{ weight: 1, arbitrary: fc.constantFrom('Page 2', 'order 12', '-5', '2026-02-30', 1e20) },
			),
			eventId: fc.integer({ min: 0, max: 15 }).map((n) => `${ids}-${n}`),
			data: eventData,
			hasProfile: fc.boolean(),
		},
		{ requiredKeys: ['email', 'name', 'time', 'data', 'hasProfile'] },
	);

/** The item as Score Event reads it: refused (with the field to blame) or ready to score. */
function readItem(raw: RawEvent): EventInput | InputError {
	try {
		return {
			leadId: normalizeLeadId(raw.email),
			name: raw.name,
			eventId: raw.eventId,
			time: parseEventTime(raw.time, timeWindow(NOW)),
			data: raw.data,
			hasProfile: raw.hasProfile,
		};
	} catch (error) {
		if (error instanceof InputError) return error;
		throw error;
	}
}

function expectSound(model: ScoringModel, score: number, tier: string): void {
	expect(Number.isFinite(score)).toBe(true);
	if (model.bounds.min !== undefined) expect(score).toBeGreaterThanOrEqual(model.bounds.min);
	if (model.bounds.max !== undefined) expect(score).toBeLessThanOrEqual(model.bounds.max);
	expect(model.tiers.map((t) => t.name)).toContain(tier);
}

function expectStateSound(model: ScoringModel, state: LeadState): void {
	expectSound(model, state.score, state.tier);
	expect(Number.isFinite(state.engagement.points)).toBe(true);
	expect(Number.isFinite(state.fit)).toBe(true);
}

async function keptEvents(store: MemoryStore): Promise<StoredEvent[]> {
	const events: StoredEvent[] = [];
	let after: number | null = null;
	do {
		const page = await store.listEvents(
			'default',
			{ from: 0, to: Number.MAX_SAFE_INTEGER },
			after,
			500,
		);
		events.push(...page.events);
		after = page.next;
	} while (after !== null);
	return events;
}

// An item the store's limits refuse (e.g. Infinity in its data) fails alone, as an error result.
const leadScoreOf = (result: Outcome<LeadScore>) => (result.ok ? result.value : result.error);

describe('the engine over random models and events', () => {
	it('never throws, and keeps every score finite, within the bounds and in a tier', () => {
		fc.assert(
			fc.property(
				modelArbitrary,
				fc.array(
					fc.record({
						name: fc.constantFrom(...EVENT_NAMES),
						time: goodTime,
						data: eventData,
						hasProfile: fc.boolean(),
					}),
					{ maxLength: 30 },
				),
				(model, events) => {
					let state: LeadState | undefined;
					for (const event of events) {
						const change = applyEvent(model, state, event);
						expectStateSound(model, change.state);
						expect(change.score).toBe(change.state.score);
						expect(change.reasons.every((reason) => Number.isFinite(reason.points))).toBe(true);
						state = change.state;
					}
				},
			),
			{ numRuns: 300 },
		);
	});
});

describe('batch scoring over the in-memory store with random and hostile items', () => {
	const normalEmails = ['ada@example.com', 'Bob@Example.com', 'jos\u00e9@example.com'];
	const hostileEmails = ['mallory@example.com', 'Jose\u0301@evil.example'];

	it("fails only the items it refuses, lets no item change another lead's result, and replays to the stored scores", async () => {
		await fc.assert(
			fc.asyncProperty(
				modelArbitrary,
				fc.array(rawEvent(normalEmails, 'n'), { minLength: 1, maxLength: 25 }),
				fc.array(fc.tuple(fc.nat(), rawEvent(hostileEmails, 'h')), { maxLength: 10 }),
				async (model, normal, hostile) => {
					// The same normal items, alone and with hostile items (other leads) mixed in.
					const mixed: Array<{ raw: RawEvent; normalIndex?: number }> = normal.map((raw, i) => ({
						raw,
						normalIndex: i,
					}));
					for (const [at, raw] of hostile) mixed.splice(at % (mixed.length + 1), 0, { raw });

					const run = async (items: RawEvent[]) => {
						const store = new MemoryStore();
						const read = items.map(readItem);
						const inputs = read.filter((item): item is EventInput => !(item instanceof InputError));
						const results = await scoreEvents(store, model, 'default', inputs, { now: () => NOW });
						let next = 0;
						const outcomes = read.map((item) =>
							item instanceof InputError ? item : leadScoreOf(results[next++]),
						);
						return { store, outcomes };
					};
					const alone = await run(normal);
					const together = await run(mixed.map((entry) => entry.raw));

					// Only items with a bad time or data the store cannot hold are refused, each saying why.
					alone.outcomes.forEach((outcome, i) => {
						if (outcome instanceof InputError) {
							expect(outcome.field).toBe('eventTime');
							expect(() => parseEventTime(normal[i].time, timeWindow(NOW))).toThrow();
						} else if (outcome instanceof Error) {
							expect(outcome.message).toMatch(/cannot be stored/);
						} else expectSound(model, outcome.score, outcome.tier);
					});
					// Hostile items of other leads change nothing of the normal items' results.
					const normalTogether = mixed
						.map((entry, i) => ({ entry, outcome: together.outcomes[i] }))
						.filter(({ entry }) => entry.normalIndex !== undefined)
						.map(({ outcome }) => outcome);
					expect(normalTogether).toEqual(alone.outcomes);

					// Replaying each lead's kept events gives its stored score.
					const kept = await keptEvents(together.store);
					const leadIds = [...new Set(kept.map((event) => event.leadId))];
					const stored = await together.store.getLeads('default', leadIds);
					for (const leadId of leadIds) {
						const replayed = replayLead(
							model,
							kept.filter((event) => event.leadId === leadId),
						);
						const state = stored.get(leadId)!.state;
						expect(replayed?.score).toBe(state.score);
						expectStateSound(model, state);
					}
				},
			),
			{ numRuns: 150 },
		);
	});
});
