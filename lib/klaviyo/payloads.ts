/** The JSON:API bodies Klaviyo expects (revision 2026-07-15), built from checked inputs. */
import type { JsonObject } from '../http/jsonValues';

import type { EventInput, ProfileAttributes, ProfileIdentifier, ProfileInput } from './inputs';

export interface ProfileResource {
	type: 'profile';
	id?: string;
	attributes: ProfileAttributes & { properties?: JsonObject };
}

function identifierResource(
	identifier: ProfileIdentifier,
): Pick<ProfileResource, 'id' | 'attributes'> {
	switch (identifier.kind) {
		case 'email':
			return { attributes: { email: identifier.value } };
		case 'phone':
			return { attributes: { phone_number: identifier.value } };
		case 'externalId':
			return { attributes: { external_id: identifier.value } };
		case 'profileId':
			return { id: identifier.value, attributes: {} };
	}
}

/** One profile for POST /api/profile-import or inside a bulk import job. */
export function profileResource(input: ProfileInput): ProfileResource {
	const { id, attributes } = identifierResource(input.identifier);
	// The identifier the operator chose wins over the same field among the other attributes.
	return {
		type: 'profile',
		...(id ? { id } : {}),
		attributes: { ...input.attributes, ...attributes, properties: input.properties },
	};
}

export function profileImportBody(input: ProfileInput) {
	return { data: profileResource(input) };
}

export function eventBody(input: EventInput) {
	const { id, attributes } = identifierResource(input.identifier);
	return {
		data: {
			type: 'event',
			attributes: {
				properties: input.properties,
				...(input.time !== undefined ? { time: input.time } : {}),
				...(input.value !== undefined ? { value: input.value } : {}),
				...(input.uniqueId !== undefined ? { unique_id: input.uniqueId } : {}),
				metric: { data: { type: 'metric', attributes: { name: input.metric } } },
				profile: { data: { type: 'profile', ...(id ? { id } : {}), attributes } },
			},
		},
	};
}

export function bulkImportBody(profiles: ProfileResource[]) {
	return {
		data: { type: 'profile-bulk-import-job', attributes: { profiles: { data: profiles } } },
	};
}
