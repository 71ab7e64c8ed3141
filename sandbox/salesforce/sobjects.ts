/**
 * /sobjects/{object}/describe and /sobjects/{object}/{id}: describe with picklist values in
 * order, and GET or PATCH of one record.
 */
import { ApiError } from './salesforceErrors';
import {
	definitionOf,
	FIELDS,
	isObject,
	KEY_PREFIXES,
	LEAD_SOURCES,
	projectRecord,
	recordObjectOf,
	type FieldDefinition,
	type RecordObject,
} from './salesforceSchema';
import type { SalesforceState } from './salesforceState';

/** The parts of a describe answer clients read: fields with type, flags and picklist values in order. */
export function describe(state: SalesforceState, name: string, apiVersion: string) {
	const object = recordObjectOf(name);
	if (!object) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
	const picklist = (field: FieldDefinition): string[] => {
		if (object === 'Lead' && field.name === 'Status')
			return state.leadStatuses.map((status) => status.ApiName);
		if (object === 'Lead' && field.name === 'LeadSource') return LEAD_SOURCES;
		if (object === 'Contact' && field.name === 'Lifecycle_Stage__c') return state.contactStages;
		return [];
	};
	return {
		name: object,
		label: object,
		keyPrefix: KEY_PREFIXES[object],
		createable: true,
		updateable: true,
		urls: { describe: `/services/data/${apiVersion}/sobjects/${object}/describe` },
		fields: [...FIELDS[object].values()].map((field) => ({
			name: field.name,
			label: field.label,
			type: field.type,
			updateable: field.updateable,
			createable: field.updateable,
			nillable: !field.required && field.type !== 'boolean' && field.type !== 'id',
			externalId: field.externalId === true,
			idLookup: field.externalId === true || field.type === 'id' || field.name === 'Email',
			restrictedPicklist:
				object === 'Lead' && field.name === 'Status' ? state.restrictedStatusPicklist : false,
			picklistValues: picklist(field).map((value) => ({
				active: true,
				defaultValue:
					object === 'Lead' && field.name === 'Status' && value === state.defaultLeadStatus(),
				label: value,
				validFor: null,
				value,
			})),
		})),
	};
}

export function getRecord(
	state: SalesforceState,
	object: RecordObject,
	id: string,
	fieldList: string | null,
	apiVersion: string,
) {
	const record = state.recordAt(object, id);
	const names = fieldList
		? fieldList.split(',').map((name) => name.trim())
		: [...FIELDS[object].values()].map((field) => field.name);
	const fields = names.map((name) => {
		const definition = definitionOf(object, name);
		if (!definition)
			throw new ApiError(
				400,
				'INVALID_FIELD',
				`No such column '${name}' on sobject of type ${object}`,
			);
		return definition;
	});
	if (!fields.some((field) => field.name === 'Id')) fields.push(definitionOf(object, 'Id')!);
	return projectRecord(object, record, fields, apiVersion);
}

/** PATCH of one record: 204 with no body, or the record's failure as the request's error. */
export function patchRecord(
	state: SalesforceState,
	object: RecordObject,
	id: string,
	body: unknown,
): void {
	const record = state.recordAt(object, id);
	if (!isObject(body))
		throw new ApiError(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object');
	const failure = state.applyUpdate(object, record, body);
	if (failure) throw new ApiError(400, failure.statusCode, failure.message, failure.fields);
}
