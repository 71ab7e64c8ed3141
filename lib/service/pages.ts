import { yieldToEventLoop } from '../store/pages';
import type { ScoreStore } from '../store/scoreStore';

/** Runs a sweep over every lead at the store's pace (see ScoreStore.sweep), or yielding between pages. */
export function pacedSweep<T>(
	store: ScoreStore,
	work: (pace: () => Promise<void>) => Promise<T>,
): Promise<T> {
	return store.sweep ? store.sweep(work) : work(yieldToEventLoop);
}

/**
 * The pages of a store query, read one at a time up to `max` items (null: all), so a caller that
 * hands each page on never holds every item.
 */
export async function* pagesUpTo<T, Cursor>(
	max: number | null,
	pageSize: number,
	read: (after: Cursor | null, limit: number) => Promise<{ items: T[]; next: Cursor | null }>,
): AsyncGenerator<T[]> {
	let after: Cursor | null = null;
	let left = max ?? Infinity;
	while (left > 0) {
		const page = await read(after, Math.min(pageSize, left));
		if (page.items.length > 0) yield page.items;
		left -= page.items.length;
		if (page.next === null) return;
		after = page.next;
	}
}
