/**
 * The mock org's objects as describe lists them: Lead, Contact and LeadStatus with their
 * fields, types and flags, the record types, and how a record reads back (compound Name).
 */
export type LeadFields = Record<string, unknown>;
export interface MockRecord extends LeadFields {
	Id: string;
}
export interface MockLead extends MockRecord {
	Status: string;
	IsConverted: boolean;
}
export type MockContact = MockRecord;

type FieldType =
	| 'id'
	| 'reference'
	| 'string'
	| 'email'
	| 'picklist'
	| 'boolean'
	| 'double'
	| 'int'
	| 'date'
	| 'datetime';
export interface FieldDefinition {
	name: string;
	label: string;
	type: FieldType;
	updateable: boolean;
	/** Marked "External ID" in Setup: usable by upsert. */
	externalId?: boolean;
	/** Required on create (describe: `nillable: false` and not defaulted). */
	required?: boolean;
}

export type ObjectName = 'Lead' | 'Contact' | 'LeadStatus';
/** Objects whose records the REST endpoints read and write. */
export type RecordObject = 'Lead' | 'Contact';

/** A field as describe lists it: updateable unless the flags say otherwise. */
function field(
	name: string,
	label: string,
	type: FieldType,
	flags: Partial<Pick<FieldDefinition, 'updateable' | 'externalId' | 'required'>> = {},
): FieldDefinition {
	return { name, label, type, updateable: true, ...flags };
}
const readOnly = { updateable: false };

/** Name is compound: built from FirstName and LastName, never written. */
const NAME_FIELDS = [
	field('FirstName', 'First Name', 'string'),
	field('LastName', 'Last Name', 'string', { required: true }),
	field('Name', 'Full Name', 'string', readOnly),
];
/** The custom fields the nodes write, on leads and contacts alike. */
const SCORE_FIELDS = [
	field('Lead_Score__c', 'Lead Score', 'double'),
	field('Lead_Tier__c', 'Lead Tier', 'string'),
	field('MQL_Date__c', 'MQL Date', 'date'),
	field('External_Id__c', 'External Id', 'string', { externalId: true }),
];
const EMAIL = field('Email', 'Email', 'email');
const CREATED_DATE = field('CreatedDate', 'Created Date', 'datetime', readOnly);

const LEAD_FIELDS: FieldDefinition[] = [
	field('Id', 'Lead ID', 'id', readOnly),
	...NAME_FIELDS,
	field('Company', 'Company', 'string', { required: true }),
	EMAIL,
	field('Status', 'Lead Status', 'picklist'),
	field('LeadSource', 'Lead Source', 'picklist'),
	field('IsConverted', 'Converted', 'boolean', readOnly),
	field('ConvertedContactId', 'Converted Contact ID', 'reference', readOnly),
	CREATED_DATE,
	...SCORE_FIELDS,
	field('Legacy_Id__c', 'Legacy Id', 'string'),
];

const CONTACT_FIELDS: FieldDefinition[] = [
	field('Id', 'Contact ID', 'id', readOnly),
	...NAME_FIELDS,
	EMAIL,
	field('AccountId', 'Account ID', 'reference'),
	CREATED_DATE,
	field('Lifecycle_Stage__c', 'Lifecycle Stage', 'picklist'),
	field('Stage_Note__c', 'Stage Note', 'string'),
	...SCORE_FIELDS,
];

const LEAD_STATUS_FIELDS: FieldDefinition[] = [
	field('Id', 'Lead Status ID', 'id', readOnly),
	field('ApiName', 'Api Name', 'string', readOnly),
	field('MasterLabel', 'Master Label', 'string', readOnly),
	field('SortOrder', 'Sort Order', 'int', readOnly),
	field('IsConverted', 'Is Converted', 'boolean', readOnly),
	field('IsDefault', 'Is Default', 'boolean', readOnly),
];

export const FIELDS: Record<ObjectName, Map<string, FieldDefinition>> = {
	Lead: new Map(LEAD_FIELDS.map((field) => [field.name.toLowerCase(), field])),
	Contact: new Map(CONTACT_FIELDS.map((field) => [field.name.toLowerCase(), field])),
	LeadStatus: new Map(LEAD_STATUS_FIELDS.map((field) => [field.name.toLowerCase(), field])),
};
export const KEY_PREFIXES: Record<RecordObject, string> = { Lead: '00Q', Contact: '003' };

export const LEAD_SOURCES = ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other'];

export const ID_PATTERN = /^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/;

export function definitionOf(object: ObjectName, name: string): FieldDefinition | undefined {
	return FIELDS[object].get(name.toLowerCase());
}

export function objectNamed(name: string): ObjectName | undefined {
	return (Object.keys(FIELDS) as ObjectName[]).find(
		(object) => object.toLowerCase() === name.toLowerCase(),
	);
}

export function recordObjectOf(name: string): RecordObject | undefined {
	const object = objectNamed(name);
	return object === 'Lead' || object === 'Contact' ? object : undefined;
}

/** Name is a compound field: Salesforce builds it from the first and last name. */
export function fieldOf(row: Record<string, unknown>, field: FieldDefinition): unknown {
	return field.name === 'Name'
		? `${(row.FirstName as string | null) ?? ''} ${row.LastName as string}`.trim()
		: row[field.name];
}

/** A record as query and GET answer it: its attributes, then the fields asked for, null when unset. */
export function projectRecord(
	object: ObjectName,
	row: Record<string, unknown>,
	fields: FieldDefinition[],
	apiVersion: string,
): Record<string, unknown> {
	const record: Record<string, unknown> = {
		attributes: {
			type: object,
			url: `/services/data/${apiVersion}/sobjects/${object}/${String(row.Id)}`,
		},
	};
	for (const field of fields) {
		record[field.name] = fieldOf(row, field) ?? null;
	}
	return record;
}

/** A JSON object: a request body or a record in one. */
export function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
