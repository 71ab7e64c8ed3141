import axios from 'axios';

import { SalesforceClient } from '../../lib/salesforce/client';
import {
	SalesforceApiError,
	SalesforceAuthError,
	SalesforceNetworkError,
} from '../../lib/salesforce/errors';
import {
	fetchAccessToken,
	normalizeMyDomainUrl,
	withClientCredentials,
} from '../../lib/salesforce/token';
import { axiosTransport } from '../../sandbox/httpTransport';
import { SalesforceMock } from '../../sandbox/salesforce/salesforceMock';
import {
	DEVELOPER_EDITION_LEAD_STATUSES,
	ORG_LEAD_STATUSES,
} from '../../sandbox/salesforce/salesforceState';

const noWait = async () => {};

describe('Salesforce client against the loopback org', () => {
	const mock = new SalesforceMock();
	const transport = axiosTransport();
	const newClient = (credentials = mock.credentials()) =>
		new SalesforceClient({
			transport: withClientCredentials(transport, credentials),
			apiVersion: credentials.apiVersion,
			sleep: noWait,
		});

	beforeAll(async () => await mock.start());
	afterAll(async () => await mock.stop());
	beforeEach(() => mock.resetCounters());

	describe('token endpoint', () => {
		it('fetches a token whose instance_url, not the My Domain URL, receives the API calls', async () => {
			const token = await fetchAccessToken(transport, mock.credentials());
			expect(token.instanceUrl).toBe(mock.instanceUrl);
			expect(token.instanceUrl).not.toBe(mock.myDomainUrl);

			const lead = mock.addLead({ Email: 'route@example.com' });
			const client = newClient();
			const records = await client.query(`SELECT Id FROM Lead WHERE Email = 'route@example.com'`);
			expect(records.map((record) => record.Id)).toEqual([lead.Id]);
			const apiCalls = mock.requests.filter((request) =>
				request.path.startsWith('/services/data/'),
			);
			expect(apiCalls.map((request) => request.host)).toEqual(['instance']);
		});

		it.each([
			[
				{ clientSecret: 'wrong-secret' },
				'invalid_client',
				'invalid client credentials',
				'Client Secret',
			],
			[{ clientId: 'unknown-app' }, 'invalid_client_id', 'client identifier invalid', 'Client ID'],
		])(
			'reports a refused credential (%j) without the secret',
			async (change, code, description, hint) => {
				const error = await fetchAccessToken(transport, { ...mock.credentials(), ...change }).catch(
					(e: unknown) => e,
				);
				expect(error).toBeInstanceOf(SalesforceAuthError);
				expect((error as SalesforceAuthError).error).toBe(code);
				expect((error as Error).message).toContain(description);
				expect((error as SalesforceAuthError).hint).toContain(hint);
				expect(JSON.stringify(error)).not.toContain(mock.clientSecret);
				expect((error as Error).message).not.toContain('wrong-secret');
			},
		);

		it('explains an app without a Run As user', async () => {
			mock.clientCredentialsUserEnabled = false;
			try {
				const error = await fetchAccessToken(transport, mock.credentials()).catch(
					(e: unknown) => e,
				);
				expect((error as Error).message).toContain('no client credentials user enabled');
				expect((error as SalesforceAuthError).hint).toContain('Run As user');
			} finally {
				mock.clientCredentialsUserEnabled = true;
			}
		});

		it('answers like Salesforce for the wrong grant type and content type', async () => {
			const wrongGrant = await axios.post(
				`${mock.myDomainUrl}/services/oauth2/token`,
				'grant_type=password&client_id=x',
				{
					headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
					validateStatus: () => true,
				},
			);
			expect(wrongGrant.status).toBe(400);
			expect(wrongGrant.data).toEqual({
				error: 'unsupported_grant_type',
				error_description: 'grant type not supported',
			});
			const json = await axios.post(
				`${mock.myDomainUrl}/services/oauth2/token`,
				{ grant_type: 'client_credentials' },
				{
					validateStatus: () => true,
				},
			);
			expect(json.data.error).toBe('unsupported_grant_type');
		});

		it('returns no expires_in and no refresh token', async () => {
			const response = await axios.post(
				`${mock.myDomainUrl}/services/oauth2/token`,
				new URLSearchParams({
					grant_type: 'client_credentials',
					client_id: mock.clientId,
					client_secret: mock.clientSecret,
				}).toString(),
				{ headers: { 'Content-Type': 'application/x-www-form-urlencoded' } },
			);
			expect(Object.keys(response.data).sort()).toEqual(
				[
					'access_token',
					'id',
					'instance_url',
					'issued_at',
					'scope',
					'signature',
					'token_type',
				].sort(),
			);
			expect(response.data.issued_at).toMatch(/^\d{13}$/);
		});

		it.each([
			['acme.my.salesforce.com/', 'https://acme.my.salesforce.com'],
			['https://acme.my.salesforce.com/some/path', 'https://acme.my.salesforce.com'],
			[
				'  https://acme--dev.sandbox.my.salesforce.com ',
				'https://acme--dev.sandbox.my.salesforce.com',
			],
		])('reads the My Domain URL %j as %s', (input, origin) => {
			expect(normalizeMyDomainUrl(input)).toBe(origin);
		});

		it('refuses login.salesforce.com before sending anything', () => {
			expect(() => normalizeMyDomainUrl('https://login.salesforce.com')).toThrow(
				'does not support the client credentials flow',
			);
		});
	});

	describe('REST calls', () => {
		it('reads the API usage from Sforce-Limit-Info', async () => {
			const client = newClient();
			await client.query('SELECT Id FROM Lead LIMIT 1');
			expect(client.apiUsage).toEqual({ used: mock.apiUsage, limit: mock.dailyLimit });
		});

		it('follows nextRecordsUrl until every record is read', async () => {
			const paged = new SalesforceMock({ queryPageSize: 3 });
			await paged.start();
			try {
				for (let i = 0; i < 7; i++) paged.addLead({ Company: 'Paged Inc' });
				const client = newClient(paged.credentials());
				const records = await client.query(`SELECT Id FROM Lead WHERE Company = 'Paged Inc'`);
				expect(records).toHaveLength(7);
				expect(paged.calls.queryMore).toBe(2);
			} finally {
				await paged.stop();
			}
		});

		it('fetches a new token once after a 401 and sends the call again', async () => {
			const lead = mock.addLead({ Email: 'revoked@example.com' });
			const client = newClient();
			await client.query('SELECT Id FROM Lead LIMIT 1');
			const tokensBefore = mock.calls.token;
			mock.revokeTokens();
			const record = await client.getRecord('Lead', lead.Id, ['Status']);
			expect(record.Status).toBe('Open - Not Contacted');
			expect(mock.calls.token - tokensBefore).toBe(1);
			expect(mock.calls.unauthorized).toBe(1);
		});

		it('retries a 5xx outage with backoff and then succeeds', async () => {
			const delays: number[] = [];
			const client = new SalesforceClient({
				transport: withClientCredentials(transport, mock.credentials()),
				apiVersion: 'v64.0',
				retryDelayMs: 100,
				sleep: async (ms) => {
					delays.push(ms);
				},
			});
			mock.failRequests({ count: 2, status: 503 });
			const records = await client.query('SELECT Id FROM Lead LIMIT 1');
			expect(records).toHaveLength(1);
			expect(mock.calls.query).toBe(3);
			expect(delays).toHaveLength(2);
			expect(delays[1]).toBeGreaterThan(delays[0]);
		});

		it('gives up after the bounded retries with the server error', async () => {
			const client = newClient();
			mock.failRequests({ count: 10, status: 500 });
			try {
				const error = await client.query('SELECT Id FROM Lead LIMIT 1').catch((e: unknown) => e);
				expect(error).toBeInstanceOf(SalesforceApiError);
				expect((error as SalesforceApiError).errorCode).toBe('UNKNOWN_EXCEPTION');
				expect((error as Error).message).toContain('after 4 attempts');
				expect(mock.calls.query).toBe(4);
			} finally {
				mock.failRequests({ count: 0 });
			}
		});

		it('retries a dropped connection', async () => {
			const client = newClient();
			await client.query('SELECT Id FROM Lead LIMIT 1');
			mock.dropConnections(1);
			const records = await client.query('SELECT Id FROM Lead LIMIT 1');
			expect(records).toHaveLength(1);
		});

		it('reports a network failure after the retries', async () => {
			const client = new SalesforceClient({
				transport: async () => {
					throw new Error('connect ECONNREFUSED 127.0.0.1:9');
				},
				apiVersion: 'v64.0',
				sleep: noWait,
			});
			await expect(client.query('SELECT Id FROM Lead')).rejects.toThrow(SalesforceNetworkError);
		});

		it('stops at REQUEST_LIMIT_EXCEEDED without retrying, and says how much was used', async () => {
			const limited = new SalesforceMock({ dailyLimit: 3 });
			await limited.start();
			try {
				const client = newClient(limited.credentials());
				for (let i = 0; i < 3; i++) await client.query('SELECT Id FROM Lead');
				const error = await client.query('SELECT Id FROM Lead').catch((e: unknown) => e);
				expect(error).toBeInstanceOf(SalesforceApiError);
				expect((error as SalesforceApiError).status).toBe(403);
				expect((error as SalesforceApiError).isRequestLimit).toBe(true);
				expect((error as Error).message).toContain('TotalRequests Limit exceeded.');
				expect((error as Error).message).toContain('3/3');
				expect(limited.calls.query).toBe(3);
			} finally {
				await limited.stop();
			}
		});

		it('turns an error array into the first errorCode and every message', async () => {
			const client = newClient();
			const error = await client.query('SELECT Id, Foo__c FROM Lead').catch((e: unknown) => e);
			expect((error as SalesforceApiError).errorCode).toBe('INVALID_FIELD');
			expect((error as Error).message).toContain("No such column 'Foo__c' on entity 'Lead'");
		});

		it('maps each sObject Collections result back to its record', async () => {
			const good = mock.addLead();
			const converted = mock.addLead({ IsConverted: true, Status: 'Closed - Converted' });
			const client = newClient();
			const results = await client.updateRecords([
				{ object: 'Lead', id: good.Id, fields: { Status: 'MQL', Lead_Score__c: 80 } },
				{ object: 'Lead', id: converted.Id, fields: { Status: 'MQL' } },
				{
					object: 'Lead',
					id: good.Id.slice(0, 15).replace('00Q', '001'),
					fields: { Status: 'MQL' },
				},
			]);
			expect(results[0]).toEqual({ id: good.Id, success: true });
			expect(results[1]).toMatchObject({
				success: false,
				error: { errorCode: 'CANNOT_UPDATE_CONVERTED_LEAD' },
			});
			expect(results[2]).toMatchObject({
				success: false,
				error: { errorCode: 'MALFORMED_ID', fields: ['Id'] },
			});
			expect(mock.lead(good.Id)).toMatchObject({ Status: 'MQL', Lead_Score__c: 80 });
			expect(mock.calls.collections).toBe(1);
		});

		it('refuses more than 200 records in one collection call', async () => {
			const client = newClient();
			const updates = Array.from({ length: 201 }, () => ({
				object: 'Lead' as const,
				id: mock.addLead().Id,
				fields: { Status: 'MQL' },
			}));
			await expect(client.updateRecords(updates)).rejects.toThrow('at most 200 records');
			expect(mock.calls.collections).toBe(0);
		});

		it('rejects an unknown API version', () => {
			expect(() => new SalesforceClient({ transport, apiVersion: 'latest' })).toThrow('v64.0');
			expect(new SalesforceClient({ transport, apiVersion: '64' }).apiVersion).toBe('v64.0');
		});
	});
});

describe('the loopback org itself', () => {
	const mock = new SalesforceMock();
	let token = '';
	beforeAll(async () => {
		await mock.start();
		token = (await fetchAccessToken(axiosTransport(), mock.credentials())).accessToken;
	});
	afterAll(async () => await mock.stop());
	const api = (method: 'GET' | 'PATCH', path: string, data?: unknown) =>
		axios.request({
			method,
			url: `${mock.instanceUrl}/services/data/v64.0${path}`,
			data,
			headers: { Authorization: `Bearer ${token}` },
			validateStatus: () => true,
		});

	it('answers PATCH on a Lead with 204 and no body, and GET with the fields asked for', async () => {
		const lead = mock.addLead({ Email: 'single@example.com' });
		const patch = await api('PATCH', `/sobjects/Lead/${lead.Id}`, {
			Status: 'MQL',
			MQL_Date__c: '2026-11-23',
		});
		expect(patch.status).toBe(204);
		expect(patch.data).toBe('');
		expect(patch.headers['sforce-limit-info']).toMatch(/^api-usage=\d+\/15000$/);
		const get = await api('GET', `/sobjects/Lead/${lead.Id.slice(0, 15)}?fields=Status,Email`);
		expect(get.data).toEqual({
			attributes: { type: 'Lead', url: `/services/data/v64.0/sobjects/Lead/${lead.Id}` },
			Status: 'MQL',
			Email: 'single@example.com',
			Id: lead.Id,
		});
	});

	it('rejects an undefined status only while the picklist is restricted', async () => {
		const lead = mock.addLead();
		mock.setLeadStatuses(DEVELOPER_EDITION_LEAD_STATUSES);
		mock.restrictedStatusPicklist = true;
		try {
			const refused = await api('PATCH', `/sobjects/Lead/${lead.Id}`, { Status: 'MQL' });
			expect(refused.status).toBe(400);
			expect(refused.data).toEqual([
				{
					message: 'Lead Status: bad value for restricted picklist field: MQL',
					errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
					fields: ['Status'],
				},
			]);
		} finally {
			mock.restrictedStatusPicklist = false;
			mock.setLeadStatuses(ORG_LEAD_STATUSES);
		}
		expect((await api('PATCH', `/sobjects/Lead/${lead.Id}`, { Status: 'MQL' })).status).toBe(204);
	});

	it('answers 404 NOT_FOUND for a missing Lead and 401 INVALID_SESSION_ID without a valid token', async () => {
		const missing = await api('GET', '/sobjects/Lead/00Q5g00000ZZZZZZZZ');
		expect(missing.status).toBe(404);
		expect(missing.data[0].errorCode).toBe('NOT_FOUND');
		const unauthorized = await axios.get(
			`${mock.instanceUrl}/services/data/v64.0/query?q=SELECT+Id+FROM+Lead`,
			{
				headers: { Authorization: 'Bearer not-a-token' },
				validateStatus: () => true,
			},
		);
		expect(unauthorized.status).toBe(401);
		expect(unauthorized.data).toEqual([
			{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' },
		]);
	});

	it('reads an unescaped quote as SOQL would: the injected OR matches every lead', async () => {
		mock.addLead({ Email: 'someone@example.com' });
		const injected = await api(
			'GET',
			`/query?q=${encodeURIComponent("SELECT Id FROM Lead WHERE Email = 'x' OR Name LIKE '%'")}`,
		);
		expect(injected.data.totalSize).toBe(mock.allLeads().length);
	});

	it('rolls back every record of an allOrNone collection when one fails', async () => {
		const first = mock.addLead();
		mock.validationRules = [
			(lead) => (lead.Company === 'Blocked' ? 'Blocked companies cannot become MQLs' : undefined),
		];
		const blocked = mock.addLead({ Company: 'Blocked' });
		try {
			const response = await api('PATCH', '/composite/sobjects', {
				allOrNone: true,
				records: [
					{ attributes: { type: 'Lead' }, id: first.Id, Status: 'MQL' },
					{ attributes: { type: 'Lead' }, id: blocked.Id, Status: 'MQL' },
				],
			});
			expect(response.status).toBe(200);
			expect(response.data[0].errors[0].statusCode).toBe('ALL_OR_NONE_OPERATION_ROLLED_BACK');
			expect(response.data[1].errors[0]).toEqual({
				statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
				message: 'Blocked companies cannot become MQLs',
				fields: [],
			});
			expect(mock.lead(first.Id)?.Status).toBe('Open - Not Contacted');
		} finally {
			mock.validationRules = [];
		}
	});
});
