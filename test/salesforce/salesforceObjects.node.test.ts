import type { INodeExecutionData, IRun } from 'n8n-workflow';

import { outputOf } from '../../sandbox/n8nWorkflow';
import { ORG_LEAD_STATUSES } from '../../sandbox/salesforce/salesforceState';
import {
	addScoredLead,
	failure,
	markedContact,
	markedLead,
	NODE,
	useMarkMqlNode,
	workflow,
} from './setup';

/** An item as Score Event sends it on. */
function scored(
	leadId: string,
	score: number,
	tier: string,
	extra: Record<string, unknown> = {},
): INodeExecutionData {
	return {
		json: { leadScore: { leadId, score, tier, scoredAt: '2026-11-23T07:00:00.000Z' }, ...extra },
	};
}

describe('Salesforce Mark MQL node: contacts, Sync Score and refused tokens in an n8n workflow', () => {
	const node = useMarkMqlNode();
	const { mock, run } = node;
	const salesforceOf = (result: IRun) =>
		outputOf(result, NODE).map(
			(item) => (item.json.salesforce ?? item.json) as Record<string, unknown>,
		);

	describe("Mark MQL and the org's Lead Status order", () => {
		afterEach(() => mock.setLeadStatuses(ORG_LEAD_STATUSES));

		it('leaves leads at SQL, Sales Accepted and a custom later status, moves one before MQL, and skips one at MQL', async () => {
			mock.setLeadStatuses([
				'New',
				'Nurturing',
				'MQL',
				'SQL',
				'Sales Accepted',
				'Partner Review',
				'Closed - Converted',
				'Closed - Not Converted',
			]);
			const statuses = ['SQL', 'Sales Accepted', 'Partner Review', 'Nurturing', 'MQL'];
			const leads = statuses.map((status, i) =>
				mock.addLead({ Email: `order${i}@example.com`, Status: status }),
			);
			const result = await run(
				workflow('mark-mql-by-email.json'),
				leads.map((lead) => scored(lead.Email as string, 90, 'hot')),
			);
			expect(result.status).toBe('success');
			expect(
				salesforceOf(result).map((item) => [item.previousStatus, item.status, item.skippedReason]),
			).toEqual([
				['SQL', 'SQL', 'pastMql'],
				['Sales Accepted', 'Sales Accepted', 'pastMql'],
				['Partner Review', 'Partner Review', 'pastMql'],
				['Nurturing', 'MQL', null],
				['MQL', 'MQL', 'alreadyMql'],
			]);
			expect(leads.map((lead) => mock.lead(lead.Id)?.Status)).toEqual([
				'SQL',
				'Sales Accepted',
				'Partner Review',
				'MQL',
				'MQL',
			]);
			// One write call, carrying the one lead that moved.
			const written = mock.requests.filter((request) =>
				request.path.endsWith('/composite/sobjects'),
			);
			expect(
				written.map((request) =>
					(request.body as { records: Array<{ id: string }> }).records.map((record) => record.id),
				),
			).toEqual([[leads[3].Id]]);
		});
	});

	describe('Mark MQL on contacts', () => {
		it('marks the open lead, the contact of a converted lead, and a contact without a lead, leaving a contact past MQL', async () => {
			const lead = mock.addLead({ Email: 'lead.only@example.com' });
			const converted = mock.addLead({ Email: 'converted@example.com' });
			const contact = mock.convertLead(converted.Id, { Lifecycle_Stage__c: 'Lead' });
			const known = mock.addContact({
				Email: 'known@customer.com',
				Lifecycle_Stage__c: 'Subscriber',
			});
			const sql = mock.addContact({ Email: 'in-sales@customer.com', Lifecycle_Stage__c: 'SQL' });
			const result = await run(workflow('mark-mql-lead-then-contact.json'), [
				scored('lead.only@example.com', 80, 'hot'),
				scored('converted@example.com', 81, 'hot'),
				scored('known@customer.com', 82, 'hot'),
				scored('in-sales@customer.com', 83, 'hot'),
			]);
			expect(result.status).toBe('success');
			expect(salesforceOf(result)).toEqual([
				markedLead(lead.Id),
				markedContact(contact.Id, 'Lead'),
				markedContact(known.Id, 'Subscriber'),
				{
					object: 'Contact',
					contactId: sql.Id,
					previousStatus: 'SQL',
					status: 'SQL',
					updated: false,
					skippedReason: 'pastMql',
				},
			]);
			expect(mock.contact(contact.Id)).toMatchObject({
				Lifecycle_Stage__c: 'MQL',
				Lead_Score__c: 81,
			});
			expect(mock.contact(sql.Id)).toMatchObject({
				Lifecycle_Stage__c: 'SQL',
				Lead_Score__c: null,
			});
			expect(mock.calls).toMatchObject({ describe: 1, collections: 1 });
		});

		it('stops with an error naming the Contact Status Field when the org has no such field', async () => {
			mock.addContact({ Email: 'typo@customer.com' });
			const parameters = { object: 'contact', contactStatusField: 'Lifecycle_Stag__c' };
			const result = await run(workflow('mark-mql-by-email.json', { parameters }), [
				scored('typo@customer.com', 80, 'hot'),
			]);
			expect(result.status).toBe('error');
			expect(failure(result)?.message).toBe('Contact has no field "Lifecycle_Stag__c"');
			expect(failure(result)?.description).toContain('Contact Status Field');
			expect(failure(result)?.context).toMatchObject({ itemIndex: 0 });

			const withContinue = await run(
				workflow('mark-mql-by-email.json', { parameters, continueOnFail: true }),
				[scored('typo@customer.com', 80, 'hot'), scored('other@customer.com', 80, 'hot')],
			);
			expect(salesforceOf(withContinue)).toEqual([
				{
					error: expect.stringMatching(
						/^Contact has no field "Lifecycle_Stag__c"\. Contacts have no standard status/,
					),
					details: { description: expect.stringContaining('Contacts have no standard status') },
				},
				{
					error: expect.stringMatching(/^Contact has no field "Lifecycle_Stag__c"/),
					details: { description: expect.stringContaining('Contacts have no standard status') },
				},
			]);
			expect(mock.calls.collections).toBe(0);
		});

		it('fails an item whose own Status Field does not exist, and only that item', async () => {
			const leads = [
				mock.addLead({ Email: 'a@field.com' }),
				mock.addLead({ Email: 'b@field.com' }),
				mock.addLead({ Email: 'c@field.com' }),
			];
			const parameters = { statusField: '={{ $json.statusField ?? "Status" }}' };
			const result = await run(
				workflow('mark-mql-by-email.json', { parameters, continueOnFail: true }),
				[
					scored('a@field.com', 80, 'hot'),
					scored('b@field.com', 80, 'hot', { statusField: 'Lead_Stage__c' }),
					scored('c@field.com', 80, 'hot'),
				],
			);
			const items = salesforceOf(result);
			expect(items[1]).toEqual({
				error: "No such column 'Lead_Stage__c' on entity 'Lead'",
				details: {
					description:
						"Check the field's API name (custom fields end in __c) and that the Run As user's profile can edit it.",
				},
			});
			expect([items[0], items[2]]).toEqual([
				expect.objectContaining({ updated: true }),
				expect.objectContaining({ updated: true }),
			]);
			expect(leads.map((lead) => mock.lead(lead.Id)?.Status)).toEqual([
				'MQL',
				'Open - Not Contacted',
				'MQL',
			]);
		});
	});

	describe('Sync Score', () => {
		it("writes the Score Event's score and tier where they differ, and says what it did per item", async () => {
			const stale = addScoredLead(mock, 'stale@example.com', 20, 'nurture');
			const current = addScoredLead(mock, 'current@example.com', 64, 'engaged');
			const result = await run(workflow('sync-score-by-email.json'), [
				scored('stale@example.com', 30, 'warming'),
				scored('current@example.com', 64, 'engaged'),
				scored('nobody@example.com', 90, 'hot'),
			]);
			expect(result.status).toBe('success');
			const items = outputOf(result, NODE);
			expect(items.map((item) => item.json.salesforce)).toEqual([
				{
					object: 'Lead',
					leadId: stale.Id,
					result: 'updated',
					changedFields: ['Lead_Score__c', 'Lead_Tier__c'],
				},
				{ object: 'Lead', leadId: current.Id, result: 'unchanged', changedFields: [] },
				{ object: null, result: 'notFound', changedFields: [] },
			]);
			expect(items[0].json.leadScore).toMatchObject({ leadId: 'stale@example.com', score: 30 });
			expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
			expect(mock.lead(stale.Id)).toMatchObject({ Lead_Score__c: 30, Lead_Tier__c: 'warming' });
			// One query and one update for the batch; no status order is read for Sync Score.
			expect(mock.calls).toMatchObject({ query: 1, collections: 1, api: 2 });
		});

		it('writes a score of 0, and never a default: an item without a score fails', async () => {
			const lead = addScoredLead(mock, 'zero@example.com', 12, 'nurture');
			const withContinue = await run(
				workflow('sync-score-by-email.json', { continueOnFail: true }),
				[
					scored('zero@example.com', 0, 'nurture'),
					{ json: { leadScore: { leadId: 'zero@example.com', tier: 'nurture' } } },
				],
			);
			expect(salesforceOf(withContinue)).toEqual([
				{ object: 'Lead', leadId: lead.Id, result: 'updated', changedFields: ['Lead_Score__c'] },
				{
					error: 'The score is empty',
					details: {
						description:
							'Connect this node after Score Event (its output carries leadScore.score), or set Score to the value to write.',
					},
				},
			]);
			expect(mock.lead(lead.Id)?.Lead_Score__c).toBe(0);

			const stopped = await run(workflow('sync-score-by-email.json'), [
				{ json: { leadScore: { leadId: 'zero@example.com', score: 'high', tier: 'hot' } } },
			]);
			expect(failure(stopped)?.message).toBe('The score "high" is not a number');
			expect(failure(stopped)?.context).toMatchObject({ itemIndex: 0 });
		});

		it('creates a missing lead from the mapped Last Name and Company, by external ID upsert', async () => {
			const parameters = {
				findBy: 'externalId',
				externalIdField: 'External_Id__c',
				externalIdValue: '={{ $json.customerId }}',
				createIfMissing: true,
				lastName: '={{ $json.lastName }}',
				company: '={{ $json.company }}',
			};
			const result = await run(workflow('sync-score-by-email.json', { parameters }), [
				scored('ada@example.com', 45, 'warming', {
					customerId: 'cust-45',
					lastName: 'Lovelace',
					company: 'Analytical Engines',
				}),
			]);
			const created = mock.allLeads().find((lead) => lead.External_Id__c === 'cust-45');
			expect(created).toMatchObject({
				LastName: 'Lovelace',
				Company: 'Analytical Engines',
				Lead_Score__c: 45,
				Lead_Tier__c: 'warming',
			});
			expect(salesforceOf(result)).toEqual([
				{
					object: 'Lead',
					leadId: created!.Id,
					result: 'created',
					changedFields: ['LastName', 'Company', 'Lead_Score__c', 'Lead_Tier__c', 'External_Id__c'],
				},
			]);
			expect(mock.calls).toMatchObject({ query: 1, upsert: 1, collections: 0 });
		});

		it('writes to contacts with Object Contact and custom field names', async () => {
			const contact = mock.addContact({ Email: 'buyer@customer.com' });
			const parameters = { object: 'contact', tierField: '', scoreField: 'Lead_Score__c' };
			const result = await run(workflow('sync-score-by-email.json', { parameters }), [
				scored('buyer@customer.com', 77, 'hot'),
			]);
			expect(salesforceOf(result)).toEqual([
				{
					object: 'Contact',
					contactId: contact.Id,
					result: 'updated',
					changedFields: ['Lead_Score__c'],
				},
			]);
			expect(mock.contact(contact.Id)).toMatchObject({ Lead_Score__c: 77, Lead_Tier__c: null });
		});
	});

	describe('issue 13: a token that Salesforce refuses again after it was fetched anew', () => {
		afterEach(() => {
			mock.refuseAllSessions = false;
		});

		it('ends the run after one new token instead of fetching one per batch (Continue On Fail on)', async () => {
			const leads = Array.from({ length: 650 }, (_, i) =>
				mock.addLead({ Email: `session${i}@example.com` }),
			);
			mock.refuseAllSessions = true;
			const result = await run(
				workflow('mark-mql-by-email.json', { continueOnFail: true }),
				leads.map((lead) => scored(lead.Email as string, 80, 'hot')),
			);
			const items = outputOf(result, NODE);
			expect(items).toHaveLength(650);
			for (const item of items) {
				expect(item.json.error).toMatch(
					/^Salesforce: Session expired or invalid\. Salesforce rejected the access token even after a new one was fetched\..* No further calls were made\.$/,
				);
			}
			expect(mock.calls).toMatchObject({ token: 2, unauthorized: 2, api: 0 });
		});

		it('stops the node with the hint (Continue On Fail off)', async () => {
			mock.addLead({ Email: 'session-stop@example.com' });
			mock.refuseAllSessions = true;
			const result = await run(workflow('sync-score-by-email.json'), [
				scored('session-stop@example.com', 80, 'hot'),
			]);
			expect(result.status).toBe('error');
			expect(failure(result)?.message).toBe('Salesforce: Session expired or invalid');
			expect(failure(result)?.description).toContain('even after a new one was fetched');
			expect(mock.calls.token).toBe(2);
		});
	});
});
