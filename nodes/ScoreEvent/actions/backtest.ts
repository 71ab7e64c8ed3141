import { type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import {
	runBacktest,
	type BacktestEvent,
	type ConversionLabel,
	type ThresholdMeasure,
} from '../../../lib/scoring/backtest';
import { backtestReportHtml } from '../../../lib/views/backtestReport';
import {
	InputError,
	normalizeLeadId,
	parseEventTime,
	parseNumber,
	parseProfile,
	requireText,
} from '../../../lib/scoring/inputs';
import { keptBacktestEvents } from '../../../lib/service/backtestInput';
import { itemError } from '../../shared/itemError';
import { optionalModel, settingsFor, openStore, isObject, timeWindowFor } from '../items';
import { ItemParameters } from '../../shared/parameters';
import { type StoreKind } from '../../shared/store';

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
				throw itemError.call(this, error as Error, itemIndex);
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
	const store = await openStore.call(this, storeKind);
	const events = await keptBacktestEvents(store, scoreName, { from, to });
	return { events, end: to };
}

export async function backtestOperation(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
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
		const nodeError = itemError.call(this, error as Error, 0);
		if (!this.continueOnFail()) throw nodeError;
		return [{ json: { error: nodeError.message }, pairedItem: { item: 0 } }];
	}
}
