import { join } from 'node:path';

import type { INodeExecutionData } from 'n8n-workflow';

import { SalesforceClient } from '../lib/salesforce/client';
import { markAsMql } from '../lib/salesforce/markMql';
import { soqlString } from '../lib/salesforce/soql';
import { withClientCredentials } from '../lib/salesforce/token';
import { loadWorkflow, outputOf, runWorkflow } from '../test/harness/n8nWorkflow';
import { axiosTransport } from '../test/mocks/salesforce/axiosTransport';
import { SalesforceMock } from '../test/mocks/salesforce/salesforceMock';
import { formatRate, type BenchSection } from './section';

const LEADS = 10_000;
const NAIVE_SAMPLE = 500;

/** An org with `count` leads by email; every tenth is already worked by sales (skipped, not written). */
async function orgWithLeads(count: number): Promise<SalesforceMock> {
	const mock = new SalesforceMock({ dailyLimit: 1_000_000 });
	await mock.start();
	for (let i = 0; i < count; i++) {
		mock.addLead({ Email: `lead${i}@example.com`, Status: i % 10 === 0 ? 'Working - Contacted' : 'Open - Not Contacted' });
	}
	return mock;
}

const restCalls = (mock: SalesforceMock) => mock.calls.api;

/** Through the node in n8n-core, one execution with every lead as an item (the way a batch arrives). */
async function throughNode(): Promise<{ seconds: number; calls: number; tokens: number; updated: number }> {
	const mock = await orgWithLeads(LEADS);
	try {
		const workflow = loadWorkflow(join(__dirname, '..', '..', 'test', 'salesforce', 'workflows', 'mark-mql-by-email.json'));
		const input: INodeExecutionData[] = Array.from({ length: LEADS }, (_, i) => ({
			json: { leadScore: { leadId: `lead${i}@example.com`, score: 80, scoredAt: '2026-11-23T07:00:00.000Z' } },
		}));
		const started = performance.now();
		const run = await runWorkflow(workflow, { input, credentials: { salesforceClientCredentialsOAuth2Api: mock.credentials() } });
		const seconds = (performance.now() - started) / 1000;
		const items = outputOf(run, 'Salesforce Mark MQL');
		const updated = items.filter((item) => (item.json.salesforce as { updated?: boolean } | undefined)?.updated).length;
		if (items.length !== LEADS || updated !== LEADS - LEADS / 10) {
			throw new Error(`the node marked ${updated} of ${items.length} leads; expected ${LEADS - LEADS / 10}`);
		}
		return { seconds, calls: restCalls(mock), tokens: mock.calls.token, updated };
	} finally {
		await mock.stop();
	}
}

/** The client alone on axios: what n8n's execution adds on top. */
async function throughClient(): Promise<{ seconds: number; calls: number }> {
	const mock = await orgWithLeads(LEADS);
	try {
		const client = new SalesforceClient({ transport: withClientCredentials(axiosTransport(), mock.credentials()), apiVersion: 'v64.0' });
		const started = performance.now();
		await markAsMql(
			client,
			Array.from({ length: LEADS }, (_, i) => ({
				lookup: { findBy: 'email' as const, email: `lead${i}@example.com` },
				statusField: 'Status',
				mqlStatus: 'MQL',
				skipStatuses: ['Working - Contacted'],
				fields: { Lead_Score__c: 80 },
			})),
		);
		return { seconds: (performance.now() - started) / 1000, calls: restCalls(mock) };
	} finally {
		await mock.stop();
	}
}

/** One lookup and one PATCH per lead, as a per-item loop would do it; measured on a sample. */
async function perLead(): Promise<{ secondsPerLead: number; callsPerLead: number }> {
	const mock = await orgWithLeads(NAIVE_SAMPLE);
	try {
		const transport = withClientCredentials(axiosTransport(), mock.credentials());
		const started = performance.now();
		for (let i = 0; i < NAIVE_SAMPLE; i++) {
			const found = await transport({
				method: 'GET',
				url: '/services/data/v64.0/query',
				qs: { q: `SELECT Id, Status, IsConverted FROM Lead WHERE Email = ${soqlString(`lead${i}@example.com`)}` },
			});
			const lead = (found.body as { records: Array<{ Id: string; Status: string }> }).records[0];
			if (lead.Status === 'Working - Contacted') continue;
			await transport({ method: 'PATCH', url: `/services/data/v64.0/sobjects/Lead/${lead.Id}`, body: { Status: 'MQL', Lead_Score__c: 80 } });
		}
		return { secondsPerLead: (performance.now() - started) / 1000 / NAIVE_SAMPLE, callsPerLead: restCalls(mock) / NAIVE_SAMPLE };
	} finally {
		await mock.stop();
	}
}

/** API calls and wall time to mark 10,000 leads as MQL against the loopback org (target: at most 2 calls per 200 leads). */
export default async function salesforceBench(): Promise<BenchSection> {
	const node = await throughNode();
	const client = await throughClient();
	const naive = await perLead();
	const per200 = (calls: number) => ((calls / LEADS) * 200).toFixed(2);
	return {
		title: `Salesforce Mark MQL: ${LEADS.toLocaleString('en-US')} leads by email, 10% already worked by sales (loopback mock)`,
		lines: [
			`node in n8n-core: ${node.calls} API calls (${per200(node.calls)} per 200 leads, target <= 2) + ${node.tokens} token call, ${node.seconds.toFixed(2)} s (${formatRate(LEADS / node.seconds)} leads)`,
			`client alone (axios): ${client.calls} API calls, ${client.seconds.toFixed(2)} s (${formatRate(LEADS / client.seconds)} leads)`,
			`per-lead lookup + PATCH (measured on ${NAIVE_SAMPLE}, scaled): ${Math.round(naive.callsPerLead * LEADS).toLocaleString('en-US')} API calls, ${(naive.secondsPerLead * LEADS).toFixed(1)} s = ${((naive.callsPerLead * LEADS) / node.calls).toFixed(0)}x the calls of the node`,
		],
	};
}
