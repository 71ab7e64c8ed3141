import { createHash } from 'node:crypto';

import type { ScoringModel } from './model';

function canonical(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(canonical);
	if (value !== null && typeof value === 'object') {
		return Object.fromEntries(
			Object.keys(value)
				.sort()
				.map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
		);
	}
	return value;
}

const versions = new WeakMap<ScoringModel, string>();

/**
 * A model's version: a hash of its validated content (defaults filled in, key order ignored),
 * with its label in front when it has one, e.g. `2026-q4@3f2a9c1b7d0e`. The label is not hashed:
 * renaming a model does not change what it scores.
 */
export function modelVersion(model: ScoringModel): string {
	let version = versions.get(model);
	if (!version) {
		const { label, ...content } = model;
		const hash = createHash('sha256')
			.update(JSON.stringify(canonical(content)))
			.digest('hex')
			.slice(0, 12);
		version = label ? `${label}@${hash}` : hash;
		versions.set(model, version);
	}
	return version;
}
