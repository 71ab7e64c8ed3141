import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { sweepDecay } from '../../../lib/service/decaySweep';
import { parseEventTime } from '../../../lib/scoring/inputs';
import { ItemParameters } from '../../shared/parameters';
import { onlyFor } from '../description';
import { reportingOf, timeWindowFor } from '../nodeOptions';
import { sweepPerItem } from '../sweep';

export const description: INodeProperties[] = [
	{
		displayName: 'Decay Up To',
		name: 'asOf',
		type: 'string',
		default: '',
		description: 'The time decay is applied up to (ISO date); empty means now',
		displayOptions: onlyFor('applyDecay'),
	},
];

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const parameters = new ItemParameters(this);
	return await sweepPerItem.call(this, 'Apply Decay', async (store, settings, itemIndex) => {
		const reporting = reportingOf.call(this);
		const window = timeWindowFor.call(this, Date.now());
		const asOf = parseEventTime(parameters.get('asOf', itemIndex, ''), window(), 'asOf');
		let swept = 0;
		const changed = await sweepDecay(store, settings.model, settings.scoreName, asOf, {
			reporting,
			onPage: (leads) => (swept += leads),
		});
		return { changed, swept };
	});
}
