import type { Condition } from './model';
import { pathSegments } from './paths';
import { compilePattern, type Pattern } from './pattern';

/**
 * Reads a nested value by a path such as `properties.items[0].sku`. Only the data's own
 * properties count: `toString` or `__proto__` never reach into what every object inherits.
 */
export function valueAt(source: unknown, path: string): unknown {
	let current: unknown = source;
	for (const part of pathSegments(path)) {
		if (current === null || current === undefined || typeof current !== 'object') return undefined;
		if (!Object.prototype.hasOwnProperty.call(current, part)) return undefined;
		current = (current as Record<string, unknown>)[part];
	}
	return current;
}

function asNumber(value: unknown): number | undefined {
	if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
	if (typeof value === 'string' && value.trim() !== '') {
		const parsed = Number(value);
		return Number.isFinite(parsed) ? parsed : undefined;
	}
	return undefined;
}

// Text comparisons ignore case: "VP" in a rule should match "vp of sales" in a CRM field.
function asText(value: unknown): string | undefined {
	if (typeof value === 'string') return value.toLowerCase();
	if (typeof value === 'number' || typeof value === 'boolean') return String(value).toLowerCase();
	return undefined;
}

function sameValue(actual: unknown, expected: unknown): boolean {
	if (typeof expected === 'number' || typeof actual === 'number') {
		const a = asNumber(actual);
		const b = asNumber(expected);
		return a !== undefined && a === b;
	}
	if (typeof expected === 'string' || typeof actual === 'string') {
		const a = asText(actual);
		return a !== undefined && a === asText(expected);
	}
	return actual === expected;
}

// `in` as one lookup per value rather than a comparison with every option, under sameValue's
// rules: numbers compare as numbers (also as numeric text), other text ignores case.
const optionKeysCache = new WeakMap<unknown[], Set<string>>();
function optionKeys(options: unknown[]): Set<string> {
	let keys = optionKeysCache.get(options);
	if (!keys) {
		keys = new Set();
		for (const option of options) {
			if (typeof option === 'number') {
				if (Number.isFinite(option)) keys.add(`n:${option}`);
			} else if (typeof option === 'string') {
				keys.add(`t:${option.toLowerCase()}`);
				const number = asNumber(option);
				if (number !== undefined) keys.add(`s:${number}`);
			} else if (typeof option === 'boolean') {
				keys.add(`t:${option}`);
				keys.add(`b:${option}`);
			} else if (option === null) keys.add('null');
		}
		optionKeysCache.set(options, keys);
	}
	return keys;
}

function isOption(value: unknown, keys: Set<string>): boolean {
	if (typeof value === 'number')
		return Number.isFinite(value) && (keys.has(`n:${value}`) || keys.has(`s:${value}`));
	if (typeof value === 'string') {
		if (keys.has(`t:${value.toLowerCase()}`)) return true;
		const number = asNumber(value);
		return number !== undefined && keys.has(`n:${number}`);
	}
	if (typeof value === 'boolean') return keys.has(`t:${value}`) || keys.has(`b:${value}`);
	return value === null && keys.has('null');
}

const patternCache = new Map<string, Pattern>();
function patternFor(source: string): Pattern {
	let pattern = patternCache.get(source);
	if (!pattern) {
		pattern = compilePattern(source);
		if (patternCache.size > 200) patternCache.clear();
		patternCache.set(source, pattern);
	}
	return pattern;
}

/**
 * A condition on a list field reads its first MAX_LIST_VALUES values: time per event stays
 * bounded whatever a webhook sends (tags, order lines and the like are far fewer).
 */
export const MAX_LIST_VALUES = 10_000;

/** The values a condition compares: a list field's first MAX_LIST_VALUES, or the one value. */
function valuesOf(actual: unknown): unknown[] {
	if (!Array.isArray(actual)) return [actual];
	return actual.length > MAX_LIST_VALUES ? actual.slice(0, MAX_LIST_VALUES) : actual;
}

function isPresent(value: unknown): boolean {
	return value !== undefined && value !== null && value !== '';
}

/** True when the condition holds for `source`; arrays match when any element does. */
export function conditionHolds(condition: Condition, source: unknown): boolean {
	const actual = valueAt(source, condition.path);
	const expected = condition.value;
	switch (condition.op) {
		case 'exists':
			return isPresent(actual) === (expected !== false);
		case 'equals':
			return valuesOf(actual).some((a) => sameValue(a, expected));
		case 'notEquals':
			return !valuesOf(actual).some((a) => sameValue(a, expected));
		case 'in': {
			const keys = optionKeys(expected as unknown[]);
			return valuesOf(actual).some((a) => isOption(a, keys));
		}
		case 'contains': {
			const needle = asText(expected) ?? '';
			if (Array.isArray(actual)) return valuesOf(actual).some((a) => sameValue(a, expected));
			const text = asText(actual);
			return text !== undefined && text.includes(needle);
		}
		case 'startsWith': {
			const text = asText(actual);
			return text !== undefined && text.startsWith(asText(expected) ?? '');
		}
		case 'matches': {
			const pattern = patternFor(expected as string);
			const values = valuesOf(actual);
			// The read limit holds for the field as a whole: a list of many texts costs no more than one long text.
			let budget = pattern.readLimit;
			for (const value of values) {
				if (budget <= 0) return false;
				const text = typeof value === 'string' ? value : asText(value);
				if (text === undefined) continue;
				const read = text.length > budget ? text.slice(0, budget) : text;
				if (pattern.test(read)) return true;
				budget -= read.length + 1;
			}
			return false;
		}
		case 'gt':
		case 'gte':
		case 'lt':
		case 'lte': {
			const a = asNumber(actual);
			if (a === undefined) return false;
			const b = expected as number;
			if (condition.op === 'gt') return a > b;
			if (condition.op === 'gte') return a >= b;
			if (condition.op === 'lt') return a < b;
			return a <= b;
		}
	}
}

export function allConditionsHold(conditions: Condition[], source: unknown): boolean {
	return conditions.every((condition) => conditionHolds(condition, source));
}
