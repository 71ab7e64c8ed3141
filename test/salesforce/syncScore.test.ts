import type { ObjectChoice, RecordLookup } from '../../lib/salesforce/records';
import { sameValue, syncScores, type SyncScoreRequest } from '../../lib/salesforce/syncScore';
import type { SalesforceMock } from '../../sandbox/salesforce/salesforceMock';
import { addScoredLead, useLoopbackOrg } from './setup';

function request(
	lookup: RecordLookup,
	score: number,
	tier: string,
	change: Partial<SyncScoreRequest> = {},
): SyncScoreRequest {
	return {
		lookup,
		object: 'lead' as ObjectChoice,
		fields: { Lead_Score__c: score, Lead_Tier__c: tier },
		...change,
	};
}

const sentRecords = (mock: SalesforceMock, path = '/composite/sobjects', method = 'PATCH') =>
	mock.requests
		.filter((logged) => logged.path.endsWith(path) && logged.method === method)
		.flatMap((logged) => (logged.body as { records: Array<Record<string, unknown>> }).records);

describe('syncing scores to Salesforce', () => {
	const org = useLoopbackOrg();
	const { mock } = org;

	it.each([
		[42, 42, true],
		[42, '42', true],
		[42.5, 42.5, true],
		[42, 43, false],
		[null, 0, false],
		[null, '', true],
		[null, null, true],
		['hot', 'hot', true],
		['hot', 'Hot', false],
		[true, true, true],
	])('Salesforce value %j and wanted %j are the same: %s', (current, wanted, same) => {
		expect(sameValue(current, wanted)).toBe(same);
	});

	it('writes only the fields that differ, reading them in the same lookup: one query and one update', async () => {
		const fresh = mock.addLead({ Email: 'fresh@example.com' });
		const same = addScoredLead(mock, 'same@example.com', 55, 'engaged');
		const scoreOnly = addScoredLead(mock, 'score-only@example.com', 70, 'engaged');
		const outcomes = await syncScores(org.client, [
			request({ findBy: 'email', email: 'fresh@example.com' }, 30, 'warming'),
			request({ findBy: 'email', email: 'same@example.com' }, 55, 'engaged'),
			request({ findBy: 'id', recordId: scoreOnly.Id }, 72, 'engaged'),
		]);
		expect(outcomes.map((outcome) => outcome.ok && outcome.value)).toEqual([
			{
				object: 'Lead',
				leadId: fresh.Id,
				result: 'updated',
				changedFields: ['Lead_Score__c', 'Lead_Tier__c'],
			},
			{ object: 'Lead', leadId: same.Id, result: 'unchanged', changedFields: [] },
			{ object: 'Lead', leadId: scoreOnly.Id, result: 'updated', changedFields: ['Lead_Score__c'] },
		]);
		expect(sentRecords(mock)).toEqual([
			{ attributes: { type: 'Lead' }, id: fresh.Id, Lead_Score__c: 30, Lead_Tier__c: 'warming' },
			{ attributes: { type: 'Lead' }, id: scoreOnly.Id, Lead_Score__c: 72 },
		]);
		expect(mock.lead(fresh.Id)).toMatchObject({ Lead_Score__c: 30, Lead_Tier__c: 'warming' });
		expect(mock.calls).toMatchObject({ query: 1, collections: 1, api: 2 });
		expect(mock.queries()[0]).toMatch(
			/^SELECT Id, IsConverted, ConvertedContactId, Email, Lead_Score__c, Lead_Tier__c FROM Lead WHERE /,
		);
	});

	it('makes no write call at all when no score changed', async () => {
		const leads = Array.from({ length: 3 }, (_, i) =>
			mock.addLead({ Lead_Score__c: 10 * i, Lead_Tier__c: 'nurture' }),
		);
		const outcomes = await syncScores(
			org.client,
			leads.map((lead, i) => request({ findBy: 'id', recordId: lead.Id }, 10 * i, 'nurture')),
		);
		expect(outcomes.every((outcome) => outcome.ok && outcome.value.result === 'unchanged')).toBe(
			true,
		);
		expect(mock.calls).toMatchObject({ query: 1, collections: 0, api: 1 });
	});

	it('writes the score whatever the status: a lead at SQL, below any threshold, is kept current', async () => {
		const lead = mock.addLead({ Status: 'Working - Contacted', Lead_Score__c: 90 });
		const [outcome] = await syncScores(org.client, [
			request({ findBy: 'id', recordId: lead.Id }, 12, 'nurture'),
		]);
		expect(outcome).toMatchObject({ ok: true, value: { result: 'updated' } });
		expect(mock.lead(lead.Id)).toMatchObject({
			Status: 'Working - Contacted',
			Lead_Score__c: 12,
			Lead_Tier__c: 'nurture',
		});
	});

	it('uses the configured field names and extra fields', async () => {
		const contact = mock.addContact({ Email: 'named@customer.com' });
		const [outcome] = await syncScores(org.client, [
			{
				lookup: { findBy: 'email', email: 'named@customer.com' },
				object: 'contact',
				fields: { Lead_Tier__c: 'hot', MQL_Date__c: '2026-11-23' },
			},
		]);
		expect(outcome).toMatchObject({
			ok: true,
			value: {
				object: 'Contact',
				contactId: contact.Id,
				changedFields: ['Lead_Tier__c', 'MQL_Date__c'],
			},
		});
		expect(mock.contact(contact.Id)).toMatchObject({
			Lead_Tier__c: 'hot',
			MQL_Date__c: '2026-11-23',
			Lead_Score__c: null,
		});
	});

	it('sends one record per lead when several items name it: the last values win, compared with Salesforce', async () => {
		const lead = addScoredLead(mock, 'twice@example.com', 40, 'warming');
		const outcomes = await syncScores(org.client, [
			request({ findBy: 'email', email: 'twice@example.com' }, 50, 'warming'),
			request({ findBy: 'id', recordId: lead.Id }, 40, 'warming'),
		]);
		// The later item holds what Salesforce has: nothing to write for either.
		expect(outcomes.map((outcome) => outcome.ok && outcome.value.result)).toEqual([
			'unchanged',
			'unchanged',
		]);
		expect(mock.calls.collections).toBe(0);
	});

	it('reports a lead that is not found as notFound and writes nothing', async () => {
		const [outcome] = await syncScores(org.client, [
			request({ findBy: 'email', email: 'stranger@example.com' }, 50, 'warming'),
		]);
		expect(outcome).toEqual({
			ok: true,
			value: { object: null, result: 'notFound', changedFields: [] },
		});
		expect(mock.calls).toMatchObject({ query: 1, collections: 0, create: 0 });
	});

	it('refuses a converted lead with Object Lead, and writes to its contact with Lead, Then Contact', async () => {
		const lead = mock.addLead({ Email: 'customer@example.com' });
		const contact = mock.convertLead(lead.Id);
		const [asLead] = await syncScores(org.client, [
			request({ findBy: 'email', email: 'customer@example.com' }, 81, 'hot'),
		]);
		expect(!asLead.ok && asLead.error.message).toBe(
			`Lead ${lead.Id} is converted to contact ${contact.Id}, and a converted lead cannot be changed: set Object to "Lead, Then Contact" to write the score to the contact`,
		);
		const [asContact] = await syncScores(org.client, [
			request({ findBy: 'email', email: 'customer@example.com' }, 81, 'hot', {
				object: 'leadThenContact',
			}),
		]);
		expect(asContact).toEqual({
			ok: true,
			value: {
				object: 'Contact',
				contactId: contact.Id,
				result: 'updated',
				changedFields: ['Lead_Score__c', 'Lead_Tier__c'],
			},
		});
		expect(mock.contact(contact.Id)).toMatchObject({ Lead_Score__c: 81, Lead_Tier__c: 'hot' });
	});

	describe('Create If Missing', () => {
		const create = { lastName: 'Lovelace', company: 'Analytical Engines' };

		it('creates a missing lead found by email, with the required fields, and finds it the next time', async () => {
			const [outcome] = await syncScores(org.client, [
				request({ findBy: 'email', email: 'New.Person@Example.com' }, 35, 'warming', { create }),
				request({ findBy: 'email', email: 'new.person@example.com' }, 35, 'warming', { create }),
			]);
			expect(outcome).toMatchObject({ ok: true, value: { object: 'Lead', result: 'created' } });
			const created = mock
				.allLeads()
				.filter((lead) => String(lead.Email).toLowerCase() === 'new.person@example.com');
			expect(created).toHaveLength(1);
			expect(created[0]).toMatchObject({
				LastName: 'Lovelace',
				Company: 'Analytical Engines',
				Lead_Score__c: 35,
				Lead_Tier__c: 'warming',
				Status: 'Open - Not Contacted',
			});
			expect(mock.calls).toMatchObject({ query: 1, create: 1, upsert: 0 });

			const [again] = await syncScores(org.client, [
				request({ findBy: 'email', email: 'new.person@example.com' }, 35, 'warming', { create }),
			]);
			expect(again).toMatchObject({
				ok: true,
				value: { leadId: created[0].Id, result: 'unchanged' },
			});
		});

		it('upserts on the External ID field, so a lead created by a parallel run is updated, not duplicated', async () => {
			const outcomes = await syncScores(org.client, [
				request(
					{ findBy: 'externalId', field: 'External_Id__c', value: 'shop-991' },
					20,
					'nurture',
					{ create },
				),
			]);
			expect(outcomes[0]).toMatchObject({ ok: true, value: { object: 'Lead', result: 'created' } });
			expect(mock.calls).toMatchObject({ upsert: 1, create: 0 });
			expect(sentRecords(mock, '/composite/sobjects/Lead/External_Id__c')).toEqual([
				{
					attributes: { type: 'Lead' },
					LastName: 'Lovelace',
					Company: 'Analytical Engines',
					Lead_Score__c: 20,
					Lead_Tier__c: 'nurture',
					External_Id__c: 'shop-991',
				},
			]);
			const lead = mock.allLeads().find((candidate) => candidate.External_Id__c === 'shop-991')!;
			expect(lead).toMatchObject({ Lead_Score__c: 20 });
		});

		it('fails an item without Last Name or Company when its lead is missing; an existing lead needs neither', async () => {
			const existing = mock.addLead({ Email: 'existing@example.com' });
			const outcomes = await syncScores(org.client, [
				request({ findBy: 'email', email: 'a@example.com' }, 1, 'nurture', {
					create: { lastName: 'A', company: ' ' },
				}),
				request({ findBy: 'email', email: 'b@example.com' }, 1, 'nurture', {
					create: { lastName: '', company: 'B' },
				}),
				request({ findBy: 'email', email: 'existing@example.com' }, 1, 'nurture', {
					create: { lastName: '', company: '' },
				}),
			]);
			expect(
				outcomes.map((outcome) => (outcome.ok ? outcome.value : outcome.error.message)),
			).toEqual([
				'Create If Missing needs a Company for the new lead, and it is empty',
				'Create If Missing needs a Last Name for the new lead, and it is empty',
				{
					object: 'Lead',
					leadId: existing.Id,
					result: 'updated',
					changedFields: ['Lead_Score__c', 'Lead_Tier__c'],
				},
			]);
			expect(mock.calls).toMatchObject({ create: 0, upsert: 0 });
		});

		it("passes on Salesforce's refusal of one new lead; the others are created", async () => {
			mock.validationRules = [
				(lead) => (lead.Company === 'Competitor' ? 'Competitors are not leads' : undefined),
			];
			try {
				const outcomes = await syncScores(org.client, [
					request({ findBy: 'email', email: 'spy@competitor.com' }, 5, 'nurture', {
						create: { lastName: 'Spy', company: 'Competitor' },
					}),
					request({ findBy: 'email', email: 'real@buyer.com' }, 5, 'nurture', {
						create: { lastName: 'Real', company: 'Buyer' },
					}),
				]);
				expect(outcomes[0]).toMatchObject({
					ok: false,
					error: {
						errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
						message: 'Competitors are not leads',
					},
				});
				expect(outcomes[1]).toMatchObject({ ok: true, value: { result: 'created' } });
			} finally {
				mock.validationRules = [];
			}
		});
	});

	it('fails only the item whose score field does not exist', async () => {
		const good = mock.addLead({ Email: 'good-field@example.com' });
		mock.addLead({ Email: 'bad-field@example.com' });
		const outcomes = await syncScores(org.client, [
			request({ findBy: 'email', email: 'bad-field@example.com' }, 10, 'nurture', {
				fields: { Score__c: 10 },
			}),
			request({ findBy: 'email', email: 'good-field@example.com' }, 10, 'nurture'),
		]);
		expect(outcomes[0]).toMatchObject({
			ok: false,
			error: { errorCode: 'INVALID_FIELD', message: "No such column 'Score__c' on entity 'Lead'" },
		});
		expect(outcomes[1]).toMatchObject({ ok: true, value: { leadId: good.Id, result: 'updated' } });
	});

	it('syncs 450 leads in 3 queries and 3 collection calls; a second run with the same scores makes no write', async () => {
		const leads = Array.from({ length: 450 }, (_, i) =>
			mock.addLead({ Email: `sync${i}@example.com`, Lead_Score__c: i % 3 === 0 ? 10 : null }),
		);
		const requests = leads.map((lead, i) =>
			request({ findBy: 'email', email: lead.Email as string }, 10, 'nurture', {
				fields: { Lead_Score__c: 10 + (i % 2) },
			}),
		);
		const outcomes = await syncScores(org.client, requests);
		const changed = outcomes.filter(
			(outcome) => outcome.ok && outcome.value.result === 'updated',
		).length;
		expect(changed).toBe(leads.filter((lead, i) => !(i % 3 === 0 && i % 2 === 0)).length);
		expect(mock.calls).toMatchObject({ query: 3, collections: 3, api: 6 });
		expect(sentRecords(mock)).toHaveLength(changed);

		mock.resetCounters();
		const replay = await syncScores(org.client, requests);
		expect(replay.every((outcome) => outcome.ok && outcome.value.result === 'unchanged')).toBe(
			true,
		);
		expect(mock.calls).toMatchObject({ query: 3, collections: 0, api: 3 });
	});
});
