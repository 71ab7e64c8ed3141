import { join, resolve } from 'node:path';

import {
	openEmbeddedStore,
	startApiSandboxes,
	startSandbox,
	type ApiSandboxes,
	type Sandbox,
} from '../../scripts/n8n';
import type { KlaviyoMock } from '../../sandbox/klaviyo/klaviyoMock';
import type { SalesforceMock } from '../../sandbox/salesforce/salesforceMock';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const SCORE_WORKFLOW_FILE = join(__dirname, 'workflows', 'score-webhook.json');
export const SCORE_WORKFLOW_ID = 'e2eScoreWebhook1';

/** Starting n8n takes 15-30 s on 2 cores (a cold n8n install, done by .ci/run first, minutes). */
export const START_TIMEOUT = 300_000;

/**
 * The package the tests install: the repository packed after `npm run build`, or the tarball
 * named by LEAD_SCORING_PACKAGE_TARBALL (to test exactly what will be published).
 */
export const PACKAGE_TARBALL = process.env.LEAD_SCORING_PACKAGE_TARBALL || undefined;

/** n8n with the built package and the Webhook → Score Event → Respond workflow published. */
export async function startScoringSandbox(): Promise<Sandbox> {
	return await startSandbox({
		repoRoot: REPO_ROOT,
		packageTarball: PACKAGE_TARBALL,
		workflows: [SCORE_WORKFLOW_FILE],
	});
}

export interface N8nWithApis {
	apis: ApiSandboxes;
	sandbox: Sandbox;
}

/**
 * The loopback Klaviyo, Salesforce and Braze, then n8n with the built package, `workflows`
 * published and credentials pointing at the stand-ins.
 */
export async function startN8nWithApis(workflows: string[]): Promise<N8nWithApis> {
	const apis = await startApiSandboxes(REPO_ROOT);
	try {
		const sandbox = await startSandbox({
			repoRoot: REPO_ROOT,
			packageTarball: PACKAGE_TARBALL,
			workflows,
			credentials: apis.credentials,
		});
		return { apis, sandbox };
	} catch (error) {
		await apis.close();
		throw error;
	}
}

/** Stops n8n, then the stand-ins; either may not have started. */
export async function stopN8nWithApis(started: Partial<N8nWithApis>): Promise<void> {
	await started.sandbox?.dispose();
	await started.apis?.close();
}

/** The loopback Klaviyo and Salesforce; the suite fails at once when one did not start. */
export function klaviyoAndSalesforce(apis: ApiSandboxes): {
	klaviyo: KlaviyoMock;
	salesforce: SalesforceMock;
} {
	const klaviyo = apis.klaviyo as unknown as KlaviyoMock | undefined;
	const salesforce = apis.salesforce as unknown as SalesforceMock | undefined;
	if (!klaviyo || !salesforce) throw new Error(`API stand-ins missing: ${apis.notes.join('; ')}`);
	return { klaviyo, salesforce };
}

export interface WebhookReply {
	status: number;
	body: Record<string, unknown>;
	text: string;
}

/** POSTs a JSON body (or raw text) to a webhook and returns the answer. */
export async function post(
	url: string,
	body: unknown,
	contentType = 'application/json',
): Promise<WebhookReply> {
	const response = await fetch(url, {
		method: 'POST',
		headers: { 'Content-Type': contentType },
		body: typeof body === 'string' ? body : JSON.stringify(body),
	});
	const text = await response.text();
	let parsed: Record<string, unknown> = {};
	try {
		parsed = JSON.parse(text) as Record<string, unknown>;
	} catch {
		// not JSON: keep the text
	}
	return { status: response.status, body: parsed, text };
}

export interface StoredLead {
	score: number;
	tier: string;
}

/** A lead's committed score, read from the store itself rather than from n8n's answers. */
export function storedLead(
	userFolder: string,
	leadId: string,
	scoreName = 'default',
): StoredLead | undefined {
	const db = openEmbeddedStore(userFolder);
	if (!db) return undefined;
	try {
		const row = db
			.prepare('SELECT score, tier FROM leads WHERE score_name = ? AND lead_id = ?')
			.get(scoreName, leadId);
		return row ? { score: Number(row.score), tier: String(row.tier) } : undefined;
	} finally {
		db.close();
	}
}

/** How many rows each table of the store holds: a bad request must not change them. */
export function storeRowCounts(userFolder: string): Record<string, number> {
	const db = openEmbeddedStore(userFolder);
	if (!db) return {};
	try {
		const counts: Record<string, number> = {};
		for (const table of ['leads', 'events', 'ledger']) {
			counts[table] = Number(db.prepare(`SELECT count(*) AS n FROM ${table}`).get()?.n);
		}
		return counts;
	} finally {
		db.close();
	}
}

interface SalesforceRequests {
	allLeads(): Array<{ Id: string; [field: string]: unknown }>;
	requests: Array<{ method: string; path: string; body?: unknown }>;
}

/**
 * How many MQL updates Salesforce accepted per lead email: single PATCHes and sObject Collections
 * records setting Status to MQL. Requests an outage turned away carry no body and are not counted.
 */
export function mqlUpdatesPerLead(salesforce: SalesforceRequests): Map<string, number> {
	const emailById = new Map(
		salesforce.allLeads().map((lead) => [lead.Id.slice(0, 15), String(lead.Email)]),
	);
	const counts = new Map<string, number>();
	const count = (id: unknown, record: Record<string, unknown>) => {
		const email = typeof id === 'string' ? emailById.get(id.slice(0, 15)) : undefined;
		if (email && record.Status === 'MQL') counts.set(email, (counts.get(email) ?? 0) + 1);
	};
	for (const request of salesforce.requests) {
		if (request.method !== 'PATCH' || request.body === undefined) continue;
		const single = /\/sobjects\/Lead\/([^/]+)$/.exec(request.path);
		if (single) count(decodeURIComponent(single[1]), request.body as Record<string, unknown>);
		if (request.path.endsWith('/composite/sobjects')) {
			const records = (request.body as { records?: Array<Record<string, unknown>> }).records ?? [];
			for (const record of records) count(record.id ?? record.Id, record);
		}
	}
	return counts;
}
