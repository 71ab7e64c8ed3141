/**
 * One error type for everything the Braze client reports. It carries Braze's own message and
 * indexed errors, never the request headers, and quoted keys are redacted, so the REST API key
 * cannot leak through it.
 */
import { ApiError } from '../http/apiError';

/** One entry of Braze's `errors` array: `{"type": "...", "input_array": "attributes", "index": 3}`. */
export interface BrazeObjectError {
	/** Braze's description of what is wrong with the object. */
	type: string;
	inputArray?: 'attributes' | 'events' | 'purchases';
	/** Position in its own array (`input_array`), from 0. */
	index?: number;
}

export type BrazeErrorKind =
	/** Braze refused the whole request (4xx, or 429/5xx after the retries ran out). */
	| 'api'
	/** No response arrived (connection refused or reset, timeout) after the retries ran out. */
	| 'network'
	/** Braze refused this item's object and applied the rest of the request. */
	| 'object';

export interface BrazeErrorFields {
	kind: BrazeErrorKind;
	status?: number;
	/** Braze's `message`, or a description of what happened. */
	message: string;
	/** Braze's errors about this item's objects (kind `object`), or the request's (kind `api`). */
	errors?: BrazeObjectError[];
}

export class BrazeApiError extends ApiError {
	readonly kind: BrazeErrorKind;
	readonly errors?: BrazeObjectError[];

	constructor(fields: BrazeErrorFields) {
		super(redactSecrets(fields.message), fields.status);
		this.name = 'BrazeApiError';
		this.kind = fields.kind;
		this.errors = fields.errors?.map((error) => ({ ...error, type: redactSecrets(error.type) }));
	}

	/** The fields worth showing an operator, as plain JSON. */
	toJSON(): BrazeErrorFields {
		return {
			kind: this.kind,
			status: this.status,
			message: this.message,
			...(this.errors ? { errors: this.errors } : {}),
		};
	}
}

/** A message may quote a key ("Invalid API key: …"), and a bearer header can appear in network errors. */
export function redactSecrets(text: string): string {
	return text
		.replace(/(api[ _-]?key\s*[:=]\s*)\S+/gi, '$1[redacted]')
		.replace(/Bearer\s+\S+/gi, 'Bearer [redacted]');
}

function isArrayName(value: unknown): value is BrazeObjectError['inputArray'] {
	return value === 'attributes' || value === 'events' || value === 'purchases';
}

/** Braze's `errors` array, read defensively: an entry may be a bare string or lack its index. */
export function objectErrorsOf(body: unknown): BrazeObjectError[] {
	const errors = (body as { errors?: unknown } | undefined)?.errors;
	if (!Array.isArray(errors)) return [];
	return errors.map((entry): BrazeObjectError => {
		if (typeof entry === 'string') return { type: entry };
		const { type, input_array: inputArray, index } = (entry ?? {}) as Record<string, unknown>;
		return {
			type: typeof type === 'string' ? type : JSON.stringify(entry),
			...(isArrayName(inputArray) ? { inputArray } : {}),
			...(typeof index === 'number' && Number.isInteger(index) ? { index } : {}),
		};
	});
}

/** Turns a refused request (`{"message": "...", "errors": [...]}`) into an error. */
export function errorFromResponse(status: number, body: unknown): BrazeApiError {
	const message = (body as { message?: unknown } | undefined)?.message;
	const text =
		typeof message === 'string' && message.length > 0
			? message
			: typeof body === 'string' && body.length > 0
				? body.slice(0, 300)
				: `Braze answered HTTP ${status}.`;
	const errors = objectErrorsOf(body);
	return new BrazeApiError({
		kind: 'api',
		status,
		message: text,
		...(errors.length > 0 ? { errors } : {}),
	});
}
