import type { INodeProperties } from 'n8n-workflow';

export const klaviyoTriggerProperties: INodeProperties[] = [
	{
		displayName: 'Metric Names or IDs',
		name: 'metrics',
		type: 'multiOptions',
		typeOptions: { loadOptionsMethod: 'getMetrics' },
		required: true,
		default: [],
		description:
			'The Klaviyo metrics whose events start the workflow, e.g. Opened Email, Clicked Email, Placed Order. Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
	},
	{
		displayName: 'Backfill Days',
		name: 'backfillDays',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 3650 },
		default: 0,
		description:
			'On the first poll (and for a metric added later), also emit the events of this many past days. 0 starts from the moment the workflow is published.',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Late Event Window (Minutes)',
				name: 'lateWindowMinutes',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 1440 },
				default: 10,
				description:
					'Klaviyo files some events after their time (it processes events a moment after accepting them; shop integrations send orders late). Each poll looks this far back before the newest event it emitted, and skips the events it already emitted.',
			},
			{
				displayName: 'Max Events Per Poll',
				name: 'maxEventsPerPoll',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 10000,
				description:
					'Once a poll holds this many events, each metric stops after the page it is reading (every metric still reads its first page, so none waits behind another); the next poll carries on from there. Keeps one execution a manageable size after a long outage or a large backfill.',
			},
		],
	},
];
