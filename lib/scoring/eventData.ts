import { conditionHolds, valueAt } from './conditions';
import type { ScoringModel } from './model';

/**
 * Where Score Event reads a field that the operator left empty: a path in the event data.
 * The names are those of a Klaviyo-like event (`{ email, event, eventId, time, properties, profile }`)
 * and of a Klaviyo profile carrying the score (`person.Lead_Score`).
 */
export const EVENT_DATA_FIELDS = {
	leadId: 'email',
	eventName: 'event',
	eventId: 'eventId',
	eventTime: 'time',
	profile: 'profile',
	currentScore: 'person.Lead_Score',
} as const;

export type EventDataField = keyof typeof EVENT_DATA_FIELDS;

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Workflows built before Event Data existed read the webhook's item, with paths such as
// `body.properties.url`; their models keep reading the whole item.
function readsWebhookItem(model: ScoringModel): boolean {
	return [...model.rules, ...model.fit].some((rule) =>
		rule.when.some((condition) => condition.path === 'body' || condition.path.startsWith('body.')),
	);
}

/**
 * The event the rules read when Event Data is left empty: a Webhook node's body when the item has
 * one, else the item itself (after a Set node, a Code node, a trigger that emits the event).
 */
export function defaultEventData(item: Record<string, unknown>, model: ScoringModel): unknown {
	return isRecord(item.body) && !readsWebhookItem(model) ? item.body : item;
}

/**
 * The conditions that could not be checked because their field is missing from the event data,
 * for the rules whose event name matched and whose conditions did not all hold: the usual reason
 * an event scores 0 (a path written for another shape of event).
 */
export function unmatchedConditions(
	model: ScoringModel,
	eventName: string,
	data: unknown,
): Array<{ rule: string; path: string }> {
	const unmatched: Array<{ rule: string; path: string }> = [];
	for (const rule of model.rules) {
		if (rule.event !== eventName) continue;
		if (rule.when.every((condition) => conditionHolds(condition, data))) continue;
		for (const condition of rule.when) {
			if (!conditionHolds(condition, data) && valueAt(data, condition.path) === undefined)
				unmatched.push({ rule: rule.id, path: condition.path });
		}
	}
	return unmatched;
}
