/**
 * What every store can keep, checked before anything is written: a value past these limits fails
 * its own item with a message naming it, instead of failing the whole batch in the database
 * (PostgreSQL refuses an index entry over 2,704 bytes, JSON with a lone surrogate, a bigint out of range).
 */
import { InputError } from './inputs';

/** Characters in a lead id, event id, event name or score name. */
export const MAX_ID_LENGTH = 256;
/** Points a score, its parts or one change may reach, either way. */
export const MAX_POINTS = 1e12;
/** Event times (ms) as far as a JavaScript date reaches, well inside PostgreSQL's bigint. */
export const MAX_TIME = 8.64e15;
/** Nesting of the event data kept for replays. */
const MAX_DEPTH = 64;

const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Text that UTF-8 (SQLite, PostgreSQL, JSON) can hold: no unpaired surrogate. */
export function isStorableText(text: string): boolean {
	return !UNPAIRED_SURROGATE.test(text);
}

/** An id or a name: at most 256 characters of valid Unicode. */
export function checkId(value: string, field: string, label: string): void {
	if (value.length > MAX_ID_LENGTH) {
		throw new InputError(
			field,
			`${label} has ${value.length} characters; at most ${MAX_ID_LENGTH} can be stored.`,
		);
	}
	if (!isStorableText(value)) {
		throw new InputError(
			field,
			`${label} is not valid Unicode text (it has an unpaired surrogate).`,
		);
	}
}

export function checkText(value: string, field: string, label: string): void {
	if (!isStorableText(value)) {
		throw new InputError(
			field,
			`${label} is not valid Unicode text (it has an unpaired surrogate).`,
		);
	}
}

export function checkPoints(value: number, field: string, label: string): void {
	if (!Number.isFinite(value) || Math.abs(value) > MAX_POINTS) {
		throw new InputError(
			field,
			`${label} is ${value}; points must be finite and between -${MAX_POINTS.toExponential()} and ${MAX_POINTS.toExponential()}.`,
		);
	}
}

export function checkTime(value: number, field: string, label: string): void {
	if (!Number.isFinite(value) || Math.abs(value) > MAX_TIME) {
		throw new InputError(field, `${label} (${value} ms) is outside the dates that can be stored.`);
	}
}

/** Event data kept for replays must be JSON the stores can hold: valid text, finite numbers, bounded nesting. */
export function checkData(value: unknown, label: string): void {
	const problem = dataProblem(value, '', 0);
	if (problem) throw new Error(`${label} cannot be stored: ${problem}.`);
}

function dataProblem(value: unknown, path: string, depth: number): string | undefined {
	const where = path === '' ? 'the data' : path;
	switch (typeof value) {
		case 'string':
			return isStorableText(value) ? undefined : `the text at ${where} has an unpaired surrogate`;
		case 'number':
			return Number.isFinite(value) ? undefined : `the number at ${where} is ${value}`;
		case 'bigint':
			return `the value at ${where} is a BigInt, which JSON cannot hold`;
		case 'object': {
			if (value === null || value instanceof Date) return undefined;
			if (depth >= MAX_DEPTH) return `it is nested deeper than ${MAX_DEPTH} levels at ${where}`;
			for (const [key, child] of Object.entries(value)) {
				const childPath = path === '' ? key : `${path}.${key}`;
				if (!isStorableText(key))
					return `the key ${JSON.stringify(childPath)} has an unpaired surrogate`;
				const problem = dataProblem(child, childPath, depth + 1);
				if (problem) return problem;
			}
			return undefined;
		}
		default:
			return undefined;
	}
}
