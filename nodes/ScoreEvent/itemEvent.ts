/** What Score Event, Get Score and Adjust Score read from an item: its event, and its current score without a store. */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { valueAt } from '../../lib/scoring/conditions';
import {
	EVENT_DATA_FIELDS,
	defaultEventData,
	type EventDataField,
} from '../../lib/scoring/eventData';
import { InputError, parseNumber } from '../../lib/scoring/inputs';
import type { ScoringModel } from '../../lib/scoring/model';
import { ItemParameters } from '../shared/parameters';
import type { ItemSettings } from './modelResolution';

/**
 * One item's event: the Event Data the rules read, and the fields (Lead ID, Event Name...) read
 * from it when the operator left their parameter empty. A parameter the operator set is used as
 * it evaluates, even when empty, so a mapping that finds nothing is reported, never replaced.
 */
export class ItemEvent {
	readonly data: Record<string, unknown>;

	constructor(
		private readonly parameters: ItemParameters,
		private readonly itemIndex: number,
		item: INodeExecutionData,
		model: ScoringModel,
	) {
		this.data = parameters.isEmpty('eventData')
			? (defaultEventData(item.json, model) as Record<string, unknown>)
			: eventDataObject(parameters.get('eventData', itemIndex));
	}

	field(name: EventDataField): unknown {
		if (!this.parameters.isEmpty(name)) return this.parameters.get(name, this.itemIndex, '');
		return valueAt(this.data, EVENT_DATA_FIELDS[name]);
	}
}

function eventDataObject(value: unknown): Record<string, unknown> {
	let parsed = value;
	if (typeof value === 'string') {
		try {
			parsed = JSON.parse(value);
		} catch {
			parsed = undefined;
		}
	}
	if (!isObject(parsed))
		throw new InputError(
			'eventData',
			'The event data must be an object, e.g. {{ $json.body }}; leave it empty for the webhook body (or the item).',
		);
	return parsed as Record<string, unknown>;
}

export function currentScoreOf(
	event: ItemEvent,
	parameters: ItemParameters,
	settings: ItemSettings,
): number | undefined {
	if (settings.storeKind !== 'none') return undefined;
	const value = event.field('currentScore');
	// Left empty: a lead without the property (never scored yet) starts at 0.
	const missing = value === undefined || value === null || value === '';
	return parseNumber(
		missing && parameters.isEmpty('currentScore') ? 0 : value,
		'currentScore',
		'The current score',
	);
}

export function isObject(value: unknown): boolean {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function withLeadScore(item: INodeExecutionData, leadScore: object): IDataObject {
	return { ...item.json, leadScore: leadScore as IDataObject };
}
