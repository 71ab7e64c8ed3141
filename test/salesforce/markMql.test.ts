import { SalesforceApiError, SalesforceAuthError } from '../../lib/salesforce/errors';
import { markAsMql, RequestFailure, type MarkMqlRequest } from '../../lib/salesforce/markMql';
import type { RecordLookup } from '../../lib/salesforce/records';
import type { StatusSetupError } from '../../lib/salesforce/statusOrder';
import { clientFor } from '../../sandbox/salesforce/mockClient';
import { SalesforceMock } from '../../sandbox/salesforce/salesforceMock';
import {
	DEVELOPER_EDITION_LEAD_STATUSES,
	ORG_LEAD_STATUSES,
} from '../../sandbox/salesforce/salesforceState';
import { markedLead, SKIP_STATUSES, skippedLead, useLoopbackOrg } from './setup';

function request(lookup: RecordLookup, fields: MarkMqlRequest['fields'] = {}): MarkMqlRequest {
	return { lookup, statusField: 'Status', mqlStatus: 'MQL', skipStatuses: SKIP_STATUSES, fields };
}

describe('marking leads as MQL', () => {
	const org = useLoopbackOrg();
	const { mock } = org;

	it('finds leads by ID (15 or 18 characters), email and external ID in one query and one update', async () => {
		const byId = mock.addLead();
		const byShortId = mock.addLead();
		const byEmail = mock.addLead({ Email: 'Ada.Lovelace@Example.com' });
		const byExternalId = mock.addLead({ External_Id__c: 'crm-42' });
		const outcomes = await markAsMql(org.client, [
			request({ findBy: 'id', recordId: byId.Id }),
			request({ findBy: 'id', recordId: byShortId.Id.slice(0, 15) }),
			request({ findBy: 'email', email: ' ada.lovelace@example.com ' }, { Lead_Score__c: 81 }),
			request({ findBy: 'externalId', field: 'External_Id__c', value: 'crm-42' }),
		]);
		expect(outcomes.map((outcome) => outcome.ok && outcome.value)).toEqual([
			markedLead(byId.Id),
			markedLead(byShortId.Id),
			markedLead(byEmail.Id),
			markedLead(byExternalId.Id),
		]);
		expect(mock.lead(byEmail.Id)).toMatchObject({ Status: 'MQL', Lead_Score__c: 81 });
		// One query for the leads, one for the org's Lead Status order (read once per run), one update.
		expect(mock.calls).toMatchObject({ query: 2, collections: 1, api: 3 });
	});

	it('never downgrades: skips MQL, later statuses and converted leads, and writes nothing for them', async () => {
		const already = mock.addLead({ Status: 'MQL', Lead_Score__c: 70 });
		const working = mock.addLead({ Status: 'Working - Contacted' });
		const converted = mock.addLead({ Status: 'Open - Not Contacted', IsConverted: true });
		const outcomes = await markAsMql(
			org.client,
			[already, working, converted].map((lead) =>
				request({ findBy: 'id', recordId: lead.Id }, { Lead_Score__c: 99 }),
			),
		);
		expect(outcomes.map((outcome) => outcome.ok && outcome.value)).toEqual([
			skippedLead(already.Id, 'MQL', 'alreadyMql'),
			skippedLead(working.Id, 'Working - Contacted', 'skipStatus'),
			skippedLead(converted.Id, 'Open - Not Contacted', 'converted'),
		]);
		expect(mock.lead(already.Id)?.Lead_Score__c).toBe(70);
		expect(mock.calls).toMatchObject({ query: 2, collections: 0 });
	});

	it('honours a custom status field, MQL value and skip list', async () => {
		const lead = mock.addLead({ LeadSource: 'Web' });
		const [outcome] = await markAsMql(org.client, [
			{
				lookup: { findBy: 'id', recordId: lead.Id },
				statusField: 'LeadSource',
				mqlStatus: 'Qualified Web',
				skipStatuses: ['Partner'],
				respectStatusOrder: false,
				fields: {},
			},
		]);
		expect(outcome).toEqual({
			ok: true,
			value: {
				object: 'Lead',
				leadId: lead.Id,
				previousStatus: 'Web',
				status: 'Qualified Web',
				updated: true,
				skippedReason: null,
			},
		});
		expect(mock.lead(lead.Id)).toMatchObject({
			LeadSource: 'Qualified Web',
			Status: 'Open - Not Contacted',
		});
	});

	it("treats the email x' OR Name LIKE '% as one value: it matches nothing and changes nothing", async () => {
		mock.addLead({ Email: 'victim@example.com' });
		const before = JSON.stringify(mock.allLeads());
		const [outcome] = await markAsMql(org.client, [
			request({ findBy: 'email', email: "x' OR Name LIKE '%" }),
		]);
		expect(outcome.ok).toBe(false);
		expect(!outcome.ok && outcome.error.message).toBe(
			`No Salesforce lead has Email "x' OR Name LIKE '%"`,
		);
		expect(JSON.stringify(mock.allLeads())).toBe(before);
		expect(mock.calls.collections).toBe(0);
	});

	it('fails only the item whose lead is missing, ambiguous or whose input is unusable', async () => {
		const good = mock.addLead({ Email: 'good@example.com' });
		mock.addLead({ Email: 'twin@example.com' });
		mock.addLead({ Email: 'twin@example.com' });
		const outcomes = await markAsMql(org.client, [
			request({ findBy: 'email', email: 'nobody@example.com' }),
			request({ findBy: 'email', email: 'twin@example.com' }),
			request({ findBy: 'id', recordId: '001A0000006Vm9rIAC' }),
			request({ findBy: 'externalId', field: "External_Id__c' OR", value: 'x' }),
			request({ findBy: 'email', email: 'good@example.com' }, { 'Lead_Score__c = 1, Status': 5 }),
			request({ findBy: 'email', email: 'good@example.com' }),
		]);
		const messages = outcomes.map((outcome) => (outcome.ok ? 'ok' : outcome.error.message));
		expect(messages[0]).toBe('No Salesforce lead has Email "nobody@example.com"');
		expect(messages[1]).toMatch(
			/^2 Salesforce leads have Email "twin@example.com" \(00Q.*\): find the lead by ID/,
		);
		expect(messages[2]).toContain('not a Lead ID');
		expect(messages[3]).toContain('is not a field API name');
		expect(messages[4]).toContain('is not a field API name');
		expect(messages[5]).toBe('ok');
		expect(mock.lead(good.Id)?.Status).toBe('MQL');
	});

	it('picks the open lead when the others with the same email are converted', async () => {
		mock.addLead({
			Email: 'returning@example.com',
			IsConverted: true,
			Status: 'Closed - Converted',
		});
		const open = mock.addLead({ Email: 'returning@example.com' });
		const [outcome] = await markAsMql(org.client, [
			request({ findBy: 'email', email: 'returning@example.com' }),
		]);
		expect(outcome).toMatchObject({ ok: true, value: { object: 'Lead', leadId: open.Id } });
	});

	it('sends one record per lead when several items name the same lead; the later values win', async () => {
		const lead = mock.addLead({ Email: 'twice@example.com' });
		const outcomes = await markAsMql(org.client, [
			request({ findBy: 'email', email: 'twice@example.com' }, { Lead_Score__c: 60 }),
			request({ findBy: 'id', recordId: lead.Id }, { Lead_Score__c: 65 }),
		]);
		expect(outcomes.every((outcome) => outcome.ok && outcome.value.updated)).toBe(true);
		const sent = mock.requests.find((logged) => logged.path.endsWith('/composite/sobjects'))
			?.body as { records: unknown[] };
		expect(sent.records).toEqual([
			{ attributes: { type: 'Lead' }, id: lead.Id, Status: 'MQL', Lead_Score__c: 65 },
		]);
	});

	it("maps per-record failures to their items with Salesforce's message; the others are updated", async () => {
		const blocked = mock.addLead({ Company: 'Blocked Corp' });
		const fine = mock.addLead();
		const badScore = mock.addLead();
		mock.validationRules = [
			(lead) =>
				lead.Company === 'Blocked Corp' ? 'Leads from Blocked Corp cannot be MQLs' : undefined,
		];
		try {
			const outcomes = await markAsMql(org.client, [
				request({ findBy: 'id', recordId: blocked.Id }),
				request({ findBy: 'id', recordId: fine.Id }),
				request({ findBy: 'id', recordId: badScore.Id }, { Lead_Score__c: 'high' }),
			]);
			expect(outcomes[0]).toMatchObject({
				ok: false,
				error: {
					errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
					message: 'Leads from Blocked Corp cannot be MQLs',
				},
			});
			expect(outcomes[1]).toMatchObject({ ok: true, value: { updated: true } });
			expect(outcomes[2]).toMatchObject({
				ok: false,
				error: { errorCode: 'INVALID_TYPE_ON_FIELD_IN_RECORD' },
			});
			expect(mock.lead(fine.Id)?.Status).toBe('MQL');
			expect(mock.lead(blocked.Id)?.Status).toBe('Open - Not Contacted');
		} finally {
			mock.validationRules = [];
		}
	});

	describe('an org whose Lead Status has no MQL value (Developer Edition)', () => {
		beforeEach(() => mock.setLeadStatuses(DEVELOPER_EDITION_LEAD_STATUSES));
		afterEach(() => {
			mock.setLeadStatuses(ORG_LEAD_STATUSES);
			mock.restrictedStatusPicklist = false;
		});

		it('fails every item before writing: without MQL in the order no status can be known to come before it', async () => {
			const leads = [mock.addLead(), mock.addLead()];
			const outcomes = await markAsMql(
				org.client,
				leads.map((lead) => request({ findBy: 'id', recordId: lead.Id })),
			);
			for (const outcome of outcomes) {
				expect(outcome).toMatchObject({ ok: false, error: { name: 'StatusSetupError' } });
				const error = (outcome as { ok: false; error: StatusSetupError }).error;
				expect(error.message).toBe(
					'"MQL" is not a value of Lead Status in this org (its values: Open - Not Contacted, Working - Contacted, Closed - Converted, Closed - Not Converted), so the node cannot tell which statuses come after it',
				);
				expect(error.hint).toContain('turn off Respect Status Order');
			}
			expect(mock.calls.collections).toBe(0);
		});

		it("with the order turned off, passes on Salesforce's restricted-picklist error with a hint", async () => {
			const leads = [mock.addLead(), mock.addLead()];
			mock.restrictedStatusPicklist = true;
			const outcomes = await markAsMql(
				org.client,
				leads.map((lead) => ({
					...request({ findBy: 'id', recordId: lead.Id }),
					respectStatusOrder: false,
				})),
			);
			for (const outcome of outcomes) {
				expect(outcome.ok).toBe(false);
				const error = (outcome as { ok: false; error: Error }).error as SalesforceApiError;
				expect(error.errorCode).toBe('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
				expect(error.message).toBe('Lead Status: bad value for restricted picklist field: MQL');
				expect(error.hint).toContain('Lead Status');
			}
		});
	});

	it('sends 450 leads in 3 queries and 3 collection calls of at most 200 records', async () => {
		const leads = Array.from({ length: 450 }, (_, i) =>
			mock.addLead({ Email: `bulk${i}@example.com` }),
		);
		const outcomes = await markAsMql(
			org.client,
			leads.map((lead) =>
				request({ findBy: 'email', email: lead.Email as string }, { Lead_Score__c: 77 }),
			),
		);
		expect(outcomes.filter((outcome) => outcome.ok && outcome.value.updated)).toHaveLength(450);
		expect(mock.calls).toMatchObject({ query: 4, collections: 3, api: 7 });
		expect(mock.queries().filter((soql) => soql.endsWith('FROM LeadStatus'))).toHaveLength(1);
		const sizes = mock.requests
			.filter((logged) => logged.path.endsWith('/composite/sobjects'))
			.map((logged) => (logged.body as { records: unknown[]; allOrNone: boolean }).records.length);
		expect(sizes).toEqual([200, 200, 50]);
		expect(leads.every((lead) => mock.lead(lead.Id)?.Status === 'MQL')).toBe(true);
	});

	it('splits a batch read into more queries only when the URL would be too long', async () => {
		const longEmails = Array.from({ length: 200 }, (_, i) =>
			mock.addLead({ Email: `${'a'.repeat(60)}.${i}@long-domain-example.com` }),
		);
		await markAsMql(
			org.client,
			longEmails.map((lead) => request({ findBy: 'email', email: lead.Email as string })),
		);
		expect(mock.calls.query).toBeGreaterThan(1);
		expect(mock.calls.collections).toBe(1);
		expect(longEmails.every((lead) => mock.lead(lead.Id)?.Status === 'MQL')).toBe(true);
	});

	it('stops calling at REQUEST_LIMIT_EXCEEDED: the leads not done yet fail with it', async () => {
		// Room for the first batch (a read, the Lead Status order and a write) and nothing more.
		const limited = new SalesforceMock({ dailyLimit: 3 });
		await limited.start();
		try {
			const leads = Array.from({ length: 500 }, () => limited.addLead());
			const limitedClient = clientFor(limited);
			const outcomes = await markAsMql(
				limitedClient,
				leads.map((lead) => request({ findBy: 'id', recordId: lead.Id })),
			);
			expect(outcomes).toHaveLength(500);
			expect(outcomes.slice(0, 200).every((outcome) => outcome.ok && outcome.value.updated)).toBe(
				true,
			);
			for (const outcome of outcomes.slice(200)) {
				expect(outcome).toMatchObject({
					ok: false,
					error: { errorCode: 'REQUEST_LIMIT_EXCEEDED', status: 403 },
				});
			}
			expect(limited.calls).toMatchObject({ query: 2, collections: 1 });
			expect(limited.lead(leads[200].Id)?.Status).toBe('Open - Not Contacted');

			await expect(
				markAsMql(limitedClient, [request({ findBy: 'id', recordId: leads[300].Id })], {
					stopAfterFailure: true,
				}),
			).rejects.toMatchObject({ errorCode: 'REQUEST_LIMIT_EXCEEDED' });
		} finally {
			await limited.stop();
		}
	});

	it('asks for a token once when the credential is refused: every request fails with that error', async () => {
		const leads = Array.from({ length: 450 }, () => mock.addLead());
		const refusedClient = clientFor(mock, {
			credentials: { ...mock.credentials(), clientId: 'revoked-app' },
		});
		const outcomes = await markAsMql(
			refusedClient,
			leads.map((lead) => request({ findBy: 'id', recordId: lead.Id })),
		);
		expect(outcomes).toHaveLength(450);
		expect(
			outcomes.every((outcome) => !outcome.ok && outcome.error instanceof SalesforceAuthError),
		).toBe(true);
		expect(mock.calls).toMatchObject({ token: 1, api: 0 });
	});

	it('with stopAfterFailure writes nothing from a batch with a missing lead and reads no later batch', async () => {
		const leads = Array.from({ length: 250 }, () => mock.addLead());
		const requests = leads.map((lead) => request({ findBy: 'id', recordId: lead.Id }));
		requests[5] = request({ findBy: 'email', email: 'missing@example.com' });
		const failure = await markAsMql(org.client, requests, { stopAfterFailure: true }).catch(
			(e: unknown) => e,
		);
		expect(failure).toBeInstanceOf(RequestFailure);
		expect(failure).toMatchObject({
			index: 5,
			message: 'No Salesforce lead has Email "missing@example.com"',
		});
		expect(mock.calls).toMatchObject({ query: 1, collections: 0 });
		expect(leads.every((lead) => mock.lead(lead.Id)?.Status === 'Open - Not Contacted')).toBe(true);
	});

	describe("never moving a lead back: the org's Lead Status order", () => {
		// An org whose funnel goes on after MQL, with statuses of its own.
		const FUNNEL = [
			'New',
			'Nurturing',
			'MQL',
			'SQL',
			'Sales Accepted',
			'Demo Booked',
			'Closed - Converted',
			'Closed - Not Converted',
		];
		beforeEach(() => mock.setLeadStatuses(FUNNEL));
		afterEach(() => mock.setLeadStatuses(ORG_LEAD_STATUSES));
		// An empty skip list: what protects these leads is the order alone.
		const byOrder = (lead: { Id: string }) => ({
			...request({ findBy: 'id', recordId: lead.Id }),
			skipStatuses: [],
		});

		it('leaves leads at SQL, Sales Accepted and a custom status after MQL; moves one before MQL; skips one at MQL', async () => {
			const sql = mock.addLead({ Status: 'SQL' });
			const accepted = mock.addLead({ Status: 'Sales Accepted' });
			const demo = mock.addLead({ Status: 'Demo Booked' });
			const nurturing = mock.addLead({ Status: 'Nurturing' });
			const atMql = mock.addLead({ Status: 'MQL' });
			const outcomes = await markAsMql(
				org.client,
				[sql, accepted, demo, nurturing, atMql].map(byOrder),
			);
			expect(
				outcomes.map(
					(outcome) =>
						outcome.ok && [
							outcome.value.previousStatus,
							outcome.value.status,
							outcome.value.skippedReason,
						],
				),
			).toEqual([
				['SQL', 'SQL', 'pastMql'],
				['Sales Accepted', 'Sales Accepted', 'pastMql'],
				['Demo Booked', 'Demo Booked', 'pastMql'],
				['Nurturing', 'MQL', null],
				['MQL', 'MQL', 'alreadyMql'],
			]);
			expect(
				[sql, accepted, demo, nurturing, atMql].map((lead) => mock.lead(lead.Id)?.Status),
			).toEqual(['SQL', 'Sales Accepted', 'Demo Booked', 'MQL', 'MQL']);
			// Only the lead before MQL was written; the order was read with the documented query.
			const written = mock.requests.filter((logged) => logged.path.endsWith('/composite/sobjects'));
			expect(
				written.map((logged) =>
					(logged.body as { records: Array<{ id: string }> }).records.map((record) => record.id),
				),
			).toEqual([[nurturing.Id]]);
			expect(mock.queries().filter((soql) => soql.includes('LeadStatus'))).toEqual([
				'SELECT ApiName, MasterLabel, SortOrder, IsConverted FROM LeadStatus',
			]);
		});

		it('replays a hand-off to a lead already at MQL without any write', async () => {
			const lead = mock.addLead({ Status: 'Nurturing', Lead_Score__c: 60 });
			const first = await markAsMql(org.client, [
				request({ findBy: 'id', recordId: lead.Id }, { Lead_Score__c: 80 }),
			]);
			expect(first[0]).toMatchObject({ ok: true, value: { updated: true, status: 'MQL' } });
			mock.resetCounters();
			const replay = await markAsMql(org.client, [
				request({ findBy: 'id', recordId: lead.Id }, { Lead_Score__c: 95 }),
			]);
			expect(replay[0]).toMatchObject({
				ok: true,
				value: { updated: false, skippedReason: 'alreadyMql', status: 'MQL' },
			});
			expect(mock.calls).toMatchObject({ collections: 0, patchLead: 0 });
			expect(mock.lead(lead.Id)?.Lead_Score__c).toBe(80);
		});

		it('follows the sort order, not the order the org lists the values in', async () => {
			mock.leadStatuses.reverse();
			const ahead = mock.addLead({ Status: 'Sales Accepted' });
			const behind = mock.addLead({ Status: 'New' });
			const outcomes = await markAsMql(org.client, [ahead, behind].map(byOrder));
			expect(outcomes.map((outcome) => outcome.ok && outcome.value.skippedReason)).toEqual([
				'pastMql',
				null,
			]);
		});

		it("leaves a lead whose status is not one of the org's values, and says so", async () => {
			const retired = mock.addLead({ Status: 'Recycled 2019' });
			const blank = mock.addLead({ Status: null });
			const outcomes = await markAsMql(org.client, [retired, blank].map(byOrder));
			expect(
				outcomes.map(
					(outcome) => outcome.ok && [outcome.value.skippedReason, outcome.value.updated],
				),
			).toEqual([
				['unknownStatus', false],
				[null, true],
			]);
			expect(mock.lead(retired.Id)?.Status).toBe('Recycled 2019');
		});

		it('moves a lead past MQL back only when the order is turned off', async () => {
			const sql = mock.addLead({ Status: 'SQL' });
			const [outcome] = await markAsMql(org.client, [
				{ ...byOrder(sql), respectStatusOrder: false },
			]);
			expect(outcome).toMatchObject({
				ok: true,
				value: { previousStatus: 'SQL', status: 'MQL', updated: true },
			});
			expect(mock.queries().some((soql) => soql.includes('LeadStatus'))).toBe(false);
		});

		it('still skips converted leads first, and the statuses of Skip Statuses', async () => {
			const converted = mock.addLead({ Status: 'Nurturing', IsConverted: true });
			const skipped = mock.addLead({ Status: 'Nurturing' });
			const outcomes = await markAsMql(org.client, [
				byOrder(converted),
				{ ...request({ findBy: 'id', recordId: skipped.Id }), skipStatuses: ['Nurturing'] },
			]);
			expect(outcomes.map((outcome) => outcome.ok && outcome.value.skippedReason)).toEqual([
				'converted',
				'skipStatus',
			]);
		});
	});

	describe('issue 13: failures that must stay with their own items', () => {
		it('a per-item External ID Field or Status Field that does not exist fails only the items that name it', async () => {
			const leads = Array.from({ length: 200 }, (_, i) =>
				mock.addLead({ External_Id__c: `ext-${i}` }),
			);
			const requests = leads.map((lead, i) =>
				request({ findBy: 'externalId', field: 'External_Id__c', value: `ext-${i}` }),
			);
			requests[3] = request({ findBy: 'externalId', field: 'Externl_Id__c', value: 'ext-3' });
			requests[7] = {
				...request({ findBy: 'id', recordId: leads[7].Id }),
				statusField: 'Stage__c',
			};
			const outcomes = await markAsMql(org.client, requests);
			expect(outcomes[3]).toMatchObject({
				ok: false,
				error: {
					errorCode: 'INVALID_FIELD',
					message: "No such column 'Externl_Id__c' on entity 'Lead'",
				},
			});
			expect(outcomes[7]).toMatchObject({
				ok: false,
				error: {
					errorCode: 'INVALID_FIELD',
					message: "No such column 'Stage__c' on entity 'Lead'",
				},
			});
			const others = outcomes.filter((_, i) => i !== 3 && i !== 7);
			expect(others.every((outcome) => outcome.ok && outcome.value.updated)).toBe(true);
			expect(leads.filter((lead) => mock.lead(lead.Id)?.Status === 'MQL')).toHaveLength(198);
			// Each bad field costs one more read; the update is still one call.
			expect(mock.calls.collections).toBe(1);
		});

		it('a token refused again after it was fetched anew ends the run: no token is fetched per batch', async () => {
			const leads = Array.from({ length: 650 }, () => mock.addLead());
			const fresh = clientFor(mock);
			mock.refuseAllSessions = true;
			try {
				const outcomes = await markAsMql(
					fresh,
					leads.map((lead) => request({ findBy: 'id', recordId: lead.Id })),
				);
				expect(outcomes).toHaveLength(650);
				for (const outcome of outcomes) {
					expect(outcome).toMatchObject({
						ok: false,
						error: { errorCode: 'INVALID_SESSION_ID', status: 401 },
					});
				}
				// The first token, and the one fetched after the first 401: not two more per batch of 200.
				expect(mock.calls).toMatchObject({ token: 2, unauthorized: 2, api: 0 });
			} finally {
				mock.refuseAllSessions = false;
			}
		});
	});
});
