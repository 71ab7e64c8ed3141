import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import {
	runBacktest,
	type BacktestEvent,
	type ConversionLabel,
	type ThresholdMeasure,
} from '../../../lib/scoring/backtest';
import { keptBacktestEvents } from '../../../lib/service/backtestInput';
import { backtestReportHtml } from '../../../lib/views/backtestReport';
import {
	InputError,
	normalizeLeadId,
	parseEventTime,
	parseNumber,
	parseProfile,
	requireText,
} from '../../../lib/scoring/inputs';
import { ItemOutputs } from '../../shared/itemOutputs';
import { toNodeError } from '../../shared/nodeErrors';
import { ItemParameters } from '../../shared/parameters';
import { openStore, type StoreKind } from '../../shared/storeAccess';
import { onlyFor } from '../description';
import { isObject } from '../itemEvent';
import { optionalModel, settingsFor } from '../modelResolution';
import { timeWindowFor } from '../nodeOptions';

export const description: INodeProperties[] = [
	{
		displayName: 'Events From',
		name: 'backtestSource',
		type: 'options',
		options: [
			{
				name: 'Kept Events',
				value: 'store',
				description: 'The events this score kept, in a time range',
			},
			{
				name: 'Input Items',
				value: 'items',
				description: 'One event per item, e.g. rows of a CSV file',
			},
		],
		default: 'store',
		displayOptions: onlyFor('backtest'),
	},
	{
		displayName: 'From',
		name: 'from',
		type: 'string',
		default: '={{ $now.minus({ days: 90 }).toISO() }}',
		description: 'Start of the time range of events to replay (ISO date)',
		displayOptions: { show: { operation: ['backtest'], backtestSource: ['store'] } },
	},
	{
		displayName: 'To',
		name: 'to',
		type: 'string',
		default: '={{ $now.toISO() }}',
		description: 'End of the time range (ISO date)',
		displayOptions: { show: { operation: ['backtest'], backtestSource: ['store'] } },
	},
	...['leadId', 'eventName', 'eventTime', 'profile'].map(
		(name): INodeProperties => ({
			displayName: {
				leadId: 'Lead ID',
				eventName: 'Event Name',
				eventTime: 'Event Time',
				profile: 'Profile',
			}[name]!,
			name,
			type: name === 'profile' ? 'json' : 'string',
			default: {
				leadId: '={{ $json.email }}',
				eventName: '={{ $json.event }}',
				eventTime: '={{ $json.time }}',
				profile: '',
			}[name]!,
			required: name === 'leadId' || name === 'eventName' || name === 'eventTime',
			description: 'Read from each input item, as in Score Event',
			displayOptions: { show: { operation: ['backtest'], backtestSource: ['items'] } },
		}),
	),
	{
		displayName: 'Conversion Is',
		name: 'conversionKind',
		type: 'options',
		options: [
			{
				name: 'An Event',
				value: 'event',
				description: 'A lead converted when it has an event of this name',
			},
			{
				name: 'A Field',
				value: 'field',
				description: 'A lead converted when one of its events has this field set',
			},
		],
		default: 'event',
		displayOptions: onlyFor('backtest'),
	},
	{
		displayName: 'Conversion Event',
		name: 'conversionEvent',
		type: 'string',
		default: 'Placed Order',
		placeholder: 'Opportunity Won',
		displayOptions: { show: { operation: ['backtest'], conversionKind: ['event'] } },
	},
	{
		displayName: 'Conversion Field',
		name: 'conversionField',
		type: 'string',
		default: '',
		placeholder: 'properties.converted',
		displayOptions: { show: { operation: ['backtest'], conversionKind: ['field'] } },
	},
	{
		displayName: 'Candidate Model',
		name: 'compareModel',
		type: 'json',
		default: '',
		description:
			'Optional second model to compare with, tier by tier (it needs the same tier names)',
		displayOptions: onlyFor('backtest'),
	},
	{
		displayName: 'Threshold',
		name: 'backtestThreshold',
		type: 'number',
		default: 76,
		description:
			'The hand-off threshold to measure: how many leads it would hand to sales, and precision and recall of those hand-offs',
		displayOptions: onlyFor('backtest'),
	},
	{
		displayName: 'Suggest Threshold By',
		name: 'measure',
		type: 'options',
		options: [
			{ name: 'F1 (Precision and Recall)', value: 'f1' },
			{ name: 'Youden (Recall Minus False-Positive Rate)', value: 'youden' },
		],
		default: 'f1',
		displayOptions: onlyFor('backtest'),
	},
];

function conversionLabel(parameters: ItemParameters): ConversionLabel {
	if (parameters.get('conversionKind', 0) === 'field') {
		return {
			kind: 'field',
			path: requireText(
				parameters.get('conversionField', 0),
				'conversionField',
				'The conversion field',
			),
		};
	}
	return {
		kind: 'event',
		name: requireText(
			parameters.get('conversionEvent', 0),
			'conversionEvent',
			'The conversion event',
		),
	};
}

/** Events of the backtest: kept events of a time range, or one event per input item. */
async function backtestEvents(
	this: IExecuteFunctions,
	parameters: ItemParameters,
	scoreName: string,
	storeKind: StoreKind,
): Promise<{ events: BacktestEvent[]; end?: number }> {
	const items = this.getInputData();
	if (parameters.get('backtestSource', 0) === 'items') {
		const window = timeWindowFor.call(this, Date.now());
		const events = items.map((item, itemIndex): BacktestEvent => {
			try {
				const profile = parseProfile(parameters.get('profile', itemIndex, ''));
				return {
					leadId: normalizeLeadId(parameters.get('leadId', itemIndex)),
					name: requireText(parameters.get('eventName', itemIndex), 'eventName', 'The event name'),
					time: parseEventTime(parameters.get('eventTime', itemIndex, ''), window()),
					data: profile ? { ...item.json, profile } : item.json,
					hasProfile: profile !== undefined || isObject(item.json.profile),
					order: itemIndex,
				};
			} catch (error) {
				throw toNodeError(this.getNode(), error as Error, itemIndex);
			}
		});
		return { events };
	}
	if (storeKind === 'none')
		throw new InputError(
			'backtestSource',
			'Without a store there are no kept events: choose "Input Items".',
		);
	const window = timeWindowFor.call(this, Date.now());
	const from = parseEventTime(parameters.get('from', 0, ''), window(), 'from');
	const to = parseEventTime(parameters.get('to', 0, ''), window(), 'to');
	if (from > to) throw new InputError('from', '"From" is after "To": the time range is empty.');
	const store = await openStore(this, storeKind, 0);
	const events = await keptBacktestEvents(store, scoreName, { from, to });
	return { events, end: to };
}

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const parameters = new ItemParameters(this);
	try {
		const settings = await settingsFor.call(this, parameters, 0);
		const candidate = optionalModel(parameters.get('compareModel', 0, ''), 'compareModel');
		const models = [
			{ name: 'Current model', model: settings.model },
			...(candidate ? [{ name: 'Candidate model', model: candidate }] : []),
		];
		const { events, end } = await backtestEvents.call(
			this,
			parameters,
			settings.scoreName,
			settings.storeKind,
		);
		const threshold = parameters.get<number | string>('backtestThreshold', 0, '');
		const result = runBacktest(models, events, conversionLabel(parameters), {
			threshold:
				threshold === '' || threshold === null
					? undefined
					: parseNumber(threshold, 'backtestThreshold', 'The threshold'),
			measure: parameters.get<ThresholdMeasure>('measure', 0, 'f1'),
			end,
		});
		const html = backtestReportHtml(result, `Backtest of score "${settings.scoreName}"`);
		const report = await this.helpers.prepareBinaryData(
			Buffer.from(html, 'utf8'),
			'backtest-report.html',
			'text/html',
		);
		const out: INodeExecutionData[] = result.models.flatMap((model) =>
			model.tiers.map((tier) => ({
				json: {
					backtest: {
						model: model.name,
						modelVersion: model.modelVersion,
						...tier,
						baseRate: result.baseRate,
						leadsInBacktest: result.leads,
						atThreshold: model.atThreshold as unknown as IDataObject,
						suggestedThreshold: model.suggested as unknown as IDataObject,
					},
				},
				pairedItem: { item: 0 },
			})),
		);
		out[0].binary = { report };
		return out;
	} catch (error) {
		// One report for all items: its failure is item 0's.
		const outputs = new ItemOutputs(this, 1);
		outputs.fail(0, error as Error);
		return outputs.list();
	}
}
