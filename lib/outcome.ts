/**
 * What became of one item of a batch: its value, or the error that kept it from being done.
 * The one per-item result of lib: the API clients and the services both answer with it, and the
 * nodes turn it into an output item or an error item.
 */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: Error };

export function done<T>(value: T): Outcome<T> {
	return { ok: true, value };
}

export function failed<T = never>(error: Error): Outcome<T> {
	return { ok: false, error };
}
