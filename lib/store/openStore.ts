import { join } from 'node:path';

import type { ScoreStore } from './scoreStore';
import { SqliteStore } from './sqliteStore';

const embeddedStores = new Map<string, SqliteStore>();

export const EMBEDDED_FILE_NAME = 'lead-scores.sqlite';

/**
 * The embedded store in `storageFolder` (n8n's per-node storage path), opened once per process
 * and shared by every execution, so one connection serialises this process's writes.
 */
export function embeddedStore(storageFolder: string): ScoreStore {
	const path = join(storageFolder, EMBEDDED_FILE_NAME);
	let store = embeddedStores.get(path);
	if (!store) {
		store = new SqliteStore(path);
		embeddedStores.set(path, store);
	}
	return store;
}

const lastPruned = new Map<ScoreStore, number>();
const PRUNE_EVERY_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Forgets old events and ledger entries, at most once an hour per store. */
export async function pruneIfDue(
	store: ScoreStore,
	retention: { eventDays: number; ledgerDays: number },
	now = Date.now(),
): Promise<void> {
	if (now - (lastPruned.get(store) ?? 0) < PRUNE_EVERY_MS) return;
	lastPruned.set(store, now);
	await store.prune({
		events: now - retention.eventDays * DAY_MS,
		ledger: now - retention.ledgerDays * DAY_MS,
	});
}
