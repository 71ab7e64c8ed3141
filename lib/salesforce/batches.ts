/**
 * Working through many requests 200 at a time (one sObject Collections call takes at most 200
 * records), with one outcome per request in order, and the rules for when to stop early.
 */
import { type Outcome, failed } from '../outcome';

import { MAX_COLLECTION_RECORDS } from './client';
import { SalesforceApiError, SalesforceAuthError } from './errors';

export interface BatchOptions {
	/**
	 * Stop at the first failure by throwing a {@link RequestFailure}: a batch in which a record
	 * cannot be found is not written, and no later batch is read. (A record that Salesforce
	 * refuses is found only after its batch was sent: the rest of that batch is written.)
	 */
	stopAfterFailure?: boolean;
}

/** The first request that failed, when the caller asked to stop there. */
export class RequestFailure extends Error {
	readonly name = 'RequestFailure';
	constructor(
		readonly index: number,
		readonly error: Error,
	) {
		super(error.message);
	}
}

/**
 * Errors after which no call can succeed: the daily limit is used up, the token endpoint refuses
 * the credential, or Salesforce refuses a token that was fetched again after a 401 (the
 * transport already fetched a new one once; every further batch would fetch another in vain).
 */
export function endsTheRun(error: unknown): error is SalesforceApiError | SalesforceAuthError {
	if (error instanceof SalesforceAuthError) return true;
	return error instanceof SalesforceApiError && (error.isRequestLimit || error.status === 401);
}

/** With `stopAfterFailure`, throws the batch's first failed request before anything is written. */
export function stopAtFirstFailure<T>(
	outcomes: Array<Outcome<T> | undefined>,
	options: BatchOptions,
): void {
	if (!options.stopAfterFailure) return;
	const index = outcomes.findIndex((outcome) => outcome && !outcome.ok);
	const outcome = outcomes[index];
	if (outcome && !outcome.ok) throw new RequestFailure(index, outcome.error);
}

/**
 * Runs `work` on each batch of up to 200 requests and returns one outcome per request in order.
 * An error that ends the run fails every request not done yet with it (or, with
 * `stopAfterFailure`, is thrown); a {@link RequestFailure} is thrown with its overall index.
 */
export async function inBatches<R, T>(
	requests: R[],
	work: (batch: R[]) => Promise<Array<Outcome<T>>>,
	options: BatchOptions,
): Promise<Array<Outcome<T>>> {
	const outcomes: Array<Outcome<T>> = [];
	for (let start = 0; start < requests.length; start += MAX_COLLECTION_RECORDS) {
		let batch: Array<Outcome<T>>;
		try {
			batch = await work(requests.slice(start, start + MAX_COLLECTION_RECORDS));
			stopAtFirstFailure(batch, options);
		} catch (error) {
			if (error instanceof RequestFailure)
				throw new RequestFailure(start + error.index, error.error);
			if (options.stopAfterFailure || !endsTheRun(error)) throw error;
			for (let index = start; index < requests.length; index++)
				outcomes.push(failed(error as Error));
			return outcomes;
		}
		outcomes.push(...batch);
	}
	return outcomes;
}
