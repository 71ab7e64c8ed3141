/**
 * Errors the Salesforce client throws. Each carries Salesforce's own code and message, never a
 * token or secret: messages are built from response bodies and fixed text only.
 */
import { ApiError } from '../http/apiError';

export interface SalesforceErrorDetail {
	errorCode: string;
	message: string;
	fields?: string[];
}

/** A REST API error: Salesforce answers with an array of `{ errorCode, message, fields }`. */
export class SalesforceApiError extends ApiError {
	readonly name = 'SalesforceApiError';
	constructor(
		message: string,
		readonly status: number,
		readonly errorCode: string,
		readonly fields: string[] = [],
		/** A hint for the operator, shown as the error's description in n8n. */
		readonly hint?: string,
	) {
		super(message, status);
	}

	/** The org's rolling 24-hour API limit is used up: every further call fails too. */
	get isRequestLimit(): boolean {
		return this.errorCode === 'REQUEST_LIMIT_EXCEEDED';
	}
}

/** The token endpoint refused the client credentials: `{ error, error_description }`. */
export class SalesforceAuthError extends ApiError {
	readonly name = 'SalesforceAuthError';
	constructor(
		message: string,
		readonly status: number,
		readonly error: string,
		readonly hint?: string,
	) {
		super(message, status);
	}
}

/** No response after the retries (connection refused or reset, timeout). */
export class SalesforceNetworkError extends ApiError {
	readonly name = 'SalesforceNetworkError';
}

/** Reads Salesforce's error array (or a single error object) into one error. */
export function apiErrorFromResponse(status: number, body: unknown): SalesforceApiError {
	const details = (Array.isArray(body) ? body : [body]).filter(
		(entry): entry is SalesforceErrorDetail =>
			typeof entry === 'object' &&
			entry !== null &&
			typeof (entry as SalesforceErrorDetail).message === 'string',
	);
	if (details.length === 0) {
		return new SalesforceApiError(
			`Salesforce answered HTTP ${status} without an error message`,
			status,
			`HTTP_${status}`,
		);
	}
	const first = details[0];
	const errorCode = first.errorCode ?? `HTTP_${status}`;
	const message = details.map((detail) => detail.message.trim()).join('; ');
	return new SalesforceApiError(message, status, errorCode, first.fields ?? [], hintFor(errorCode));
}

export function hintFor(errorCode: string): string | undefined {
	switch (errorCode) {
		case 'REQUEST_LIMIT_EXCEEDED':
			return "The org's rolling 24-hour API request limit is used up. Calls succeed again as older calls leave the 24-hour window; an admin can see usage under Setup → Company Information.";
		case 'INVALID_SESSION_ID':
			return 'Salesforce rejected the access token even after a new one was fetched. Check that the connected app allows the client credentials flow and that its Run As user is active.';
		case 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST':
			return 'The status is not a value of the picklist: add it under Setup → Object Manager → Lead → Fields & Relationships → Lead Status, or set "MQL Status" to an existing value.';
		case 'INVALID_FIELD':
		case 'INVALID_FIELD_FOR_INSERT_UPDATE':
			return "Check the field's API name (custom fields end in __c) and that the Run As user's profile can edit it.";
		case 'FIELD_CUSTOM_VALIDATION_EXCEPTION':
			return "A validation rule in the org rejected the change; the message is the rule's own text.";
		default:
			return undefined;
	}
}
