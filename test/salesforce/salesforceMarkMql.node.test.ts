import type { INodeExecutionData } from 'n8n-workflow';

import { outputOf, runWorkflow } from '../../sandbox/n8nWorkflow';
import {
	DEVELOPER_EDITION_LEAD_STATUSES,
	ORG_LEAD_STATUSES,
} from '../../sandbox/salesforce/salesforceState';
import {
	CREDENTIAL,
	failure,
	markedLead,
	NODE,
	skippedLead,
	useMarkMqlNode,
	workflow,
} from './setup';

function scored(
	leadId: string,
	score = 80,
	extra: Record<string, unknown> = {},
): INodeExecutionData {
	return { json: { leadScore: { leadId, score, scoredAt: '2026-11-23T07:00:00.000Z' }, ...extra } };
}

describe('Salesforce Mark MQL node in an n8n workflow', () => {
	const node = useMarkMqlNode();
	const { mock, run } = node;

	it('finds the lead by the Score Event lead ID (an email), sets MQL and the extra fields, keeps the input', async () => {
		const lead = mock.addLead({ Email: 'Ada@Example.com' });
		const result = await run(workflow('mark-mql-by-email.json'), [scored('ada@example.com', 82)]);
		expect(result.status).toBe('success');
		const [item] = outputOf(result, NODE);
		expect(item.json).toEqual({
			leadScore: { leadId: 'ada@example.com', score: 82, scoredAt: '2026-11-23T07:00:00.000Z' },
			salesforce: markedLead(lead.Id),
		});
		expect(item.pairedItem).toEqual({ item: 0 });
		expect(mock.lead(lead.Id)).toMatchObject({
			Status: 'MQL',
			Lead_Score__c: 82,
			MQL_Date__c: '2026-11-23',
		});
		// The lead, the org's Lead Status order, one update.
		expect(mock.calls).toMatchObject({ token: 1, query: 2, collections: 1 });
	});

	it('finds leads by 15- and 18-character Salesforce IDs', async () => {
		const first = mock.addLead();
		const second = mock.addLead();
		const result = await run(workflow('mark-mql-by-id.json'), [
			scored('a@example.com', 80, { salesforceLeadId: first.Id }),
			scored('b@example.com', 80, { salesforceLeadId: second.Id.slice(0, 15) }),
		]);
		expect(outputOf(result, NODE).map((item) => item.json.salesforce)).toEqual([
			expect.objectContaining({ leadId: first.Id, updated: true }),
			expect.objectContaining({ leadId: second.Id, updated: true }),
		]);
		expect(mock.lead(second.Id)?.Status).toBe('MQL');
	});

	it('finds leads by an external ID field', async () => {
		const lead = mock.addLead({ External_Id__c: 'crm-1001' });
		const result = await run(workflow('mark-mql-by-external-id.json'), [
			scored('x@example.com', 90, { crmId: 'crm-1001' }),
		]);
		expect(outputOf(result, NODE)[0].json.salesforce).toEqual(markedLead(lead.Id));
		expect(mock.lead(lead.Id)?.Lead_Score__c).toBe(90);
	});

	it('skips leads at MQL or beyond and converted leads, with the reason, and writes nothing', async () => {
		const mql = mock.addLead({ Email: 'mql@example.com', Status: 'MQL', Lead_Score__c: 77 });
		const working = mock.addLead({ Email: 'working@example.com', Status: 'Working - Contacted' });
		const converted = mock.addLead({
			Email: 'converted@example.com',
			IsConverted: true,
			Status: 'Closed - Converted',
		});
		const result = await run(workflow('mark-mql-by-email.json'), [
			scored('mql@example.com', 95),
			scored('working@example.com', 95),
			scored('converted@example.com', 95),
		]);
		expect(outputOf(result, NODE).map((item) => item.json.salesforce)).toEqual([
			skippedLead(mql.Id, 'MQL', 'alreadyMql'),
			skippedLead(working.Id, 'Working - Contacted', 'skipStatus'),
			skippedLead(converted.Id, 'Closed - Converted', 'converted'),
		]);
		expect(mock.lead(mql.Id)?.Lead_Score__c).toBe(77);
		expect(mock.calls.collections).toBe(0);
	});

	it('uses the configured skip list: an emptied list and the order turned off let a contacted lead become MQL', async () => {
		const working = mock.addLead({ Email: 'recycled@example.com', Status: 'Working - Contacted' });
		const result = await run(
			workflow('mark-mql-by-email.json', {
				parameters: { skipStatuses: '', respectStatusOrder: false },
			}),
			[scored('recycled@example.com')],
		);
		expect(outputOf(result, NODE)[0].json.salesforce).toMatchObject({
			previousStatus: 'Working - Contacted',
			updated: true,
		});
		expect(mock.lead(working.Id)?.Status).toBe('MQL');
	});

	describe("the SOQL injection attempt x' OR Name LIKE '%", () => {
		const attempt = "x' OR Name LIKE '%";

		it('matches nothing and changes nothing (Continue On Fail on)', async () => {
			mock.addLead({ Email: 'bystander@example.com' });
			const before = JSON.stringify(mock.allLeads());
			const result = await run(workflow('mark-mql-by-email.json', { continueOnFail: true }), [
				scored(attempt),
			]);
			expect(result.status).toBe('success');
			expect(outputOf(result, NODE)).toEqual([
				{
					json: {
						error: `No Salesforce lead has Email "${attempt}"`,
						details: { description: null },
					},
					pairedItem: { item: 0 },
				},
			]);
			expect(JSON.stringify(mock.allLeads())).toBe(before);
			expect(mock.calls.collections).toBe(0);
		});

		it('matches nothing and changes nothing (Continue On Fail off)', async () => {
			mock.addLead({ Email: 'bystander2@example.com' });
			const before = JSON.stringify(mock.allLeads());
			const result = await run(workflow('mark-mql-by-email.json'), [scored(attempt)]);
			expect(result.status).toBe('error');
			expect(failure(result)?.message).toBe(`No Salesforce lead has Email "${attempt}"`);
			expect(JSON.stringify(mock.allLeads())).toBe(before);
		});
	});

	describe('a lead that is not found, or an ID that is not a Lead ID', () => {
		it('fails only that item with Continue On Fail; the others are updated', async () => {
			const lead = mock.addLead();
			const result = await run(workflow('mark-mql-by-id.json', { continueOnFail: true }), [
				scored('a@example.com', 80, { salesforceLeadId: '001A0000006Vm9rIAC' }),
				scored('b@example.com', 80, { salesforceLeadId: lead.Id }),
				scored('c@example.com', 80, { salesforceLeadId: '00Q5g00000ZZZZZEA5' }),
			]);
			const items = outputOf(result, NODE);
			expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
			expect(items[0].json.error).toContain('is not a Lead ID');
			expect(items[1].json.salesforce).toMatchObject({ leadId: lead.Id, updated: true });
			expect(items[2].json).toEqual({
				error: 'No Salesforce lead has ID "00Q5g00000ZZZZZEA5"',
				details: { description: null },
			});
		});

		it('stops the workflow at that item without Continue On Fail, before writing its batch', async () => {
			const lead = mock.addLead({ Email: 'first@example.com' });
			const result = await run(workflow('mark-mql-by-email.json'), [
				scored('first@example.com'),
				scored('ghost@example.com'),
			]);
			expect(result.status).toBe('error');
			expect(failure(result)?.message).toBe('No Salesforce lead has Email "ghost@example.com"');
			expect(failure(result)?.context).toMatchObject({ itemIndex: 1 });
			expect(mock.lead(lead.Id)?.Status).toBe('Open - Not Contacted');
		});
	});

	describe('per-record failures from Salesforce', () => {
		beforeEach(() => {
			mock.validationRules = [
				(lead) =>
					lead.Company === 'Competitor' ? 'Competitors cannot be handed to sales' : undefined,
			];
		});
		afterEach(() => {
			mock.validationRules = [];
		});

		it("fail only their item with Salesforce's message when Continue On Fail is on", async () => {
			const competitor = mock.addLead({ Email: 'spy@competitor.com', Company: 'Competitor' });
			const customer = mock.addLead({ Email: 'buyer@customer.com' });
			const result = await run(workflow('mark-mql-by-email.json', { continueOnFail: true }), [
				scored('spy@competitor.com'),
				scored('buyer@customer.com'),
			]);
			const items = outputOf(result, NODE);
			expect(items[0].json).toEqual({
				error: 'Competitors cannot be handed to sales',
				details: {
					description:
						"A validation rule in the org rejected the change; the message is the rule's own text.",
				},
			});
			expect(items[1].json.salesforce).toMatchObject({ leadId: customer.Id, updated: true });
			expect(mock.lead(competitor.Id)?.Status).toBe('Open - Not Contacted');
			expect(mock.lead(customer.Id)?.Status).toBe('MQL');
		});

		it('stop the workflow with the message and the item when Continue On Fail is off', async () => {
			mock.addLead({ Email: 'spy2@competitor.com', Company: 'Competitor' });
			const result = await run(workflow('mark-mql-by-email.json'), [scored('spy2@competitor.com')]);
			expect(result.status).toBe('error');
			expect(failure(result)?.message).toBe('Salesforce: Competitors cannot be handed to sales');
			expect(failure(result)?.context).toMatchObject({ itemIndex: 0 });
		});

		it('explain a restricted Lead Status picklist without an MQL value', async () => {
			const lead = mock.addLead({ Email: 'picklist@example.com' });
			mock.setLeadStatuses(DEVELOPER_EDITION_LEAD_STATUSES);
			try {
				// With the status order on (the default), the node finds the missing value itself, before writing.
				const ordered = await run(workflow('mark-mql-by-email.json'), [
					scored('picklist@example.com'),
				]);
				expect(failure(ordered)?.message).toMatch(
					/^"MQL" is not a value of Lead Status in this org \(its values: Open - Not Contacted, /,
				);
				expect(failure(ordered)?.description).toContain('Setup → Object Manager → Lead');
				expect(mock.calls.collections).toBe(0);

				mock.restrictedStatusPicklist = true;
				const result = await run(
					workflow('mark-mql-by-email.json', { parameters: { respectStatusOrder: false } }),
					[scored('picklist@example.com')],
				);
				expect(failure(result)?.message).toBe(
					'Salesforce: Lead Status: bad value for restricted picklist field: MQL',
				);
				expect(failure(result)?.description).toContain('Setup → Object Manager → Lead');
				expect(mock.lead(lead.Id)?.Status).toBe('Open - Not Contacted');
			} finally {
				mock.restrictedStatusPicklist = false;
				mock.setLeadStatuses(ORG_LEAD_STATUSES);
			}
		});
	});

	it('fetches a new token once when the cached one was revoked, then goes on', async () => {
		const lead = mock.addLead({ Email: 'session@example.com' });
		await run(workflow('mark-mql-by-email.json'), [scored('nobody-yet@example.com')]).catch(
			() => undefined,
		);
		expect(node.credentials.accessToken).toBeTruthy();
		expect(mock.calls.token).toBe(1);
		mock.revokeTokens();
		const result = await run(workflow('mark-mql-by-email.json'), [scored('session@example.com')]);
		expect(result.status).toBe('success');
		expect(outputOf(result, NODE)[0].json.salesforce).toMatchObject({ updated: true });
		expect(mock.lead(lead.Id)?.Status).toBe('MQL');
		expect(mock.calls).toMatchObject({ token: 2, unauthorized: 1 });
	});

	it('sends 450 leads in 3 collection calls and pairs every output item with its input', async () => {
		const leads = Array.from({ length: 450 }, (_, i) =>
			mock.addLead({ Email: `wave${i}@example.com` }),
		);
		const result = await run(
			workflow('mark-mql-by-email.json'),
			leads.map((lead, i) => scored(lead.Email as string, 70 + (i % 30))),
		);
		const items = outputOf(result, NODE);
		expect(items).toHaveLength(450);
		expect(items.every((item, i) => (item.pairedItem as { item: number }).item === i)).toBe(true);
		expect(items.every((item) => (item.json.salesforce as { updated: boolean }).updated)).toBe(
			true,
		);
		expect(mock.calls).toMatchObject({ token: 1, query: 4, collections: 3, api: 7 });
		expect(mock.lead(leads[449].Id)).toMatchObject({
			Status: 'MQL',
			Lead_Score__c: 70 + (449 % 30),
		});
	});

	it('rides out a short 5xx outage with retries', async () => {
		const lead = mock.addLead({ Email: 'outage@example.com' });
		mock.failRequests({ count: 1, status: 503 });
		const result = await run(workflow('mark-mql-by-email.json'), [scored('outage@example.com')]);
		expect(result.status).toBe('success');
		expect(mock.lead(lead.Id)?.Status).toBe('MQL');
		// The lead query twice (503, then the answer) and the Lead Status order once.
		expect(mock.calls.query).toBe(3);
	});

	describe('REQUEST_LIMIT_EXCEEDED', () => {
		let dailyLimit: number;
		beforeEach(() => {
			mock.addLead({ Email: 'limit@example.com' });
			dailyLimit = mock.dailyLimit;
			mock.dailyLimit = mock.apiUsage;
		});
		afterEach(() => {
			mock.dailyLimit = dailyLimit;
		});

		it('stops the node with a clear message', async () => {
			const result = await run(workflow('mark-mql-by-email.json'), [
				scored('limit@example.com'),
				scored('other@example.com'),
			]);
			expect(result.status).toBe('error');
			expect(failure(result)?.message).toBe(
				`Salesforce: TotalRequests Limit exceeded. API usage: ${mock.apiUsage}/${mock.dailyLimit} requests in the last 24 hours.`,
			);
			expect(failure(result)?.description).toContain(
				'rolling 24-hour API request limit is used up',
			);
			expect(mock.calls.query).toBe(0);
		});

		it('with Continue On Fail, fails every lead not done yet with that message and makes no further call', async () => {
			const result = await run(workflow('mark-mql-by-email.json', { continueOnFail: true }), [
				scored('limit@example.com'),
				scored('other@example.com'),
			]);
			const items = outputOf(result, NODE);
			expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
			for (const item of items) {
				expect(Object.keys(item.json)).toEqual(['error', 'details']);
				expect(item.json.error).toContain('TotalRequests Limit exceeded.');
				expect(item.json.error).toContain('No further calls were made');
			}
			expect(mock.calls.query).toBe(0);
		});
	});

	it("retries a dropped connection through n8n's request helper", async () => {
		const lead = mock.addLead({ Email: 'dropped@example.com' });
		await run(workflow('mark-mql-by-email.json'), [scored('warm-up@example.com')]).catch(
			() => undefined,
		);
		mock.resetCounters();
		mock.dropConnections(1);
		const result = await run(workflow('mark-mql-by-email.json'), [scored('dropped@example.com')]);
		expect(result.status).toBe('success');
		expect(mock.lead(lead.Id)?.Status).toBe('MQL');
		// Each query answered once (lead, Lead Status order); the lead query was sent twice.
		expect(mock.calls.query).toBe(2);
		expect(mock.requests.filter((request) => request.path.endsWith('/query'))).toHaveLength(3);
	});

	it('reports a refused client secret without showing it, and never outputs a token', async () => {
		const wrongSecret = ['sup3r', 's3cret', 'value'].join('-');
		const wrong = { ...mock.credentials(), clientSecret: wrongSecret };
		const refused = await runWorkflow(workflow('mark-mql-by-email.json'), {
			input: [scored('ada@example.com')],
			credentials: { [CREDENTIAL]: wrong },
		});
		expect(refused.status).toBe('error');
		expect(failure(refused)?.message).toContain('invalid client credentials');
		expect(failure(refused)?.description).toContain('Client Secret');
		expect(JSON.stringify(refused.data)).not.toContain(wrongSecret);

		const withContinueOnFail = await runWorkflow(
			workflow('mark-mql-by-email.json', { continueOnFail: true }),
			{
				input: [scored('ada@example.com'), scored('grace@example.com')],
				credentials: { [CREDENTIAL]: { ...wrong } },
			},
		);
		expect(outputOf(withContinueOnFail, NODE).map((item) => item.json.error)).toEqual([
			expect.stringContaining('invalid client credentials'),
			expect.stringContaining('invalid client credentials'),
		]);

		mock.addLead({ Email: 'tokens@example.com' });
		const ok = await run(workflow('mark-mql-by-email.json'), [scored('tokens@example.com')]);
		const serialized = JSON.stringify(ok.data);
		expect(mock.issuedTokens.length).toBeGreaterThan(0);
		for (const token of mock.issuedTokens) expect(serialized).not.toContain(token);
		expect(serialized).not.toContain(mock.clientSecret);
	});
});
