/** Score Event's Options that hold for the whole run, read once and checked before anything is written. */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { DEFAULT_HOURS_AHEAD, timeWindow, type TimeWindow } from '../../lib/scoring/inputs';
import { parseReporting, type Reporting } from '../../lib/scoring/reporting';
import { retentionDays } from '../../lib/service/retention';
import type { ItemOutputs } from '../shared/itemOutputs';

/** The score's retention options, checked: a bad one fails the batch before anything is scored or deleted. */
export function retentionOf(this: IExecuteFunctions) {
	const options = this.getNodeParameter('options', 0, {}) as IDataObject;
	return {
		eventDays: retentionDays(
			options.eventRetentionDays,
			90,
			'options.eventRetentionDays',
			'Event Retention (Days)',
		),
		ledgerDays: retentionDays(
			options.ledgerRetentionDays,
			365,
			'options.ledgerRetentionDays',
			'History Retention (Days)',
		),
	};
}

/**
 * The window item times must fall in, widened on the future side by the node's option; read once,
 * and when the option is invalid every item that needs a time fails with its error.
 */
export function timeWindowFor(this: IExecuteFunctions, now: number): () => TimeWindow {
	let window: TimeWindow | undefined;
	return () =>
		(window ??= timeWindow(
			now,
			(this.getNodeParameter('options', 0, {}) as IDataObject).eventTimeHoursAhead ??
				DEFAULT_HOURS_AHEAD,
		));
}

/** Whole Points and Minimum Change, checked: a bad one fails the node's items before anything is written. */
export function reportingOf(this: IExecuteFunctions): Reporting {
	return parseReporting(this.getNodeParameter('options', 0, {}) as IDataObject);
}

/** Whole Points and Minimum Change for a batch operation: a bad one fails every item, and nothing is written. */
export function reportingOrFailAll(
	this: IExecuteFunctions,
	outputs: ItemOutputs,
): Reporting | undefined {
	try {
		return reportingOf.call(this);
	} catch (error) {
		outputs.failAll(error as Error);
		return undefined;
	}
}
