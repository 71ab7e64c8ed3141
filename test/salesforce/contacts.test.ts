import { markAsMql, type MarkMqlRequest } from '../../lib/salesforce/markMql';
import type { ObjectChoice, RecordLookup } from '../../lib/salesforce/records';
import { CONTACT_STAGES } from '../../sandbox/salesforce/salesforceState';
import { markedContact, markedLead, SKIP_STATUSES, useLoopbackOrg } from './setup';

function request(
	object: ObjectChoice,
	lookup: RecordLookup,
	change: Partial<MarkMqlRequest> = {},
): MarkMqlRequest {
	return {
		lookup,
		object,
		statusField: 'Status',
		mqlStatus: 'MQL',
		contactStatusField: 'Lifecycle_Stage__c',
		contactMqlStatus: 'MQL',
		skipStatuses: SKIP_STATUSES,
		fields: {},
		...change,
	};
}

describe('marking contacts as MQL', () => {
	const org = useLoopbackOrg();
	const { mock } = org;
	beforeEach(() => {
		mock.contactStages = [...CONTACT_STAGES];
	});

	it('finds contacts by ID (003…), email and external ID, and sets the stage field in one update', async () => {
		const byId = mock.addContact({ Lifecycle_Stage__c: 'Subscriber' });
		const byEmail = mock.addContact({
			Email: 'Known.Person@Customer.com',
			Lifecycle_Stage__c: 'Lead',
		});
		const byExternalId = mock.addContact({ External_Id__c: 'crm-c-7' });
		const outcomes = await markAsMql(org.client, [
			request('contact', { findBy: 'id', recordId: byId.Id.slice(0, 15) }),
			request(
				'contact',
				{ findBy: 'email', email: 'known.person@customer.com' },
				{ fields: { Lead_Score__c: 88 } },
			),
			request('contact', { findBy: 'externalId', field: 'External_Id__c', value: 'crm-c-7' }),
		]);
		expect(outcomes.map((outcome) => outcome.ok && outcome.value)).toEqual([
			markedContact(byId.Id, 'Subscriber'),
			markedContact(byEmail.Id, 'Lead'),
			{
				object: 'Contact',
				contactId: byExternalId.Id,
				previousStatus: null,
				status: 'MQL',
				updated: true,
				skippedReason: null,
			},
		]);
		expect(mock.contact(byEmail.Id)).toMatchObject({
			Lifecycle_Stage__c: 'MQL',
			Lead_Score__c: 88,
		});
		// One query, one describe (the stage field and its picklist order), one update.
		expect(mock.calls).toMatchObject({ query: 1, describe: 1, collections: 1, api: 3 });
	});

	it("never moves a contact back: the stage field's picklist order decides, Skip Statuses too", async () => {
		const sql = mock.addContact({ Lifecycle_Stage__c: 'SQL' });
		const customer = mock.addContact({ Lifecycle_Stage__c: 'Customer' });
		const atMql = mock.addContact({ Lifecycle_Stage__c: 'MQL' });
		const subscriber = mock.addContact({ Lifecycle_Stage__c: 'Subscriber' });
		const skipped = mock.addContact({ Lifecycle_Stage__c: 'Lead' });
		const outcomes = await markAsMql(org.client, [
			...[sql, customer, atMql, subscriber].map((contact) =>
				request('contact', { findBy: 'id', recordId: contact.Id }),
			),
			request('contact', { findBy: 'id', recordId: skipped.Id }, { skipStatuses: ['Lead'] }),
		]);
		expect(outcomes.map((outcome) => outcome.ok && outcome.value.skippedReason)).toEqual([
			'pastMql',
			'pastMql',
			'alreadyMql',
			null,
			'skipStatus',
		]);
		expect(mock.contact(sql.Id)?.Lifecycle_Stage__c).toBe('SQL');
		expect(mock.contact(subscriber.Id)?.Lifecycle_Stage__c).toBe('MQL');
		expect(mock.calls.collections).toBe(1);
	});

	it('fails with a clear error naming the field when the Contact Status Field does not exist, checked once per run', async () => {
		const contacts = [mock.addContact(), mock.addContact()];
		const outcomes = await markAsMql(
			org.client,
			contacts.map((contact) =>
				request(
					'contact',
					{ findBy: 'id', recordId: contact.Id },
					{ contactStatusField: 'Status' },
				),
			),
		);
		for (const outcome of outcomes) {
			expect(outcome).toMatchObject({
				ok: false,
				error: { name: 'StatusSetupError', message: 'Contact has no field "Status"' },
			});
			expect((outcome as { ok: false; error: { hint?: string } }).error.hint).toContain(
				'Contacts have no standard status',
			);
		}
		expect(mock.calls).toMatchObject({ describe: 1, collections: 0 });
	});

	it('fails when the Contact Status Field is empty, before any call', async () => {
		const contact = mock.addContact();
		const [outcome] = await markAsMql(org.client, [
			request('contact', { findBy: 'id', recordId: contact.Id }, { contactStatusField: '' }),
		]);
		expect(outcome).toMatchObject({
			ok: false,
			error: { message: expect.stringContaining('Contact Status Field is empty') },
		});
		expect(mock.calls.api).toBe(0);
	});

	it('refuses a text stage field while the order is on, and uses it once the order is off', async () => {
		const contact = mock.addContact({ Stage_Note__c: 'warm' });
		const on = await markAsMql(org.client, [
			request(
				'contact',
				{ findBy: 'id', recordId: contact.Id },
				{ contactStatusField: 'Stage_Note__c' },
			),
		]);
		expect(on[0]).toMatchObject({
			ok: false,
			error: { message: expect.stringContaining('Contact.Stage_Note__c is a string field') },
		});
		const off = await markAsMql(org.client, [
			request(
				'contact',
				{ findBy: 'id', recordId: contact.Id },
				{ contactStatusField: 'Stage_Note__c', respectStatusOrder: false },
			),
		]);
		expect(off[0]).toMatchObject({
			ok: true,
			value: { previousStatus: 'warm', status: 'MQL', updated: true },
		});
	});

	it('refuses a Lead ID for a contact and a Contact ID for a lead', async () => {
		const lead = mock.addLead();
		const contact = mock.addContact();
		const outcomes = await markAsMql(org.client, [
			request('contact', { findBy: 'id', recordId: lead.Id }),
			request('lead', { findBy: 'id', recordId: contact.Id }),
		]);
		expect(outcomes.map((outcome) => !outcome.ok && outcome.error.message)).toEqual([
			`"${lead.Id}" is not a Contact ID: Contact IDs start with 003, this one with 00Q`,
			`"${contact.Id}" is not a Lead ID: Lead IDs start with 00Q, this one with 003`,
		]);
		expect(mock.calls.api).toBe(0);
	});

	it('fails an email that two contacts share, naming both', async () => {
		const first = mock.addContact({ Email: 'shared@customer.com' });
		const second = mock.addContact({ Email: 'shared@customer.com' });
		const [outcome] = await markAsMql(org.client, [
			request('contact', { findBy: 'email', email: 'shared@customer.com' }),
		]);
		expect(!outcome.ok && outcome.error.message).toBe(
			`2 Salesforce contacts have Email "shared@customer.com" (${first.Id}, ${second.Id}): find the contact by ID or by a unique external ID instead`,
		);
	});

	describe('Object: Lead, then Contact', () => {
		it('uses the open lead; a converted lead leads to its contact; with no lead, the contact with the email', async () => {
			const open = mock.addLead({ Email: 'open@example.com' });
			const converted = mock.addLead({ Email: 'old-address@example.com' });
			const convertedTo = mock.convertLead(converted.Id, {
				Email: 'new-address@customer.com',
				Lifecycle_Stage__c: 'Lead',
			});
			const contactOnly = mock.addContact({
				Email: 'contact-only@customer.com',
				Lifecycle_Stage__c: 'Subscriber',
			});
			const outcomes = await markAsMql(org.client, [
				request('leadThenContact', { findBy: 'email', email: 'open@example.com' }),
				request('leadThenContact', { findBy: 'email', email: 'old-address@example.com' }),
				request('leadThenContact', { findBy: 'id', recordId: converted.Id }),
				request('leadThenContact', { findBy: 'email', email: 'contact-only@customer.com' }),
				request('leadThenContact', { findBy: 'id', recordId: contactOnly.Id }),
				request('leadThenContact', { findBy: 'email', email: 'nobody@example.com' }),
			]);
			expect(
				outcomes.map((outcome) => (outcome.ok ? outcome.value : outcome.error.message)),
			).toEqual([
				markedLead(open.Id),
				markedContact(convertedTo.Id, 'Lead'),
				markedContact(convertedTo.Id, 'Lead'),
				markedContact(contactOnly.Id, 'Subscriber'),
				markedContact(contactOnly.Id, 'Subscriber'),
				'No Salesforce lead or contact has Email "nobody@example.com"',
			]);
			expect(mock.lead(open.Id)?.Status).toBe('MQL');
			expect(mock.contact(convertedTo.Id)?.Lifecycle_Stage__c).toBe('MQL');
			// Leads and contacts in one query each, both objects' orders, and one update for both.
			expect(mock.calls).toMatchObject({ query: 3, describe: 1, collections: 1 });
			const sent = mock.requests.find((logged) => logged.path.endsWith('/composite/sobjects'))
				?.body as { records: Array<{ attributes: { type: string } }> };
			expect(sent.records.map((record) => record.attributes.type)).toEqual([
				'Contact',
				'Contact',
				'Lead',
			]);
		});

		it('skips a converted lead whose contact is gone, as a converted lead', async () => {
			const lead = mock.addLead({
				Email: 'orphan@example.com',
				IsConverted: true,
				Status: 'Closed - Converted',
			});
			const [outcome] = await markAsMql(org.client, [
				request('leadThenContact', { findBy: 'email', email: 'orphan@example.com' }),
			]);
			expect(outcome).toMatchObject({
				ok: true,
				value: { object: 'Lead', leadId: lead.Id, skippedReason: 'converted', updated: false },
			});
		});
	});
});
