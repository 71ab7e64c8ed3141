/**
 * The one mapping from lib's typed errors to n8n's errors. lib's errors name the field (`leadId`,
 * `options.minimumChange`) and carry the provider's code; the clients have already redacted any
 * key, and nothing here adds a credential to a message.
 */
import {
	NodeApiError,
	NodeOperationError,
	type IDataObject,
	type INode,
	type JsonObject,
} from 'n8n-workflow';

import { BrazeApiError, type BrazeObjectError } from '../../lib/braze';
import { KlaviyoApiError } from '../../lib/klaviyo';
import {
	SalesforceApiError,
	SalesforceAuthError,
	SalesforceNetworkError,
} from '../../lib/salesforce/errors';
import { LookupError } from '../../lib/salesforce/records';
import { StatusSetupError } from '../../lib/salesforce/statusOrder';
import { BacktestError } from '../../lib/scoring/backtest';
import { InputError } from '../../lib/scoring/inputs';
import { ModelError } from '../../lib/scoring/model';
import { TierError } from '../../lib/scoring/tierRoutes';

export type NodeError = NodeOperationError | NodeApiError;

/** An item's input that a node refused before sending anything: the editor's label of the parameter, and why. */
export interface ItemProblem {
	/** The parameter's name in the editor, when known. */
	parameter?: string;
	message: string;
}

/** An item's input as a node read it: the value to send, or the problem that keeps it from being sent. */
export type ItemInput<T> = { ok: true; value: T } | { ok: false; problem: ItemProblem };

/** "(item 3, parameter "leadId")": which item, and which parameter to fix. */
function where(itemIndex: number | undefined, parameter?: string): string {
	const parts = [
		itemIndex === undefined ? '' : `item ${itemIndex}`,
		parameter ? `parameter "${parameter}"` : '',
	].filter(Boolean);
	return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

/** `itemIndex` only when known: n8n shows "item 0" for an error given `itemIndex: undefined` too. */
const atItem = (itemIndex: number | undefined) => (itemIndex === undefined ? {} : { itemIndex });

export function describeBrazeErrors(errors: BrazeObjectError[] | undefined): string {
	return (errors ?? [])
		.map((error) => `${error.inputArray ?? 'request'}[${error.index ?? '?'}]: ${error.type}`)
		.join('; ');
}

/** Klaviyo's code, title, detail and pointer, for the operator. */
function klaviyoError(
	node: INode,
	error: KlaviyoApiError,
	itemIndex: number | undefined,
): NodeApiError {
	const pointer = error.pointer ?? error.parameter;
	const description = [
		`Klaviyo error code: ${error.code}`,
		pointer ? `Where: ${pointer}` : '',
		typeof error.meta?.duplicate_profile_id === 'string'
			? `Existing profile: ${error.meta.duplicate_profile_id}`
			: '',
		error.errorId ? `Error ID: ${error.errorId}` : '',
	]
		.filter(Boolean)
		.join('. ');
	return new NodeApiError(node, error.toJSON() as unknown as JsonObject, {
		message: `Klaviyo: ${error.message}`,
		description,
		httpCode: error.status === undefined ? undefined : String(error.status),
		...atItem(itemIndex),
	});
}

/** Braze's message and indexed errors, for the operator. */
function brazeError(
	node: INode,
	error: BrazeApiError,
	itemIndex: number | undefined,
): NodeApiError {
	const description = [
		error.kind === 'object'
			? 'Braze refused this item and applied the other items of the same request.'
			: '',
		error.errors ? `Braze errors: ${describeBrazeErrors(error.errors)}` : '',
	]
		.filter(Boolean)
		.join(' ');
	return new NodeApiError(node, error.toJSON() as unknown as JsonObject, {
		message: `Braze: ${error.message}`,
		description: description || undefined,
		httpCode: error.status === undefined ? undefined : String(error.status),
		...atItem(itemIndex),
	});
}

/** Salesforce's errors keep the client's message: its own words already say what and where. */
function salesforceError(node: INode, error: Error, itemIndex: number | undefined): NodeError {
	if (error instanceof SalesforceApiError) {
		const details: JsonObject = {
			message: error.message,
			errorCode: error.errorCode,
			fields: error.fields,
		};
		return new NodeApiError(node, details, {
			message: `Salesforce: ${error.message}`,
			description: error.hint ?? `Salesforce error code ${error.errorCode}`,
			httpCode: String(error.status),
			itemIndex,
		});
	}
	if (error instanceof SalesforceAuthError) {
		return new NodeApiError(node, { message: error.message, error: error.error } as JsonObject, {
			message: error.message,
			description: error.hint ?? 'Check the Salesforce credential.',
			itemIndex,
		});
	}
	if (error instanceof StatusSetupError)
		return new NodeOperationError(node, error.message, { itemIndex, description: error.hint });
	return new NodeOperationError(node, error.message, { itemIndex });
}

/**
 * The n8n error for a failure, naming the item and, where one is to blame, the parameter to fix.
 * An n8n error passes unchanged; an error lib does not type gets the item added to its message.
 */
export function toNodeError(node: INode, error: Error, itemIndex?: number): NodeError {
	if (error instanceof NodeOperationError || error instanceof NodeApiError) return error;
	if (error instanceof ModelError || error instanceof TierError) {
		const [subject, field] =
			error instanceof ModelError
				? ['The scoring model is', error.field]
				: ['The tiers are', 'tiers'];
		return new NodeOperationError(node, `${subject} invalid${where(itemIndex, field)}`, {
			...atItem(itemIndex),
			description: error.issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'),
		});
	}
	// InputError covers NoStoredModelError too.
	if (error instanceof InputError || error instanceof BacktestError) {
		return new NodeOperationError(
			node,
			`${error.message}${where(itemIndex, error.field)}`,
			atItem(itemIndex),
		);
	}
	if (error instanceof KlaviyoApiError) return klaviyoError(node, error, itemIndex);
	if (error instanceof BrazeApiError) return brazeError(node, error, itemIndex);
	if (
		error instanceof SalesforceApiError ||
		error instanceof SalesforceAuthError ||
		error instanceof SalesforceNetworkError ||
		error instanceof StatusSetupError ||
		error instanceof LookupError
	) {
		return salesforceError(node, error, itemIndex);
	}
	// StoreError and StoreDataError: the store's own message says what to fix (file, database, value).
	return new NodeOperationError(node, `${error.message}${where(itemIndex)}`, atItem(itemIndex));
}

/** What an API error holds for the operator's workflow (code, status, pointer...), without empty fields. */
export function errorDetails(error: Error): IDataObject {
	if (!(error instanceof KlaviyoApiError || error instanceof BrazeApiError)) return {};
	const fields = Object.entries(error.toJSON() as unknown as JsonObject).filter(
		([, value]) => value !== undefined,
	);
	return Object.fromEntries(fields) as IDataObject;
}

/** An item a node refused before sending it to `service`: nothing was sent for it. */
export function itemProblemError(
	node: INode,
	itemIndex: number,
	problem: ItemProblem,
	service: string,
): NodeOperationError {
	const fix = problem.parameter ? `the "${problem.parameter}" parameter` : 'the expression';
	return new NodeOperationError(node, `${problem.message}${where(itemIndex, problem.parameter)}`, {
		itemIndex,
		description: `Nothing was sent to ${service} for item ${itemIndex}. Fix ${fix} or the data it is mapped from.`,
	});
}
