import type { Tier } from './model';

/** The highest tier whose `min` the score reaches; scores below every tier get the lowest one. */
export function tierFor(score: number, tiers: Tier[]): string {
	let name = tiers[0].name;
	for (const tier of tiers) {
		if (score >= tier.min) name = tier.name;
		else break;
	}
	return name;
}
