import type { ScoreChange } from './engine';
import type { ScoringModel } from './model';
import { pathSegments } from './paths';

/** An event that was counted. Kept for the event retention: its id is never counted again, and its data can be replayed. */
export interface EventRecord {
	/** Null when the source gave no id: kept for replay, but it cannot be recognised as a repeat. */
	eventId: string | null;
	leadId: string;
	name: string;
	/** Event time (ms). */
	time: number;
	/** What the rules read (the item with its profile); null when the operator keeps ids only. */
	payload: unknown;
	/** What the event did to its lead's score, kept with its id so a repeat answers the same. */
	outcome?: EventOutcome;
}

/** The answer Score Event gave for a counted event id, given again when that id comes back. */
export interface EventOutcome extends Omit<ScoreChange, 'state'> {
	revision: number;
	modelVersion: string;
	scoredAt: string;
}

/** An event as the store keeps it; `seq` orders events as they were committed. */
export interface StoredEvent extends EventRecord {
	seq: number;
	/** Wall-clock ms of the commit. */
	receivedAt: number;
}

/** The request around a Webhook node's item; its `body` is the event. */
const WEBHOOK_ENVELOPE = new Set(['headers', 'params', 'query', 'webhookUrl', 'executionMode']);

type Container = Record<string, unknown>;

function isContainer(value: unknown): value is Container {
	return typeof value === 'object' && value !== null;
}

/** Sets an own property, so a key such as `__proto__` is kept as data and never changes a prototype. */
function define(target: Container, key: string, value: unknown): void {
	Object.defineProperty(target, key, {
		value,
		enumerable: true,
		writable: true,
		configurable: true,
	});
}

/** Copies the value at `parts` from `source` into `target`, creating only the containers on the way. */
function copyPath(source: unknown, target: Container, parts: string[]): void {
	let from = source;
	let to = target;
	for (let index = 0; index < parts.length; index++) {
		const part = parts[index];
		if (!isContainer(from) || !Object.hasOwn(from, part)) return;
		const value = from[part];
		const existing = Object.hasOwn(to, part) ? to[part] : undefined;
		if (existing === value) return; // already kept whole
		if (index === parts.length - 1 || !isContainer(value)) return define(to, part, value);
		let child = existing;
		if (!isContainer(child)) {
			child = Array.isArray(value) ? [] : {};
			define(to, part, child);
		}
		from = value;
		to = child as Container;
	}
}

function modelPaths(model: ScoringModel): string[] {
	return [...model.rules, ...model.fit].flatMap((rule) =>
		rule.when.map((condition) => condition.path),
	);
}

/**
 * What the store keeps of an event for replays (Re-Score, Backtest): the event, never the request
 * around it. A Webhook node's item keeps its `body` (and a merged `profile`), not its headers
 * (credentials, cookies), query, params or URL; any other item keeps everything but `headers`.
 * Values the model's rules read are kept wherever they are, so a replay under the same model
 * scores exactly as live scoring did.
 */
export function keptEventData(data: unknown, model: ScoringModel): unknown {
	if (!isContainer(data) || Array.isArray(data)) return data;
	const webhook = isContainer(data.headers) && Object.hasOwn(data, 'body');
	const kept: Container = {};
	for (const [key, value] of Object.entries(data)) {
		if (key === 'headers' || (webhook && WEBHOOK_ENVELOPE.has(key))) continue;
		define(kept, key, value);
	}
	for (const path of modelPaths(model)) copyPath(data, kept, pathSegments(path));
	return kept;
}
