/**
 * What the mock org holds (Lead and Contact records, Lead Status values, the Contact stage
 * picklist, validation rules) and the rules a write must pass: updateable fields, field types,
 * the restricted Lead Status picklist, required fields, converted leads, validation rules.
 */
import { toId18 } from '../../lib/salesforce/ids';
import { ApiError, isFailure, type RecordFailure } from './salesforceErrors';
import {
	definitionOf,
	FIELDS,
	ID_PATTERN,
	KEY_PREFIXES,
	type FieldDefinition,
	type LeadFields,
	type MockContact,
	type MockLead,
	type MockRecord,
	type ObjectName,
	type RecordObject,
} from './salesforceSchema';

/** Developer Edition's Lead Status values: there is no MQL until an admin adds it. */
export const DEVELOPER_EDITION_LEAD_STATUSES = [
	'Open - Not Contacted',
	'Working - Contacted',
	'Closed - Converted',
	'Closed - Not Converted',
];

/** The mock org's Lead Status values in their sort order: Developer Edition's, with MQL added after Open. */
export const ORG_LEAD_STATUSES = [
	'Open - Not Contacted',
	'MQL',
	'Working - Contacted',
	'Closed - Converted',
	'Closed - Not Converted',
];

/** The Contact field `Lifecycle_Stage__c`'s picklist, in its order. */
export const CONTACT_STAGES = ['Subscriber', 'Lead', 'MQL', 'SQL', 'Opportunity', 'Customer'];

export interface LeadStatusRow {
	Id: string;
	ApiName: string;
	MasterLabel: string;
	SortOrder: number;
	IsConverted: boolean;
	IsDefault: boolean;
}

/** A validation rule: returns its error text when the record (after the change) breaks it. */
export type ValidationRule = (record: MockLead, changes: LeadFields) => string | undefined;

export class SalesforceState {
	/** When true, Lead Status accepts only the org's Lead Status values (INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST). */
	restrictedStatusPicklist = false;
	/** The LeadStatus rows, as `SELECT … FROM LeadStatus` returns them. */
	leadStatuses: LeadStatusRow[] = [];
	/** Values of the Contact picklist `Lifecycle_Stage__c`, in the order describe lists them. */
	contactStages = [...CONTACT_STAGES];
	validationRules: ValidationRule[] = [];

	private readonly records: Record<RecordObject, Map<string, MockRecord>> = {
		Lead: new Map(),
		Contact: new Map(),
	};
	private readonly deleted = new Set<string>();
	private sequence = 0;

	constructor() {
		this.setLeadStatuses(ORG_LEAD_STATUSES);
	}

	/**
	 * Sets the org's Lead Status values in sort order (Setup → Lead Status). A value whose name
	 * contains "Converted" but not "Not" is the converted status, as in Salesforce's templates.
	 */
	setLeadStatuses(values: string[]): void {
		this.leadStatuses = values.map((value, index) => ({
			Id: toId18(`01J5g00000${(index + 1).toString().padStart(5, '0')}`),
			ApiName: value,
			MasterLabel: value,
			SortOrder: index + 1,
			IsConverted: /converted/i.test(value) && !/not/i.test(value),
			IsDefault: index === 0,
		}));
	}

	addLead(fields: LeadFields = {}): MockLead {
		return this.addRecord('Lead', {
			FirstName: null,
			LastName: `Lead ${this.sequence + 1}`,
			Company: 'Acme',
			Email: null,
			Status: this.defaultLeadStatus(),
			LeadSource: null,
			IsConverted: false,
			ConvertedContactId: null,
			Lead_Score__c: null,
			Lead_Tier__c: null,
			MQL_Date__c: null,
			External_Id__c: null,
			Legacy_Id__c: null,
			...fields,
		}) as MockLead;
	}

	addContact(fields: LeadFields = {}): MockContact {
		return this.addRecord('Contact', {
			FirstName: null,
			LastName: `Contact ${this.sequence + 1}`,
			Email: null,
			AccountId: null,
			Lifecycle_Stage__c: null,
			Stage_Note__c: null,
			Lead_Score__c: null,
			Lead_Tier__c: null,
			MQL_Date__c: null,
			External_Id__c: null,
			...fields,
		});
	}

	/** Converts a lead as Salesforce's Convert button does: a new contact, the lead marked converted. */
	convertLead(leadId: string, contactFields: LeadFields = {}): MockContact {
		const lead = this.lead(leadId)!;
		const contact = this.addContact({
			FirstName: lead.FirstName,
			LastName: lead.LastName,
			Email: lead.Email,
			...contactFields,
		});
		const convertedStatus =
			this.leadStatuses.find((status) => status.IsConverted)?.ApiName ?? 'Closed - Converted';
		Object.assign(lead, {
			IsConverted: true,
			Status: convertedStatus,
			ConvertedContactId: contact.Id,
		});
		return contact;
	}

	lead(id: string): MockLead | undefined {
		return this.records.Lead.get(ID_PATTERN.test(id) ? toId18(id) : id) as MockLead | undefined;
	}

	contact(id: string): MockContact | undefined {
		return this.records.Contact.get(ID_PATTERN.test(id) ? toId18(id) : id);
	}

	allLeads(): MockLead[] {
		return [...this.records.Lead.values()] as MockLead[];
	}

	allContacts(): MockContact[] {
		return [...this.records.Contact.values()];
	}

	deleteLead(id: string): void {
		this.records.Lead.delete(id);
		this.deleted.add(id);
	}

	defaultLeadStatus(): string {
		return this.leadStatuses.find((status) => status.IsDefault)?.ApiName ?? 'Open - Not Contacted';
	}

	/** The rows a query reads: the records, or the Lead Status values. */
	rowsOf(object: ObjectName): Record<string, unknown>[] {
		return object === 'LeadStatus'
			? (this.leadStatuses as unknown as Record<string, unknown>[])
			: [...this.records[object].values()];
	}

	recordsOf(object: RecordObject): MockRecord[] {
		return [...this.records[object].values()];
	}

	/** A record by its 18-character Id. */
	recordById(object: RecordObject, id18: string): MockRecord | undefined {
		return this.records[object].get(id18);
	}

	isDeleted(id18: string): boolean {
		return this.deleted.has(id18);
	}

	/** The record a REST path names, or the 404 Salesforce answers. */
	recordAt(object: RecordObject, id: string): MockRecord {
		if (!ID_PATTERN.test(id)) {
			throw new ApiError(
				404,
				'NOT_FOUND',
				`Provided external ID field does not exist or is not accessible: ${id}`,
			);
		}
		const record = this.records[object].get(toId18(id));
		if (!record) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
		return record;
	}

	/** Checks one record's changes and applies them; returns the failure instead when there is one. */
	applyUpdate(
		object: RecordObject,
		record: MockRecord,
		body: LeadFields,
		dryRun = false,
	): RecordFailure | undefined {
		const changes = this.checkFields(object, body, 'update');
		if (isFailure(changes)) return changes;
		if (record.IsConverted === true)
			return {
				statusCode: 'CANNOT_UPDATE_CONVERTED_LEAD',
				message: 'cannot reference converted lead',
				fields: [],
			};
		const failure = this.validate({ ...record, ...changes } as MockLead, changes);
		if (failure) return failure;
		if (!dryRun) Object.assign(record, changes);
		return undefined;
	}

	private validate(after: MockLead, changes: LeadFields): RecordFailure | undefined {
		for (const rule of this.validationRules) {
			const message = rule(after, changes);
			if (message) return { statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message, fields: [] };
		}
		return undefined;
	}

	/** A new record's fields and defaults, or why it cannot be created. */
	prepareCreate(object: RecordObject, body: LeadFields): LeadFields | RecordFailure {
		const changes = this.checkFields(object, body, 'create');
		if (isFailure(changes)) return changes;
		const missing = [...FIELDS[object].values()]
			.filter(
				(field) =>
					field.required &&
					(changes[field.name] === undefined ||
						changes[field.name] === null ||
						changes[field.name] === ''),
			)
			.map((field) => field.name);
		if (missing.length > 0) {
			return {
				statusCode: 'REQUIRED_FIELD_MISSING',
				message: `Required fields are missing: [${missing.join(', ')}]`,
				fields: missing,
			};
		}
		const failure = this.validate(changes as MockLead, changes);
		return failure ?? changes;
	}

	create(object: RecordObject, fields: LeadFields): MockRecord {
		return object === 'Lead' ? this.addLead(fields) : this.addContact(fields);
	}

	private addRecord(object: RecordObject, fields: LeadFields): MockRecord {
		this.sequence++;
		const id15 = `${KEY_PREFIXES[object]}5g0000${this.sequence.toString(36).padStart(6, '0')}`;
		const record: MockRecord = {
			CreatedDate: new Date().toISOString().replace('Z', '+0000'),
			...fields,
			Id: toId18(id15),
		};
		this.records[object].set(record.Id, record);
		return record;
	}

	/** Checks one record's fields against the object's definitions; returns the changes or the failure. */
	private checkFields(
		object: RecordObject,
		body: LeadFields,
		mode: 'update' | 'create',
	): LeadFields | RecordFailure {
		const changes: LeadFields = {};
		for (const [name, value] of Object.entries(body)) {
			if (name === 'attributes' || (mode === 'update' && name.toLowerCase() === 'id')) continue;
			const definition = definitionOf(object, name);
			if (!definition)
				return {
					statusCode: 'INVALID_FIELD',
					message: `No such column '${name}' on sobject of type ${object}`,
					fields: [],
				};
			if (!definition.updateable) {
				const verb = mode === 'create' ? 'create' : 'create/update';
				return {
					statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
					message: `Unable to ${verb} fields: ${definition.name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
					fields: [definition.name],
				};
			}
			const typeProblem = this.typeProblem(definition, value);
			if (typeProblem)
				return {
					statusCode: typeProblem.code,
					message: typeProblem.message,
					fields: [definition.name],
				};
			changes[definition.name] = value;
		}
		if (
			object === 'Lead' &&
			'Status' in changes &&
			this.restrictedStatusPicklist &&
			!this.leadStatuses.some((status) => status.ApiName === changes.Status)
		) {
			return {
				statusCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
				message: `Lead Status: bad value for restricted picklist field: ${String(changes.Status)}`,
				fields: ['Status'],
			};
		}
		return changes;
	}

	private typeProblem(
		field: FieldDefinition,
		value: unknown,
	): { code: string; message: string } | undefined {
		if (value === null) return undefined;
		const wrongType = {
			code: 'INVALID_TYPE_ON_FIELD_IN_RECORD',
			message: `${field.label}: value not of required type: ${String(value)}`,
		};
		switch (field.type) {
			case 'double':
			case 'int':
				return typeof value === 'number' ||
					(typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)))
					? undefined
					: wrongType;
			case 'date':
				return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)
					? undefined
					: wrongType;
			case 'boolean':
				return typeof value === 'boolean' ? undefined : wrongType;
			case 'email':
				return typeof value === 'string' && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)
					? undefined
					: {
							code: 'INVALID_EMAIL_ADDRESS',
							message: `${field.label}: invalid email address: ${String(value)}`,
						};
			default:
				return typeof value === 'string' ? undefined : wrongType;
		}
	}
}
