/** Reads one item's parameters into a checked Klaviyo input, or says which parameter is wrong. */
import {
	type Checked,
	type EventInput,
	type IdentifierKind,
	type InputProblem,
	type ProfileInput,
	checkEventInput,
	checkIdentifier,
	checkProfileInput,
} from '../../lib/klaviyo';
import type { ItemInput, ItemProblem } from '../shared/nodeErrors';
import type { ItemParameters } from '../shared/parameters';
import { PARAMETER_LABELS } from './description';

const ATTRIBUTE_NAMES: Record<string, string> = {
	email: 'email',
	phone: 'phone_number',
	externalId: 'external_id',
	firstName: 'first_name',
	lastName: 'last_name',
	organization: 'organization',
	title: 'title',
	locale: 'locale',
};

const ok = <T>(value: T): ItemInput<T> => ({ ok: true, value });
const wrong = (parameter: string, message: string): { ok: false; problem: ItemProblem } => ({
	ok: false,
	problem: { parameter, message },
});

function labelFor(problem: InputProblem, identifyBy: IdentifierKind): string {
	switch (problem.field) {
		case 'identifier':
			return PARAMETER_LABELS[identifyBy];
		case 'attributes':
			return PARAMETER_LABELS.profileAttributes;
		case 'properties':
			return PARAMETER_LABELS.extraProperties;
		case 'metric':
			return PARAMETER_LABELS.metricName;
		case 'time':
			return PARAMETER_LABELS.eventTime;
		case 'value':
			return PARAMETER_LABELS.eventValue;
		case 'uniqueId':
			return PARAMETER_LABELS.uniqueId;
	}
}

function fromChecked<T>(checked: Checked<T>, identifyBy: IdentifierKind): ItemInput<T> {
	if (checked.ok) return checked;
	const [problem] = checked.problems;
	return wrong(labelFor(problem!, identifyBy), problem!.message);
}

/** The identifier is checked first: an item without one is reported as such, whatever else is wrong. */
function identifier(
	parameters: ItemParameters,
	itemIndex: number,
): ItemInput<{ kind: IdentifierKind; value: unknown }> {
	const kind = parameters.get<IdentifierKind>('identifyBy', itemIndex);
	const value = parameters.get(kind, itemIndex, '');
	const checked = checkIdentifier(kind, value);
	return 'field' in checked ? wrong(PARAMETER_LABELS[kind], checked.message) : ok({ kind, value });
}

function extraProperties(
	parameters: ItemParameters,
	itemIndex: number,
): ItemInput<Record<string, unknown>> {
	if (parameters.get('extraPropertiesInput', itemIndex, 'keyValue') === 'json') {
		const raw = parameters.get('extraPropertiesJson', itemIndex, '{}');
		let parsed: unknown = raw;
		if (typeof raw === 'string') {
			try {
				parsed = raw.trim() === '' ? {} : JSON.parse(raw);
			} catch (error) {
				return wrong(
					PARAMETER_LABELS.extraPropertiesJson,
					`Not valid JSON: ${(error as Error).message}`,
				);
			}
		}
		if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
			return wrong(
				PARAMETER_LABELS.extraPropertiesJson,
				'Must be a JSON object, e.g. {"Source": "n8n"}',
			);
		}
		return ok(parsed as Record<string, unknown>);
	}
	const pairs = (parameters.get<{ property?: unknown }>('extraProperties', itemIndex, {})
		.property ?? []) as Array<{ name?: string; value?: unknown }>;
	const properties: Record<string, unknown> = {};
	for (const { name, value } of pairs) {
		const key = (name ?? '').trim();
		if (key === '') return wrong(PARAMETER_LABELS.extraProperties, 'A property has no name');
		properties[key] = value;
	}
	return ok(properties);
}

/** The score and tier go in under the operator's property names, over any extra property of the same name. */
function scoreAndTier(
	parameters: ItemParameters,
	itemIndex: number,
): ItemInput<Record<string, unknown>> {
	const properties: Record<string, unknown> = {};
	const scoreProperty = String(parameters.get('scoreProperty', itemIndex, '')).trim();
	if (scoreProperty !== '') {
		const raw = parameters.get('score', itemIndex, '');
		const score = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
		if (typeof score !== 'number' || !Number.isFinite(score)) {
			const got =
				raw === undefined || raw === null || raw === ''
					? 'empty'
					: `"${String(raw)}", not a number`;
			return wrong(
				PARAMETER_LABELS.score,
				`The score is ${got}; map a score (Score Event gives leadScore.score) or clear Score Property`,
			);
		}
		properties[scoreProperty] = score;
	}
	const tierProperty = String(parameters.get('tierProperty', itemIndex, '')).trim();
	if (tierProperty !== '') {
		const tier = parameters.get('tier', itemIndex, '');
		if (typeof tier !== 'string' || tier.trim() === '') {
			return wrong(
				PARAMETER_LABELS.tier,
				'The tier is empty or not text; map a tier (Score Event gives leadScore.tier) or clear Tier Property',
			);
		}
		properties[tierProperty] = tier.trim();
	}
	return ok(properties);
}

/** What both operations read: the identifier, then the properties (extra ones, then score and tier). */
function identifierAndProperties(
	parameters: ItemParameters,
	itemIndex: number,
): ItemInput<{ kind: IdentifierKind; value: unknown; properties: Record<string, unknown> }> {
	const id = identifier(parameters, itemIndex);
	if (!id.ok) return id;
	const extra = extraProperties(parameters, itemIndex);
	if (!extra.ok) return extra;
	const scoring = scoreAndTier(parameters, itemIndex);
	if (!scoring.ok) return scoring;
	return ok({ ...id.value, properties: { ...extra.value, ...scoring.value } });
}

export function readProfileInput(
	parameters: ItemParameters,
	itemIndex: number,
): ItemInput<ProfileInput> {
	const read = identifierAndProperties(parameters, itemIndex);
	if (!read.ok) return read;
	const raw = parameters.get<Record<string, unknown>>('profileAttributes', itemIndex, {});
	const attributes = Object.fromEntries(
		Object.entries(raw).map(([name, value]) => [ATTRIBUTE_NAMES[name] ?? name, value]),
	);
	const { kind, value, properties } = read.value;
	return fromChecked(
		checkProfileInput({ identifierKind: kind, identifierValue: value, properties, attributes }),
		kind,
	);
}

export function readEventInput(
	parameters: ItemParameters,
	itemIndex: number,
): ItemInput<EventInput> {
	const read = identifierAndProperties(parameters, itemIndex);
	if (!read.ok) return read;
	const { kind, value, properties } = read.value;
	const checked = checkEventInput({
		identifierKind: kind,
		identifierValue: value,
		metric: parameters.get('metricName', itemIndex, ''),
		properties,
		time: parameters.get('eventTime', itemIndex, ''),
		value: parameters.get('eventValue', itemIndex, ''),
		uniqueId: parameters.get('uniqueId', itemIndex, ''),
	});
	return fromChecked(checked, kind);
}
