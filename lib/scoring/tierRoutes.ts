import { InputError } from './inputs';
import { TiersSchema, formatPath, type ModelIssue, type Tier } from './model';
import { tierFor } from './tiers';

/** Tiers that cannot route: empty, a nameless tier, a name used twice, or mins not strictly ascending. */
export class TierError extends Error {
	constructor(readonly issues: ModelIssue[]) {
		super(`Invalid tiers: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`);
		this.name = 'TierError';
	}
}

/** A tier and the output (0-based, ascending like the tiers) an item in it goes to. */
export interface TierRoute {
	output: number;
	tier: string;
}

/**
 * Validates tiers as the node's editor gives them (`min` may arrive as text from an expression).
 * Order is kept, not sorted: outputs are wired by position, so a silent re-sort would re-wire them.
 */
export function parseTiers(raw: unknown): Tier[] {
	const tiers = Array.isArray(raw)
		? raw.map((tier: unknown) => {
				if (typeof tier !== 'object' || tier === null) return tier;
				const { name, min } = tier as { name?: unknown; min?: unknown };
				const number = typeof min === 'string' && min.trim() !== '' ? Number(min) : min;
				return { name, min: number };
			})
		: raw;
	const result = TiersSchema.safeParse(tiers);
	if (!result.success) {
		throw new TierError(
			result.error.issues.map((issue) => ({
				path: formatPath(['tiers', ...issue.path]),
				message: issue.message,
			})),
		);
	}
	return result.data;
}

/** The tier a score falls in (scores below every tier get the lowest, above every tier the highest). */
export function routeByScore(score: number, tiers: Tier[]): TierRoute {
	const tier = tierFor(score, tiers);
	return { output: tiers.findIndex((candidate) => candidate.name === tier), tier };
}

/** The output of a tier the item already carries, e.g. Score Event's `leadScore.tier`. */
export function routeByTierName(name: unknown, tiers: Tier[], field = 'tier'): TierRoute {
	const wanted = typeof name === 'string' ? name.trim() : undefined;
	const output = wanted ? tiers.findIndex((tier) => tier.name === wanted) : -1;
	if (output === -1) {
		const known = tiers.map((tier) => `"${tier.name}"`).join(', ');
		throw new InputError(
			field,
			wanted
				? `The tier "${wanted}" is not one of this node's tiers (${known}). Use the same tier names as the scoring model.`
				: `The item has no tier. Map "Tier" to a tier name, e.g. {{ $json.leadScore.tier }}, or route by score.`,
		);
	}
	return { output, tier: tiers[output].name };
}
