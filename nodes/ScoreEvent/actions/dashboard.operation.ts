import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import { InputError, parseNumber } from '../../../lib/scoring/inputs';
import { buildDashboard } from '../../../lib/service/dashboard';
import { dashboardPage } from '../../../lib/views/dashboardPage';
import { perItemOnStore, withReportedScore } from '../storedLeads';
import { reportingOf } from '../nodeOptions';

export const description: INodeProperties[] = [
	{
		displayName: 'Crossing Threshold',
		name: 'crossingThreshold',
		type: 'number',
		default: 76,
		description:
			'The dashboard counts a lead as crossing when its score rises from below this to this or above',
		displayOptions: { show: { operation: ['dashboard'] } },
	},
	{
		displayName: 'Title',
		name: 'dashboardTitle',
		type: 'string',
		default: 'Lead scores',
		displayOptions: { show: { operation: ['dashboard'] } },
	},
	{
		displayName: 'Put Output File in Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		hint: 'The name of the output binary field to put the HTML page in',
		displayOptions: { show: { operation: ['dashboard'] } },
	},
];

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	return await perItemOnStore.call(this, async (store, settings, parameters, itemIndex) => {
		const reporting = reportingOf.call(this);
		const threshold = parseNumber(
			parameters.get('crossingThreshold', itemIndex, 76),
			'crossingThreshold',
			'The crossing threshold',
		);
		const title = String(
			parameters.get('dashboardTitle', itemIndex, 'Lead scores') || 'Lead scores',
		);
		const field = String(parameters.get('binaryPropertyName', itemIndex, 'data')).trim();
		if (!field)
			throw new InputError(
				'binaryPropertyName',
				'Put Output File in Field needs a field name, e.g. data.',
			);
		const built = await buildDashboard(
			store,
			settings.model,
			settings.scoreName,
			threshold,
			Date.now(),
		);
		// The top leads' scores as Score Event, Get Score and List Leads report them.
		const dashboard = {
			...built,
			topLeads: built.topLeads.map((lead) => withReportedScore(lead, reporting)),
		};
		const page = await this.helpers.prepareBinaryData(
			Buffer.from(dashboardPage(dashboard, title), 'utf8'),
			'lead-scores.html',
			'text/html',
		);
		return [
			{ json: { dashboard: dashboard as unknown as IDataObject }, binary: { [field]: page } },
		];
	});
}
