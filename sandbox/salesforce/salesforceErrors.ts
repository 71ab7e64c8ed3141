/**
 * The two ways the mock org refuses: a whole request (ApiError, answered as Salesforce's error
 * array with `errorCode`) or one record of a collection call (a RecordFailure in its result).
 */
import type { LeadFields } from './salesforceSchema';

export class ApiError extends Error {
	constructor(
		readonly status: number,
		readonly errorCode: string,
		message: string,
		readonly fields?: string[],
	) {
		super(message);
	}
}

export interface RecordFailure {
	statusCode: string;
	message: string;
	fields: string[];
}

export function isFailure(value: LeadFields | RecordFailure): value is RecordFailure {
	return (
		typeof value.statusCode === 'string' &&
		typeof value.message === 'string' &&
		Array.isArray(value.fields)
	);
}
