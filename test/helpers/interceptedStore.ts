import type { ScoreStore } from '../../lib/store/scoreStore';

type Method = 'updateLeads' | 'listLeads';

/** For each method to wrap, the wrapper made from the store's own method. */
export type StoreWrappers = { [K in Method]?: (original: ScoreStore[K]) => ScoreStore[K] };

/**
 * The store with some methods wrapped and the rest its own: a run that n8n stops midway, or one
 * whose reads are counted.
 */
export function intercepted(store: ScoreStore, wrappers: StoreWrappers): ScoreStore {
	const wrapped = new Map<PropertyKey, unknown>();
	for (const method of Object.keys(wrappers) as Method[]) {
		const wrap = wrappers[method] as (original: unknown) => unknown;
		wrapped.set(method, wrap(store[method].bind(store)));
	}
	return new Proxy(store, {
		get(target, property) {
			if (wrapped.has(property)) return wrapped.get(property);
			const value = Reflect.get(target, property) as unknown;
			return typeof value === 'function' ? (value.bind(target) as unknown) : value;
		},
	});
}

/** The store as n8n sees it when the process stops: pages committed so far stay, nothing after them runs. */
export function stoppingAfter(store: ScoreStore, pages: number): ScoreStore {
	let left = pages;
	return intercepted(store, {
		updateLeads:
			(updateLeads) =>
			async (...args) => {
				if (left-- <= 0) throw new Error('n8n stopped');
				await updateLeads(...args);
			},
	});
}

/** The store, counting the leads a run reads page by page and the leads it replays (events and all). */
export function counting(store: ScoreStore): {
	store: ScoreStore;
	listed: string[];
	replayed: string[];
} {
	const listed: string[] = [];
	const replayed: string[] = [];
	const counted = intercepted(store, {
		listLeads:
			(listLeads) =>
			async (...args) => {
				const page = await listLeads(...args);
				listed.push(...page.leads.map((lead) => lead.leadId));
				return page;
			},
		updateLeads:
			(updateLeads) =>
			async (...args) => {
				if (args[4]?.withEvents) replayed.push(...args[1]);
				await updateLeads(...args);
			},
	});
	return { store: counted, listed, replayed };
}
