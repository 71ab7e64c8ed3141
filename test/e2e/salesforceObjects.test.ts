import { join } from 'node:path';

import { startSandbox, type Sandbox } from '../../scripts/n8n';
import { SalesforceMock } from '../../sandbox/salesforce/salesforceMock';
import { PACKAGE_TARBALL, post, REPO_ROOT, START_TIMEOUT } from './harness';

const WORKFLOW_FILE = join(__dirname, 'workflows', 'salesforce-crm-sync.json');
const WORKFLOW_ID = 'e2eSalesforceCrm';

// A CRM webhook as an operator wires it: Sync Score keeps every lead's or contact's score current
// (creating a missing lead), and a crossing hands the lead, or the contact it was converted to, to sales.
describe('Salesforce Sync Score and Mark MQL on contacts in a real n8n', () => {
	let salesforce: SalesforceMock;
	let sandbox: Sandbox;
	const url = () => sandbox.webhooks.find((webhook) => webhook.path === 'crm-sync')!.url;
	/** POSTs to the webhook; an answer other than 200 fails with the error n8n saved for the run. */
	const send = async (body: Record<string, unknown>) => {
		const before = sandbox.n8n.executions(WORKFLOW_ID).length;
		const reply = await post(url(), body);
		if (reply.status !== 200) {
			const runs = await sandbox.n8n.waitForExecutions(WORKFLOW_ID, before + 1);
			const error = runs.at(-1)?.data.resultData;
			throw new Error(
				`The webhook answered ${reply.status}: ${JSON.stringify(error?.error)} (last node: ${error?.lastNodeExecuted})`,
			);
		}
		return reply;
	};
	/** Records sent in write calls (update, create, upsert) since the counters were reset. */
	const written = () =>
		salesforce.requests
			.filter((request) => request.path.includes('/composite/sobjects'))
			.flatMap((request) => (request.body as { records: Array<Record<string, unknown>> }).records);

	beforeAll(async () => {
		salesforce = new SalesforceMock();
		await salesforce.start();
		sandbox = await startSandbox({
			repoRoot: REPO_ROOT,
			packageTarball: PACKAGE_TARBALL,
			workflows: [WORKFLOW_FILE],
			credentials: [
				{
					id: 'salesforceSandbx',
					name: 'Salesforce sandbox (local)',
					type: 'salesforceClientCredentialsOAuth2Api',
					data: salesforce.credentials(),
				},
			],
		});
	}, START_TIMEOUT);

	afterAll(async () => {
		try {
			await sandbox?.dispose();
		} finally {
			await salesforce?.stop();
		}
	}, 60_000);

	beforeEach(() => salesforce.resetCounters());

	it('writes a changed score, writes nothing for an unchanged one, and creates a missing lead', async () => {
		const lead = salesforce.addLead({
			Email: 'sync@example.com',
			Lead_Score__c: 20,
			Lead_Tier__c: 'nurture',
		});
		const changed = await send({
			email: 'sync@example.com',
			score: 35,
			previousScore: 20,
			tier: 'warming',
		});
		expect(changed.status).toBe(200);
		expect(changed.body).toEqual({
			sync: {
				object: 'Lead',
				leadId: lead.Id,
				result: 'updated',
				changedFields: ['Lead_Score__c', 'Lead_Tier__c'],
			},
		});
		expect(salesforce.lead(lead.Id)).toMatchObject({ Lead_Score__c: 35, Lead_Tier__c: 'warming' });

		salesforce.resetCounters();
		const same = await send({
			email: 'sync@example.com',
			score: 35,
			previousScore: 35,
			tier: 'warming',
		});
		expect(same.body).toEqual({
			sync: { object: 'Lead', leadId: lead.Id, result: 'unchanged', changedFields: [] },
		});
		expect(written()).toEqual([]);

		const created = await send({
			email: 'new.visitor@example.com',
			score: 10,
			previousScore: 0,
			tier: 'nurture',
			lastName: 'Visitor',
			company: 'Web',
		});
		const newLead = salesforce
			.allLeads()
			.find((candidate) => candidate.Email === 'new.visitor@example.com');
		expect(newLead).toMatchObject({
			LastName: 'Visitor',
			Company: 'Web',
			Lead_Score__c: 10,
			Lead_Tier__c: 'nurture',
		});
		expect(created.body).toEqual({
			sync: {
				object: 'Lead',
				leadId: newLead!.Id,
				result: 'created',
				changedFields: ['LastName', 'Company', 'Lead_Score__c', 'Lead_Tier__c', 'Email'],
			},
		});
	}, 120_000);

	it('hands a converted lead to sales as its contact, once; a replay is skipped as alreadyMql', async () => {
		const lead = salesforce.addLead({ Email: 'converted@example.com' });
		const contact = salesforce.convertLead(lead.Id, {
			Lifecycle_Stage__c: 'Lead',
			Lead_Score__c: 60,
		});
		const crossing = { email: 'converted@example.com', score: 80, previousScore: 60, tier: 'hot' };
		const first = await send(crossing);
		expect(first.status).toBe(200);
		expect(first.body).toEqual({
			sync: {
				object: 'Contact',
				contactId: contact.Id,
				result: 'updated',
				changedFields: ['Lead_Score__c', 'Lead_Tier__c'],
			},
			mql: {
				object: 'Contact',
				contactId: contact.Id,
				previousStatus: 'Lead',
				status: 'MQL',
				updated: true,
				skippedReason: null,
			},
		});
		expect(salesforce.contact(contact.Id)).toMatchObject({
			Lifecycle_Stage__c: 'MQL',
			Lead_Score__c: 80,
			Lead_Tier__c: 'hot',
		});

		const replay = await send(crossing);
		expect(replay.body).toEqual({
			sync: { object: 'Contact', contactId: contact.Id, result: 'unchanged', changedFields: [] },
			mql: {
				object: 'Contact',
				contactId: contact.Id,
				previousStatus: 'MQL',
				status: 'MQL',
				updated: false,
				skippedReason: 'alreadyMql',
			},
		});
		// One write for the score and one for the stage, both on the first request; none on the replay.
		expect(
			written().map((record) =>
				Object.keys(record)
					.filter((key) => key !== 'attributes' && key !== 'id')
					.sort(),
			),
		).toEqual([['Lead_Score__c', 'Lead_Tier__c'], ['Lifecycle_Stage__c']]);
	}, 120_000);

	it('never moves a contact that sales already works back, and still keeps its score current', async () => {
		const contact = salesforce.addContact({
			Email: 'in-sales@customer.com',
			Lifecycle_Stage__c: 'Opportunity',
			Lead_Score__c: 70,
		});
		const reply = await send({
			email: 'in-sales@customer.com',
			score: 90,
			previousScore: 70,
			tier: 'hot',
		});
		expect(reply.body).toEqual({
			sync: {
				object: 'Contact',
				contactId: contact.Id,
				result: 'updated',
				changedFields: ['Lead_Score__c', 'Lead_Tier__c'],
			},
			mql: {
				object: 'Contact',
				contactId: contact.Id,
				previousStatus: 'Opportunity',
				status: 'Opportunity',
				updated: false,
				skippedReason: 'pastMql',
			},
		});
		expect(salesforce.contact(contact.Id)).toMatchObject({
			Lifecycle_Stage__c: 'Opportunity',
			Lead_Score__c: 90,
		});
	}, 120_000);
});
