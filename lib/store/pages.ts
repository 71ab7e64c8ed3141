/** A pause between pages, so n8n answers webhooks while a long sweep runs (the embedded store is synchronous). */
export async function yieldToEventLoop(): Promise<void> {
	await new Promise((resolve) => setImmediate(resolve));
}

/**
 * A page of a keyset query that read one row more than `limit`: the page, and the key the next
 * page starts after, null when that extra row was not there (this was the last page).
 */
export function keysetPage<T, K>(
	rows: T[],
	limit: number,
	keyOf: (row: T) => K,
): { page: T[]; next: K | null } {
	const page = rows.slice(0, limit);
	return { page, next: rows.length > limit ? keyOf(page[page.length - 1]) : null };
}
