import { join } from 'node:path';

import type {
	ICredentialDataDecryptedObject,
	INodeExecutionData,
	IRun,
	IWorkflowBase,
} from 'n8n-workflow';

import type { SalesforceClient } from '../../lib/salesforce/client';
import { runWorkflow } from '../../sandbox/n8nWorkflow';
import { clientFor } from '../../sandbox/salesforce/mockClient';
import { SalesforceMock } from '../../sandbox/salesforce/salesforceMock';
import { workflowWith } from '../harness/nodeWorkflow';

/** The statuses sales works leads in: Mark MQL leaves a lead in one of them as it is. */
export const SKIP_STATUSES = [
	'Working - Contacted',
	'Closed - Converted',
	'Closed - Not Converted',
	'Qualified',
	'Unqualified',
];

/**
 * Starts a loopback org for the enclosing describe, with a client that never waits between retries;
 * the counters are reset before each test. `org.client` is there once `beforeAll` has run.
 */
export function useLoopbackOrg(): { mock: SalesforceMock; client: SalesforceClient } {
	const org = { mock: new SalesforceMock(), client: undefined as unknown as SalesforceClient };
	beforeAll(async () => {
		await org.mock.start();
		org.client = clientFor(org.mock, { sleep: async () => {} });
	});
	afterAll(async () => await org.mock.stop());
	beforeEach(() => org.mock.resetCounters());
	return org;
}

export const NODE = 'Salesforce Mark MQL';
export const CREDENTIAL = 'salesforceClientCredentialsOAuth2Api';

/** A workflow of ./workflows with the Mark MQL node's parameters changed, and on error going on if asked. */
export function workflow(
	file: string,
	options: { continueOnFail?: boolean; parameters?: Record<string, unknown> } = {},
): IWorkflowBase {
	return workflowWith(
		join(__dirname, 'workflows', file),
		NODE,
		options.parameters,
		options.continueOnFail,
	);
}

export const failure = (result: IRun) => result.data.resultData.error;

/**
 * Starts a loopback org for the enclosing describe and runs workflows in n8n against it; each test
 * gets fresh credentials (n8n caches the token in them) and counters.
 */
export function useMarkMqlNode(): {
	mock: SalesforceMock;
	credentials: ICredentialDataDecryptedObject;
	run: (wf: IWorkflowBase, input: INodeExecutionData[]) => Promise<IRun>;
} {
	const mock = new SalesforceMock();
	const node = {
		mock,
		credentials: {} as ICredentialDataDecryptedObject,
		run: async (wf: IWorkflowBase, input: INodeExecutionData[]) =>
			await runWorkflow(wf, { input, credentials: { [CREDENTIAL]: node.credentials } }),
	};
	beforeAll(async () => await mock.start());
	afterAll(async () => await mock.stop());
	beforeEach(() => {
		node.credentials = mock.credentials();
		mock.resetCounters();
	});
	return node;
}

/** Mark MQL's outcome for a lead it moved to MQL. */
export const markedLead = (leadId: string, previousStatus = 'Open - Not Contacted') => ({
	object: 'Lead',
	leadId,
	previousStatus,
	status: 'MQL',
	updated: true,
	skippedReason: null,
});

/** Mark MQL's outcome for a lead it left in `status`, and why. */
export const skippedLead = (leadId: string, status: string, skippedReason: string) => ({
	object: 'Lead',
	leadId,
	previousStatus: status,
	status,
	updated: false,
	skippedReason,
});

/** Mark MQL's outcome for a contact whose stage it moved to MQL. */
export const markedContact = (contactId: string, previousStatus: string) => ({
	object: 'Contact',
	contactId,
	previousStatus,
	status: 'MQL',
	updated: true,
	skippedReason: null,
});

/** A lead of the loopback org that already holds a score and a tier. */
export const addScoredLead = (mock: SalesforceMock, email: string, score: number, tier: string) =>
	mock.addLead({ Email: email, Lead_Score__c: score, Lead_Tier__c: tier });
