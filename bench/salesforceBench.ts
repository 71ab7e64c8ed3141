import { join } from 'node:path';

import type { INodeExecutionData } from 'n8n-workflow';

import type { SalesforceClient } from '../lib/salesforce/client';
import { markAsMql } from '../lib/salesforce/markMql';
import { syncScores } from '../lib/salesforce/syncScore';
import { soqlString } from '../lib/salesforce/soql';
import { withClientCredentials } from '../lib/salesforce/token';
import { loadWorkflow, outputOf, runWorkflow } from '../sandbox/n8nWorkflow';
import { axiosTransport } from '../sandbox/httpTransport';
import { clientFor } from '../sandbox/salesforce/mockClient';
import { SalesforceMock } from '../sandbox/salesforce/salesforceMock';
import { formatRate, type BenchSection } from './section';

const LEADS = 10_000;
const NAIVE_SAMPLE = 500;

/** An org with `count` leads by email; every tenth is already worked by sales (skipped, not written). */
async function orgWithLeads(count: number): Promise<SalesforceMock> {
	const mock = new SalesforceMock({ dailyLimit: 1_000_000 });
	await mock.start();
	for (let i = 0; i < count; i++) {
		mock.addLead({
			Email: `lead${i}@example.com`,
			Status: i % 10 === 0 ? 'Working - Contacted' : 'Open - Not Contacted',
		});
	}
	return mock;
}

const restCalls = (mock: SalesforceMock) => mock.calls.api;

/** Through the node in n8n-core, one execution with every lead as an item (the way a batch arrives). */
async function throughNode(): Promise<{
	seconds: number;
	calls: number;
	tokens: number;
	updated: number;
}> {
	const mock = await orgWithLeads(LEADS);
	try {
		const workflow = loadWorkflow(
			join(__dirname, '..', '..', 'test', 'salesforce', 'workflows', 'mark-mql-by-email.json'),
		);
		const input: INodeExecutionData[] = Array.from({ length: LEADS }, (_, i) => ({
			json: {
				leadScore: {
					leadId: `lead${i}@example.com`,
					score: 80,
					scoredAt: '2026-11-23T07:00:00.000Z',
				},
			},
		}));
		const started = performance.now();
		const run = await runWorkflow(workflow, {
			input,
			credentials: { salesforceClientCredentialsOAuth2Api: mock.credentials() },
		});
		const seconds = (performance.now() - started) / 1000;
		const items = outputOf(run, 'Salesforce Mark MQL');
		const updated = items.filter(
			(item) => (item.json.salesforce as { updated?: boolean } | undefined)?.updated,
		).length;
		if (items.length !== LEADS || updated !== LEADS - LEADS / 10) {
			throw new Error(
				`the node marked ${updated} of ${items.length} leads; expected ${LEADS - LEADS / 10}`,
			);
		}
		return { seconds, calls: restCalls(mock), tokens: mock.calls.token, updated };
	} finally {
		await mock.stop();
	}
}

/** The client alone on axios, on an org of LEADS leads: what n8n's execution adds on top. */
async function throughClient(
	run: (client: SalesforceClient) => Promise<unknown>,
): Promise<{ seconds: number; calls: number }> {
	const mock = await orgWithLeads(LEADS);
	try {
		const client = clientFor(mock);
		const started = performance.now();
		await run(client);
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
				qs: {
					q: `SELECT Id, Status, IsConverted FROM Lead WHERE Email = ${soqlString(`lead${i}@example.com`)}`,
				},
			});
			const lead = (found.body as { records: Array<{ Id: string; Status: string }> }).records[0];
			if (lead.Status === 'Working - Contacted') continue;
			await transport({
				method: 'PATCH',
				url: `/services/data/v64.0/sobjects/Lead/${lead.Id}`,
				body: { Status: 'MQL', Lead_Score__c: 80 },
			});
		}
		return {
			secondsPerLead: (performance.now() - started) / 1000 / NAIVE_SAMPLE,
			callsPerLead: restCalls(mock) / NAIVE_SAMPLE,
		};
	} finally {
		await mock.stop();
	}
}

/** Every 10th lead of the org already holds the score and tier it is about to be sent (nothing to write). */
const holdsItsScore = (i: number) => i % 10 === 3;
const syncedScore = (i: number) => 40 + (i % 50);
const syncedTier = (i: number) =>
	syncedScore(i) >= 76 ? 'hot' : syncedScore(i) >= 51 ? 'engaged' : 'warming';

interface SyncFigures {
	seconds: number;
	reads: number;
	writes: number;
	calls: number;
	recordsWritten: number;
	unchangedWritten: number;
	results: Record<string, number>;
}

/** Reads and writes per run, and whether any write carried a lead whose score had not changed. */
function syncFigures(
	mock: SalesforceMock,
	unchangedIds: Set<string>,
	seconds: number,
	results: string[],
): SyncFigures {
	const written = mock.requests
		.filter((request) => request.path.endsWith('/composite/sobjects') && request.method === 'PATCH')
		.flatMap((request) => (request.body as { records: Array<{ id: string }> }).records);
	const counts: Record<string, number> = {};
	for (const result of results) counts[result] = (counts[result] ?? 0) + 1;
	return {
		seconds,
		reads: mock.calls.query + mock.calls.queryMore,
		writes: mock.calls.collections + mock.calls.create + mock.calls.upsert,
		calls: restCalls(mock),
		recordsWritten: written.length,
		unchangedWritten: written.filter((record) => unchangedIds.has(record.id)).length,
		results: counts,
	};
}

/** Sync Score through the node in n8n-core: one execution with every lead, then the same items again. */
async function syncThroughNode(): Promise<{ first: SyncFigures; again: SyncFigures }> {
	const mock = new SalesforceMock({ dailyLimit: 1_000_000 });
	await mock.start();
	try {
		const unchangedIds = new Set<string>();
		for (let i = 0; i < LEADS; i++) {
			const holds = holdsItsScore(i);
			const lead = mock.addLead({
				Email: `lead${i}@example.com`,
				Lead_Score__c: holds ? syncedScore(i) : 20,
				Lead_Tier__c: holds ? syncedTier(i) : 'nurture',
			});
			if (holds) unchangedIds.add(lead.Id);
		}
		const workflow = loadWorkflow(
			join(__dirname, '..', '..', 'test', 'salesforce', 'workflows', 'sync-score-by-email.json'),
		);
		const input: INodeExecutionData[] = Array.from({ length: LEADS }, (_, i) => ({
			json: {
				leadScore: { leadId: `lead${i}@example.com`, score: syncedScore(i), tier: syncedTier(i) },
			},
		}));
		const runOnce = async (unchangedIds: Set<string>) => {
			mock.resetCounters();
			const started = performance.now();
			const run = await runWorkflow(workflow, {
				input,
				credentials: { salesforceClientCredentialsOAuth2Api: mock.credentials() },
			});
			const seconds = (performance.now() - started) / 1000;
			const results = outputOf(run, 'Salesforce Mark MQL').map((item) =>
				String(
					(item.json.salesforce as { result?: string } | undefined)?.result ?? item.json.error,
				),
			);
			if (results.length !== LEADS)
				throw new Error(`Sync Score answered ${results.length} items for ${LEADS}`);
			return syncFigures(mock, unchangedIds, seconds, results);
		};
		const first = await runOnce(unchangedIds);
		// The second run sends the same scores: every lead now holds its score.
		const again = await runOnce(new Set(mock.allLeads().map((lead) => lead.Id)));
		if (
			first.results.updated !== LEADS - unchangedIds.size ||
			first.results.unchanged !== unchangedIds.size
		) {
			throw new Error(
				`Sync Score results ${JSON.stringify(first.results)}; expected ${LEADS - unchangedIds.size} updated`,
			);
		}
		return { first, again };
	} finally {
		await mock.stop();
	}
}

/**
 * API calls and wall time to mark 10,000 leads as MQL and to sync their scores against the
 * loopback org (target: at most 2 calls per 200 leads, no write for a lead whose score is unchanged).
 */
export default async function salesforceBench(): Promise<BenchSection> {
	const node = await throughNode();
	const client = await throughClient((client) =>
		markAsMql(
			client,
			Array.from({ length: LEADS }, (_, i) => ({
				lookup: { findBy: 'email' as const, email: `lead${i}@example.com` },
				statusField: 'Status',
				mqlStatus: 'MQL',
				skipStatuses: ['Working - Contacted'],
				fields: { Lead_Score__c: 80 },
			})),
		),
	);
	const naive = await perLead();
	const sync = await syncThroughNode();
	// Sync Score with the client alone, for comparison with the node.
	const syncClient = await throughClient((client) =>
		syncScores(
			client,
			Array.from({ length: LEADS }, (_, i) => ({
				lookup: { findBy: 'email' as const, email: `lead${i}@example.com` },
				object: 'lead' as const,
				fields: { Lead_Score__c: syncedScore(i), Lead_Tier__c: syncedTier(i) },
			})),
		),
	);
	const per200 = (calls: number) => ((calls / LEADS) * 200).toFixed(2);
	const count = (value: number) => value.toLocaleString('en-US');
	const { first, again } = sync;
	const unchanged = first.results.unchanged ?? 0;
	return {
		title: `Salesforce: ${LEADS.toLocaleString('en-US')} leads by email, Mark MQL (10% already worked by sales) and Sync Score (10% already current) (loopback mock)`,
		lines: [
			`Mark MQL, node in n8n-core: ${node.calls} API calls = ${node.calls - 1} for the batches (${per200(node.calls - 1)} per 200 leads, target <= 2) + 1 Lead Status read per run, + ${node.tokens} token call, ${node.seconds.toFixed(2)} s (${formatRate(LEADS / node.seconds)} leads)`,
			`Mark MQL, client alone (axios): ${client.calls} API calls, ${client.seconds.toFixed(2)} s (${formatRate(LEADS / client.seconds)} leads)`,
			`Mark MQL, per-lead lookup + PATCH (measured on ${NAIVE_SAMPLE}, scaled): ${Math.round(naive.callsPerLead * LEADS).toLocaleString('en-US')} API calls, ${(naive.secondsPerLead * LEADS).toFixed(1)} s = ${((naive.callsPerLead * LEADS) / node.calls).toFixed(0)}x the calls of the node`,
			`Sync Score, node in n8n-core: ${first.calls} API calls (${first.reads} reads + ${first.writes} writes = ${per200(first.calls)} per 200 leads, target <= 2), ${first.seconds.toFixed(2)} s (${formatRate(LEADS / first.seconds)} leads); ${count(first.results.updated)} updated, ${count(unchanged)} unchanged; records written ${count(first.recordsWritten)}, of them for unchanged leads ${first.unchangedWritten} (target 0)`,
			`Sync Score, the same items again: ${again.calls} API calls (${again.reads} reads + ${again.writes} writes), ${count(again.results.unchanged ?? 0)} unchanged, records written ${again.recordsWritten}, ${again.seconds.toFixed(2)} s`,
			`Sync Score, client alone (axios): ${syncClient.calls} API calls, ${syncClient.seconds.toFixed(2)} s (${formatRate(LEADS / syncClient.seconds)} leads)`,
		],
	};
}
