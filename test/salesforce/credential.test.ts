import axios from 'axios';
import { NodeHelpers, Workflow, type INode, type INodeType, type INodeTypes } from 'n8n-workflow';

import { SalesforceClientCredentialsOAuth2Api } from '../../credentials/SalesforceClientCredentialsOAuth2Api.credentials';
import { fetchAccessToken } from '../../lib/salesforce/token';
import { axiosTransport } from '../../sandbox/httpTransport';
import { SalesforceMock } from '../../sandbox/salesforce/salesforceMock';

/** Resolves the credential test's request as n8n's "Test" button does, then sends it. */
async function runCredentialTest(mock: SalesforceMock, data: Record<string, string>) {
	const credential = new SalesforceClientCredentialsOAuth2Api();
	const nodeTypes: INodeTypes = {
		getByName: () => ({}) as INodeType,
		getByNameAndVersion: () => NodeHelpers.getVersionedNodeType({} as INodeType),
		getKnownTypes: () => ({}),
	};
	const workflow = new Workflow({ nodes: [], connections: {}, active: false, nodeTypes });
	const node = {
		name: 'Temp-Node',
		type: 'n8n-nodes-base.noOp',
		parameters: {},
		typeVersion: 1,
		position: [0, 0],
	} as unknown as INode;
	const url = workflow.expression.getSimpleParameterValue(
		node,
		credential.test.request.url!,
		'internal',
		{
			$credentials: data,
		},
	) as string;
	const token = await fetchAccessToken(axiosTransport(), data as never);
	const request = await credential.authenticate(
		{ ...data, ...token },
		{ url, qs: credential.test.request.qs },
	);
	return await axios.get(`${request.baseURL}${request.url}`, {
		params: request.qs,
		headers: request.headers as Record<string, string>,
		validateStatus: () => true,
	});
}

describe('Salesforce credential', () => {
	const mock = new SalesforceMock();
	beforeAll(async () => await mock.start());
	afterAll(async () => await mock.stop());

	it.each(['v64.0', '64.0'])(
		'its Test request reads a Lead on the instance URL (API version %s)',
		async (apiVersion) => {
			mock.addLead();
			mock.resetCounters();
			const response = await runCredentialTest(mock, { ...mock.credentials(), apiVersion });
			expect(response.status).toBe(200);
			expect(response.data.records).toHaveLength(1);
			expect(
				mock.requests.find((request) => request.path === '/services/data/v64.0/query')?.host,
			).toBe('instance');
		},
	);

	it('its Test request fails on an API version Salesforce does not have', async () => {
		const response = await runCredentialTest(mock, { ...mock.credentials(), apiVersion: 'v99.0' });
		expect(response.status).toBe(404);
	});

	it('keeps the token in a hidden expirable field so n8n fetches it again after a 401', () => {
		const credential = new SalesforceClientCredentialsOAuth2Api();
		const expirable = credential.properties.filter((property) => property.typeOptions?.expirable);
		expect(expirable.map((property) => [property.name, property.type])).toEqual([
			['accessToken', 'hidden'],
		]);
		expect(
			credential.properties.find((property) => property.name === 'clientSecret')?.typeOptions
				?.password,
		).toBe(true);
		expect(credential.properties.find((property) => property.name === 'apiVersion')?.default).toBe(
			'v64.0',
		);
	});
});
