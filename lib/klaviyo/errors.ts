/**
 * One error type for everything the client reports. It carries Klaviyo's own error fields
 * and never the request headers, so the API key cannot leak through it.
 */
import { ApiError } from '../http/apiError';

export type KlaviyoErrorKind =
	/** Klaviyo answered with an error status (4xx, or 429/5xx after the retries ran out). */
	| 'api'
	/** No response arrived (connection refused or reset, timeout) after the retries ran out. */
	| 'network'
	/** A bulk import job ended without importing this profile. */
	| 'import'
	/** A bulk import job did not finish in time. */
	| 'timeout';

export interface KlaviyoErrorFields {
	kind: KlaviyoErrorKind;
	status?: number;
	code: string;
	title: string;
	detail: string;
	/** JSON pointer into the request body (`source.pointer`). */
	pointer?: string;
	/** Query or header parameter at fault (`source.parameter`). */
	parameter?: string;
	/** Klaviyo's error id, to quote to Klaviyo support. */
	errorId?: string;
	meta?: Record<string, unknown>;
}

export class KlaviyoApiError extends ApiError {
	readonly kind: KlaviyoErrorKind;
	readonly code: string;
	readonly title: string;
	readonly detail: string;
	readonly pointer?: string;
	readonly parameter?: string;
	readonly errorId?: string;
	readonly meta?: Record<string, unknown>;
	/** Every error of the response, this one first, when Klaviyo listed several (a bulk request names each bad entry). */
	errors: KlaviyoApiError[] = [this];

	constructor(fields: KlaviyoErrorFields) {
		const where = fields.pointer ?? fields.parameter;
		super(`${fields.title} ${fields.detail}${where ? ` (at ${where})` : ''}`.trim(), fields.status);
		this.name = 'KlaviyoApiError';
		this.kind = fields.kind;
		this.code = fields.code;
		this.title = fields.title;
		this.detail = fields.detail;
		this.pointer = fields.pointer;
		this.parameter = fields.parameter;
		this.errorId = fields.errorId;
		this.meta = fields.meta;
	}

	/** The fields worth showing an operator, as plain JSON. */
	toJSON(): KlaviyoErrorFields {
		return {
			kind: this.kind,
			status: this.status,
			code: this.code,
			title: this.title,
			detail: this.detail,
			pointer: this.pointer,
			parameter: this.parameter,
			errorId: this.errorId,
			meta: this.meta,
		};
	}
}

interface JsonApiError {
	id?: unknown;
	code?: unknown;
	title?: unknown;
	detail?: unknown;
	source?: { pointer?: unknown; parameter?: unknown };
	meta?: unknown;
}

function text(value: unknown): string | undefined {
	return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** Turns a Klaviyo error response (`{"errors":[{id,code,title,detail,source}]}`) into an error. */
export function errorFromResponse(status: number, body: unknown): KlaviyoApiError {
	const listed = (body as { errors?: unknown } | undefined)?.errors;
	const [first, ...rest] = Array.isArray(listed)
		? (listed as JsonApiError[]).filter((entry) => entry && typeof entry === 'object')
		: [];
	if (!first) {
		return new KlaviyoApiError({
			kind: 'api',
			status,
			code: `http_${status}`,
			title: `Klaviyo answered HTTP ${status}.`,
			detail:
				typeof body === 'string' && body.length > 0
					? body.slice(0, 300)
					: 'The response had no error details.',
		});
	}
	const error = apiErrorFrom(status, first);
	error.errors = [error, ...rest.map((entry) => apiErrorFrom(status, entry))];
	return error;
}

function apiErrorFrom(status: number, entry: JsonApiError): KlaviyoApiError {
	return new KlaviyoApiError({
		kind: 'api',
		status,
		code: text(entry.code) ?? `http_${status}`,
		title: text(entry.title) ?? `Klaviyo answered HTTP ${status}.`,
		detail: text(entry.detail) ?? '',
		pointer: text(entry.source?.pointer),
		parameter: text(entry.source?.parameter),
		errorId: text(entry.id),
		meta:
			entry.meta && typeof entry.meta === 'object' && Object.keys(entry.meta).length > 0
				? (entry.meta as Record<string, unknown>)
				: undefined,
	});
}
