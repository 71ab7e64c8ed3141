/**
 * sObject Collections (/composite/sobjects): update and create up to 200 records, or upsert them
 * by an External ID field, each with its own result; allOrNone rolls every record back.
 */
import { toId18 } from '../../lib/salesforce/ids';
import { ApiError, isFailure } from './salesforceErrors';
import {
	definitionOf,
	ID_PATTERN,
	isObject,
	KEY_PREFIXES,
	recordObjectOf,
	type LeadFields,
} from './salesforceSchema';
import type { SalesforceState } from './salesforceState';

/** The records array of a collection call, checked as Salesforce checks it before any record. */
function collectionRecords(body: unknown): LeadFields[] {
	if (!isObject(body) || !Array.isArray(body.records)) {
		throw new ApiError(400, 'JSON_PARSER_ERROR', 'The request body needs a records array');
	}
	const records = body.records as unknown[];
	if (records.length > 200) {
		throw new ApiError(
			400,
			'EXCEEDED_ID_LIMIT',
			'record limit reached. cannot submit more than 200 records into this call',
		);
	}
	if (
		records.some(
			(record) =>
				!isObject(record) ||
				!isObject(record.attributes) ||
				typeof record.attributes.type !== 'string',
		)
	) {
		throw new ApiError(400, 'INVALID_TYPE', 'Must send a concrete entity type.');
	}
	return records as LeadFields[];
}

export function updateCollection(state: SalesforceState, body: unknown) {
	const records = collectionRecords(body);
	const allOrNone = (body as LeadFields).allOrNone === true;
	const outcomes = records.map((record) => {
		const id =
			typeof record.id === 'string'
				? record.id
				: typeof record.Id === 'string'
					? record.Id
					: undefined;
		const object = recordObjectOf(String((record.attributes as LeadFields).type));
		if (!object) {
			return {
				failure: {
					statusCode: 'INVALID_TYPE',
					message: 'This mock org only has Lead and Contact records',
					fields: [],
				},
			};
		}
		if (!id)
			return {
				failure: {
					statusCode: 'MISSING_ARGUMENT',
					message: 'Id not specified in an update call',
					fields: [],
				},
			};
		if (!ID_PATTERN.test(id) || !id.startsWith(KEY_PREFIXES[object])) {
			return {
				failure: {
					statusCode: 'MALFORMED_ID',
					message: `${object} ID: id value of incorrect type: ${id}`,
					fields: ['Id'],
				},
			};
		}
		const id18 = toId18(id);
		const target = state.recordById(object, id18);
		if (!target) {
			return state.isDeleted(id18)
				? { failure: { statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] } }
				: {
						failure: {
							statusCode: 'INVALID_CROSS_REFERENCE_KEY',
							message: 'invalid cross reference id',
							fields: [],
						},
					};
		}
		return { object, target, record, failure: state.applyUpdate(object, target, record, true) };
	});
	const anyFailed = outcomes.some((outcome) => outcome.failure);
	return outcomes.map((outcome) => {
		if (outcome.failure) return { success: false, errors: [outcome.failure] };
		if (allOrNone && anyFailed) return rolledBack();
		state.applyUpdate(outcome.object!, outcome.target!, outcome.record!);
		return { id: outcome.target!.Id, success: true, errors: [] };
	});
}

export function createCollection(state: SalesforceState, body: unknown) {
	const records = collectionRecords(body);
	const allOrNone = (body as LeadFields).allOrNone === true;
	const outcomes = records.map((record) => {
		const object = recordObjectOf(String((record.attributes as LeadFields).type));
		if (!object)
			return {
				failure: {
					statusCode: 'INVALID_TYPE',
					message: 'This mock org only creates Lead and Contact records',
					fields: [],
				},
			};
		if (record.id !== undefined || record.Id !== undefined) {
			return {
				failure: {
					statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
					message: 'cannot specify Id in an insert call',
					fields: ['Id'],
				},
			};
		}
		const prepared = state.prepareCreate(object, record);
		return isFailure(prepared) ? { failure: prepared } : { object, fields: prepared };
	});
	const anyFailed = outcomes.some((outcome) => outcome.failure);
	return outcomes.map((outcome) => {
		if (outcome.failure) return { success: false, errors: [outcome.failure] };
		if (allOrNone && anyFailed) return rolledBack();
		return { id: state.create(outcome.object!, outcome.fields!).Id, success: true, errors: [] };
	});
}

/** PATCH /composite/sobjects/{object}/{externalIdField}: per record, update the one match or create one. */
export function upsertCollection(
	state: SalesforceState,
	objectName: string,
	fieldName: string,
	body: unknown,
) {
	const object = recordObjectOf(objectName);
	if (!object) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
	const field = definitionOf(object, fieldName);
	if (!field || !(field.externalId || field.type === 'id')) {
		// As the single-record upsert answers for a field that is missing or not an External ID.
		throw new ApiError(
			404,
			'NOT_FOUND',
			`Provided external ID field does not exist or is not accessible: ${fieldName}`,
		);
	}
	const records = collectionRecords(body);
	return records.map((record) => {
		if (recordObjectOf(String((record.attributes as LeadFields).type)) !== object) {
			return {
				success: false,
				errors: [
					{ statusCode: 'INVALID_TYPE', message: `Records must be of type ${object}`, fields: [] },
				],
			};
		}
		const key = Object.keys(record).find((name) => name.toLowerCase() === field.name.toLowerCase());
		const value = key === undefined ? undefined : record[key];
		if (typeof value !== 'string' || value === '') {
			return {
				success: false,
				errors: [
					{
						statusCode: 'MISSING_ARGUMENT',
						message: `${field.name} not specified`,
						fields: [field.name],
					},
				],
			};
		}
		const matches = state
			.recordsOf(object)
			.filter((candidate) => sameText(candidate[field.name], value));
		if (matches.length > 1) {
			return {
				success: false,
				errors: [
					{
						statusCode: 'DUPLICATE_EXTERNAL_ID',
						message: `${field.label}: more than one record found for external id field: [${matches.map((match) => match.Id).join(', ')}]`,
						fields: [field.name],
					},
				],
			};
		}
		if (matches.length === 1) {
			const failure = state.applyUpdate(object, matches[0], record);
			return failure
				? { success: false, errors: [failure] }
				: { id: matches[0].Id, success: true, errors: [], created: false };
		}
		const prepared = state.prepareCreate(object, record);
		if (isFailure(prepared)) return { success: false, errors: [prepared] };
		return { id: state.create(object, prepared).Id, success: true, errors: [], created: true };
	});
}

function rolledBack() {
	return {
		success: false,
		errors: [
			{
				statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
				message:
					'Record rolled back because not all records were valid and the request was using AllOrNone header',
				fields: [],
			},
		],
	};
}

const sameText = (a: unknown, b: string) =>
	typeof a === 'string' && a.toLowerCase() === b.toLowerCase();
