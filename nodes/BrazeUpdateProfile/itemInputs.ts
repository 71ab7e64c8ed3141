/** Reads one item's parameters into a checked Braze update, or says which parameter is wrong. */
import type { IExecuteFunctions } from 'n8n-workflow';

import {
	type EventTrigger,
	type IdentifierKind,
	type InputProblem,
	type ProfileUpdate,
	type ScoreWriteSettings,
	checkAttributes,
	checkEvent,
	checkIdentifier,
	isProblem,
	planScoreWrite,
} from '../../lib/braze';
import type { ItemInput } from '../shared/nodeErrors';
import { ItemParameters } from '../shared/parameters';
import { PARAMETER_LABELS } from './description';

export interface NodeSettings extends ScoreWriteSettings {
	identifyBy: IdentifierKind;
	eventName: string;
	batchSize: number;
	maxRetries: number;
	updateExistingOnly: boolean;
}

function whole(value: unknown, fallback: number, min: number, max: number): number {
	const number = typeof value === 'number' && Number.isFinite(value) ? Math.floor(value) : fallback;
	return Math.min(max, Math.max(min, number));
}

/** The parameters that are the same for every item (no expressions allowed in them). */
export function readSettings(context: IExecuteFunctions): NodeSettings {
	const options = context.getNodeParameter('options', 0, {}) as Record<string, unknown>;
	const eventOn = context.getNodeParameter('eventOn', 0, 'never') as EventTrigger;
	return {
		identifyBy: context.getNodeParameter('identifyBy', 0, 'externalId') as IdentifierKind,
		scoreAttribute: String(context.getNodeParameter('scoreAttribute', 0, '')).trim(),
		tierAttribute: String(context.getNodeParameter('tierAttribute', 0, '')).trim(),
		onlyChanged: context.getNodeParameter('sendOnlyChanges', 0, true) as boolean,
		eventOn,
		threshold:
			eventOn === 'crossing' || eventOn === 'tierChangeOrCrossing'
				? Number(context.getNodeParameter('threshold', 0, 76))
				: undefined,
		eventName: eventOn === 'never' ? '' : String(context.getNodeParameter('eventName', 0, '')),
		batchSize: whole(options.batchSize, 75, 1, 75),
		maxRetries: whole(options.maxRetries, 3, 0, 10),
		updateExistingOnly: options.updateExistingOnly === true,
	};
}

const wrong = (field: InputProblem['field'], message: string): ItemInput<ProfileUpdate> => ({
	ok: false,
	problem: { parameter: PARAMETER_LABELS[field], message },
});

/** A JSON parameter holds text when typed in, or a value when it is an expression. */
function parsedJson(value: unknown): unknown {
	if (typeof value !== 'string') return value;
	try {
		return value.trim() === '' ? undefined : (JSON.parse(value) as unknown);
	} catch {
		return value;
	}
}

export class ItemReader {
	private readonly parameters: ItemParameters;

	constructor(
		context: IExecuteFunctions,
		private readonly settings: NodeSettings,
		private readonly now: () => number,
	) {
		this.parameters = new ItemParameters(context);
	}

	/** The identifier first: an item without one is reported as such, whatever else is wrong. */
	read(itemIndex: number): ItemInput<ProfileUpdate> {
		const get = (name: string) => this.parameters.get(name, itemIndex, '');
		const { settings } = this;
		const identifier = checkIdentifier(settings.identifyBy, {
			externalId: settings.identifyBy === 'externalId' ? get('externalId') : undefined,
			email: settings.identifyBy === 'email' ? get('email') : undefined,
			aliasName: settings.identifyBy === 'userAlias' ? get('aliasName') : undefined,
			aliasLabel: settings.identifyBy === 'userAlias' ? get('aliasLabel') : undefined,
		});
		if (isProblem(identifier)) return wrong(identifier.field, identifier.message);

		const write = planScoreWrite(
			{
				score:
					settings.scoreAttribute !== '' || settings.threshold !== undefined
						? get('score')
						: undefined,
				previousScore: get('previousScore'),
				tier:
					settings.tierAttribute !== '' ||
					settings.eventOn === 'tierChange' ||
					settings.eventOn === 'tierChangeOrCrossing'
						? get('tier')
						: undefined,
				previousTier: get('previousTier'),
				replayed: get('replayed'),
			},
			settings,
		);
		if (isProblem(write)) return wrong(write.field, write.message);
		const attributes = checkAttributes(write.attributes);
		if (isProblem(attributes)) return wrong('attributes', attributes.message);

		const update: ProfileUpdate = {
			identifier,
			attributes,
			...(settings.updateExistingOnly ? { updateExistingOnly: true } : {}),
		};
		if (write.eventDue) {
			const properties = {
				score: write.score ?? null,
				previous_score: write.previousScore ?? null,
				tier: write.tier ?? null,
				previous_tier: write.previousTier ?? null,
				reasons: parsedJson(get('reasons')) ?? [],
			};
			const event = checkEvent(settings.eventName, get('eventTime'), properties, this.now);
			if (isProblem(event)) return wrong(event.field, event.message);
			update.event = event;
		}
		return { ok: true, value: update };
	}
}
