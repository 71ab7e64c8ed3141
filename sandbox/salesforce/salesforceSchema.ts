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

const LEAD_FIELDS: FieldDefinition[] = [
	{ name: 'Id', label: 'Lead ID', type: 'id', updateable: false },
	{ name: 'FirstName', label: 'First Name', type: 'string', updateable: true },
	{ name: 'LastName', label: 'Last Name', type: 'string', updateable: true, required: true },
	{ name: 'Name', label: 'Full Name', type: 'string', updateable: false },
	{ name: 'Company', label: 'Company', type: 'string', updateable: true, required: true },
	{ name: 'Email', label: 'Email', type: 'email', updateable: true },
	{ name: 'Status', label: 'Lead Status', type: 'picklist', updateable: true },
	{ name: 'LeadSource', label: 'Lead Source', type: 'picklist', updateable: true },
	{ name: 'IsConverted', label: 'Converted', type: 'boolean', updateable: false },
	{
		name: 'ConvertedContactId',
		label: 'Converted Contact ID',
		type: 'reference',
		updateable: false,
	},
	{ name: 'CreatedDate', label: 'Created Date', type: 'datetime', updateable: false },
	{ name: 'Lead_Score__c', label: 'Lead Score', type: 'double', updateable: true },
	{ name: 'Lead_Tier__c', label: 'Lead Tier', type: 'string', updateable: true },
	{ name: 'MQL_Date__c', label: 'MQL Date', type: 'date', updateable: true },
	{
		name: 'External_Id__c',
		label: 'External Id',
		type: 'string',
		updateable: true,
		externalId: true,
	},
	{ name: 'Legacy_Id__c', label: 'Legacy Id', type: 'string', updateable: true },
];

const CONTACT_FIELDS: FieldDefinition[] = [
	{ name: 'Id', label: 'Contact ID', type: 'id', updateable: false },
	{ name: 'FirstName', label: 'First Name', type: 'string', updateable: true },
	{ name: 'LastName', label: 'Last Name', type: 'string', updateable: true, required: true },
	{ name: 'Name', label: 'Full Name', type: 'string', updateable: false },
	{ name: 'Email', label: 'Email', type: 'email', updateable: true },
	{ name: 'AccountId', label: 'Account ID', type: 'reference', updateable: true },
	{ name: 'CreatedDate', label: 'Created Date', type: 'datetime', updateable: false },
	{ name: 'Lifecycle_Stage__c', label: 'Lifecycle Stage', type: 'picklist', updateable: true },
	{ name: 'Stage_Note__c', label: 'Stage Note', type: 'string', updateable: true },
	{ name: 'Lead_Score__c', label: 'Lead Score', type: 'double', updateable: true },
	{ name: 'Lead_Tier__c', label: 'Lead Tier', type: 'string', updateable: true },
	{ name: 'MQL_Date__c', label: 'MQL Date', type: 'date', updateable: true },
	{
		name: 'External_Id__c',
		label: 'External Id',
		type: 'string',
		updateable: true,
		externalId: true,
	},
];

const LEAD_STATUS_FIELDS: FieldDefinition[] = [
	{ name: 'Id', label: 'Lead Status ID', type: 'id', updateable: false },
	{ name: 'ApiName', label: 'Api Name', type: 'string', updateable: false },
	{ name: 'MasterLabel', label: 'Master Label', type: 'string', updateable: false },
	{ name: 'SortOrder', label: 'Sort Order', type: 'int', updateable: false },
	{ name: 'IsConverted', label: 'Is Converted', type: 'boolean', updateable: false },
	{ name: 'IsDefault', label: 'Is Default', type: 'boolean', updateable: false },
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
