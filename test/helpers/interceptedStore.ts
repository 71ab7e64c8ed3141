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
