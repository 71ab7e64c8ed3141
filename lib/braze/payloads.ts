/** The /users/track body Braze expects, built from checked updates. */
import type { JsonObject } from '../http/jsonValues';

import type { BrazeEventInput, BrazeIdentifier, ProfileUpdate } from './inputs';

type IdentifierFields =
	| { external_id: string }
	| { email: string }
	| { user_alias: { alias_name: string; alias_label: string } };

function identifierFields(identifier: BrazeIdentifier): IdentifierFields {
	switch (identifier.kind) {
		case 'externalId':
			return { external_id: identifier.externalId };
		case 'email':
			return { email: identifier.email };
		case 'userAlias':
			return {
				user_alias: { alias_name: identifier.aliasName, alias_label: identifier.aliasLabel },
			};
	}
}

export function attributesObject(update: ProfileUpdate): JsonObject {
	// For aliases Braze defaults to "update existing only" and drops the rest without an error.
	const existingOnly =
		update.updateExistingOnly ?? (update.identifier.kind === 'userAlias' ? false : undefined);
	return {
		...update.attributes,
		...identifierFields(update.identifier),
		...(existingOnly === undefined ? {} : { _update_existing_only: existingOnly }),
	};
}

export function eventObject(identifier: BrazeIdentifier, event: BrazeEventInput): JsonObject {
	return {
		...identifierFields(identifier),
		name: event.name,
		time: event.time,
		properties: event.properties,
	};
}

/** Where each update's objects sit in one request: positions within their own arrays, as Braze counts. */
export interface TrackRequestPlan {
	body: { attributes?: JsonObject[]; events?: JsonObject[] };
	/** Per update of the batch: its index in `attributes` and in `events`, if it has one there. */
	positions: Array<{ attributes?: number; events?: number }>;
}

/** One request for a batch of updates: an update with no attributes changed sends no attributes object. */
export function trackRequest(updates: ProfileUpdate[]): TrackRequestPlan {
	const attributes: JsonObject[] = [];
	const events: JsonObject[] = [];
	const positions = updates.map((update) => {
		const position: { attributes?: number; events?: number } = {};
		if (Object.keys(update.attributes).length > 0)
			position.attributes = attributes.push(attributesObject(update)) - 1;
		if (update.event)
			position.events = events.push(eventObject(update.identifier, update.event)) - 1;
		return position;
	});
	return {
		body: {
			...(attributes.length > 0 ? { attributes } : {}),
			...(events.length > 0 ? { events } : {}),
		},
		positions,
	};
}
