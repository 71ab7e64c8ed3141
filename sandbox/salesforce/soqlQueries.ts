/**
 * GET /query and /query/{locator}: SOQL over the org's rows with Salesforce's error texts,
 * pages of `pageSize` records and `nextRecordsUrl` cursors.
 */
import { randomBytes } from 'node:crypto';

import { toId18 } from '../../lib/salesforce/ids';
import { ApiError } from './salesforceErrors';
import {
	definitionOf,
	fieldOf,
	ID_PATTERN,
	objectNamed,
	projectRecord,
	type FieldDefinition,
	type ObjectName,
} from './salesforceSchema';
import type { SalesforceState } from './salesforceState';
import {
	conditionFields,
	likeMatches,
	parseSoql,
	SoqlSyntaxError,
	type Condition,
} from './soqlParser';

export interface QueryCursor {
	records: Record<string, unknown>[];
	served: number;
	version: string;
}

export interface QueryContext {
	state: SalesforceState;
	/** Records per page before `nextRecordsUrl` (Salesforce: 2,000). */
	pageSize: number;
	/** Open cursors by query locator. */
	cursors: Map<string, QueryCursor>;
}

/** An IN list as a set of comparable keys, built once per query (a batch read has 200 values). */
const inListKeys = new WeakMap<Condition, Set<string>>();

export function query(context: QueryContext, soql: string, apiVersion: string) {
	let parsed;
	try {
		parsed = parseSoql(soql);
	} catch (error) {
		if (error instanceof SoqlSyntaxError)
			throw new ApiError(
				400,
				'MALFORMED_QUERY',
				`\n${soql}\n^\nERROR at Row:1:Column:1\n${error.message}`,
			);
		throw error;
	}
	const object = objectNamed(parsed.object);
	if (!object) {
		throw new ApiError(
			400,
			'INVALID_TYPE',
			`\n${soql}\n^\nERROR at Row:1:Column:1\nsObject type '${parsed.object}' is not supported.`,
		);
	}
	const fields = parsed.fields.map((name) => {
		const definition = definitionOf(object, name);
		if (!definition) throw noSuchColumn(soql, object, name);
		return definition;
	});
	for (const name of conditionFields(parsed.where))
		if (!definitionOf(object, name)) throw noSuchColumn(soql, object, name);
	let matched = context.state
		.rowsOf(object)
		.filter((row) => !parsed.where || matches(object, row, parsed.where));
	if (parsed.limit !== undefined) matched = matched.slice(0, parsed.limit);
	const records = matched.map((row) => projectRecord(object, row, fields, apiVersion));
	if (records.length <= context.pageSize) return { totalSize: records.length, done: true, records };
	const locator = `01g5g00000${randomBytes(4).toString('hex')}`;
	context.cursors.set(locator, { records, served: context.pageSize, version: apiVersion });
	return {
		totalSize: records.length,
		done: false,
		nextRecordsUrl: `/services/data/${apiVersion}/query/${locator}-${context.pageSize}`,
		records: records.slice(0, context.pageSize),
	};
}

export function queryMore(context: QueryContext, locatorAndOffset: string) {
	const [locator] = locatorAndOffset.split('-');
	const cursor = context.cursors.get(locator);
	if (!cursor) throw new ApiError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
	const page = cursor.records.slice(cursor.served, cursor.served + context.pageSize);
	cursor.served += page.length;
	const done = cursor.served >= cursor.records.length;
	if (done) context.cursors.delete(locator);
	return {
		totalSize: cursor.records.length,
		done,
		...(done
			? {}
			: { nextRecordsUrl: `/services/data/${cursor.version}/query/${locator}-${cursor.served}` }),
		records: page,
	};
}

function noSuchColumn(soql: string, object: ObjectName, name: string): ApiError {
	return new ApiError(
		400,
		'INVALID_FIELD',
		`\n${soql}\n^\nERROR at Row:1:Column:1\nNo such column '${name}' on entity '${object}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
	);
}

function matches(object: ObjectName, row: Record<string, unknown>, condition: Condition): boolean {
	switch (condition.kind) {
		case 'and':
			return matches(object, row, condition.left) && matches(object, row, condition.right);
		case 'or':
			return matches(object, row, condition.left) || matches(object, row, condition.right);
		case 'not':
			return !matches(object, row, condition.operand);
		case 'in': {
			const definition = definitionOf(object, condition.field)!;
			let keys = inListKeys.get(condition);
			if (!keys) {
				keys = new Set(condition.values.map((value) => comparableKey(definition, value)));
				inListKeys.set(condition, keys);
			}
			const found = keys.has(comparableKey(definition, fieldOf(row, definition)));
			return condition.negated ? !found : found;
		}
		default: {
			const definition = definitionOf(object, condition.field)!;
			if (condition.op === 'LIKE') {
				const value = fieldOf(row, definition);
				return (
					typeof value === 'string' &&
					typeof condition.value === 'string' &&
					likeMatches(value, condition.value)
				);
			}
			const equal =
				comparableKey(definition, condition.value) ===
				comparableKey(definition, fieldOf(row, definition));
			return condition.op === '=' ? equal : !equal;
		}
	}
}

/** SOQL text comparison is case-insensitive; an Id literal may be 15 or 18 characters. */
function comparableKey(definition: FieldDefinition, value: unknown): string {
	if (definition.type === 'id') {
		if (typeof value !== 'string' || !ID_PATTERN.test(value)) {
			throw new ApiError(
				400,
				'INVALID_QUERY_FILTER_OPERATOR',
				`\nId = '${String(value)}'\n^\nERROR at Row:1:Column:1\ninvalid ID field: ${String(value)}`,
			);
		}
		// The 18-character form spells out the case of the first 15, so it compares ignoring case.
		return `id:${toId18(value).toLowerCase()}`;
	}
	if (value === null || value === undefined) return 'null';
	return typeof value === 'string'
		? `s:${value.toLowerCase()}`
		: `${typeof value}:${String(value)}`;
}
