import {
	NodeConnectionTypes,
	NodeOperationError,
	type ILoadOptionsFunctions,
	type INodeExecutionData,
	type INodePropertyOptions,
	type INodeType,
	type INodeTypeDescription,
	type IPollFunctions,
} from 'n8n-workflow';

import { systemClock } from '../../lib/http/clock';
import { latestEvent, listMetrics, pollEvents, readPollState } from '../../lib/klaviyo';
import { CREDENTIAL_TYPE, klaviyoClientFor } from '../shared/klaviyoTransport';
import { toNodeError } from '../shared/nodeErrors';
import { klaviyoTriggerProperties } from './description';

/** n8n stops waiting for a poll after its budget; leave room to hand the events on. */
const DEFAULT_BUDGET_MS = 4 * 60_000;

function chosenMetrics(context: IPollFunctions): string[] {
	const raw = context.getNodeParameter('metrics', []) as unknown;
	const metrics = (Array.isArray(raw) ? raw : String(raw ?? '').split(','))
		.map((metric) => String(metric).trim())
		.filter((metric) => metric !== '');
	if (metrics.length === 0) {
		throw new NodeOperationError(
			context.getNode(),
			'Choose at least one metric (parameter "Metrics")',
			{
				description:
					'The trigger emits the events of the Klaviyo metrics you choose, e.g. Opened Email or Placed Order.',
			},
		);
	}
	return [...new Set(metrics)];
}

/** A number parameter, or its default when empty or not a number (an expression can give anything). */
function numberOr(value: unknown, fallback: number, min: number): number {
	const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	return typeof number === 'number' && Number.isFinite(number) ? Math.max(min, number) : fallback;
}

export class KlaviyoTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Klaviyo Trigger',
		name: 'klaviyoTrigger',
		icon: { light: 'file:klaviyoTrigger.svg', dark: 'file:klaviyoTrigger.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{ "Events of " + ($parameter["metrics"] || []).length + " metric(s)" }}',
		description:
			'Starts the workflow with new Klaviyo events (opens, clicks, orders…) of the metrics you choose, one item per event',
		defaults: { name: 'Klaviyo Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: CREDENTIAL_TYPE, required: true }],
		properties: klaviyoTriggerProperties,
	};

	methods = {
		loadOptions: {
			async getMetrics(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
				try {
					const metrics = await listMetrics(await klaviyoClientFor(this));
					return metrics.map((metric) => ({
						name: metric.integration ? `${metric.name} (${metric.integration})` : metric.name,
						value: metric.id,
					}));
				} catch (error) {
					throw toNodeError(this.getNode(), error as Error);
				}
			},
		},
	};

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const metricIds = chosenMetrics(this);
		const client = await klaviyoClientFor(this);
		try {
			// The editor's "Fetch Test Event": one recent event, and the position stays where it is.
			if (this.getMode() === 'manual') {
				const event = await latestEvent(client, metricIds);
				if (!event) {
					throw new NodeOperationError(
						this.getNode(),
						'No events of the chosen metrics in Klaviyo yet',
						{
							description:
								'Once one of these metrics has an event (e.g. an email was opened), fetch again.',
						},
					);
				}
				return [[{ json: { ...event } }]];
			}
			const staticData = this.getWorkflowStaticData('node');
			const state = readPollState(staticData);
			const options = this.getNodeParameter('options', {}) as {
				lateWindowMinutes?: unknown;
				maxEventsPerPoll?: unknown;
			};
			const budget =
				typeof this.getPollBudgetMs === 'function' ? this.getPollBudgetMs() : DEFAULT_BUDGET_MS;
			const result = await pollEvents(client, systemClock, state, {
				metricIds,
				backfillDays: numberOr(this.getNodeParameter('backfillDays', 0), 0, 0),
				lateWindowSeconds: numberOr(options.lateWindowMinutes, 10, 0) * 60,
				maxEvents: numberOr(options.maxEventsPerPoll, 10_000, 1),
				// Stop reading with a fifth of the budget left, to hand the events on in time.
				budgetMs: Math.min(DEFAULT_BUDGET_MS, budget * 0.8),
			});
			// n8n saves static data with the events it hands on, so the position moves with them.
			staticData.metrics = state.metrics;
			if (result.events.length === 0) return null;
			return [this.helpers.returnJsonArray(result.events.map((event) => ({ ...event })))];
		} catch (error) {
			throw toNodeError(this.getNode(), error as Error);
		}
	}
}
