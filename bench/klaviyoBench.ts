/**
 * Syncing 10,000 scored leads to Klaviyo, one request per lead versus bulk import jobs,
 * against the loopback Klaviyo with the spec's rate limits (profile-import 75/s, 750/min;
 * bulk jobs 10/s, 150/min). Client and mock share a simulated clock, so the waits the limits
 * force are counted in full without being sat through; the real run time is printed too.
 */
import { KlaviyoClient, type ProfileInput, checkProfileInput } from '../lib/klaviyo';
import { axiosTransport, klaviyoCredentialHeaders } from '../sandbox/httpTransport';
import { virtualClock } from '../sandbox/virtualClock';
import { startKlaviyoMock } from '../sandbox/klaviyo/klaviyoMock';
import type { BenchSection } from './section';
import { syntheticScore } from './syntheticEvents';

const LEADS = 10_000;
interface SyncRun {
	calls: number;
	throttled: number;
	simulatedMs: number;
	realMs: number;
	missing: number;
	failed: number;
}

function scoredLeads(): Array<{ email: string; score: number; input: ProfileInput }> {
	return Array.from({ length: LEADS }, (_, index) => {
		const email = `lead${index}@example.com`;
		const { score, tier } = syntheticScore(index);
		const checked = checkProfileInput({
			identifierKind: 'email',
			identifierValue: email,
			properties: { Lead_Score: score, Lead_Tier: tier },
		});
		if (!checked.ok) throw new Error(`bench lead ${index} is invalid`);
		return { email, score, input: checked.value };
	});
}

async function sync(bulkThreshold: number): Promise<SyncRun> {
	const clock = virtualClock();
	// Klaviyo publishes no processing speed for bulk jobs: assume 2 s queued, then 1,000 profiles/s.
	const mock = await startKlaviyoMock({
		now: clock.now,
		bulkJobs: { queuedMs: 2000, profilesPerSecond: 1000 },
	});
	try {
		const client = new KlaviyoClient({
			transport: clock.track(axiosTransport(mock.baseUrl, klaviyoCredentialHeaders(mock.apiKey))),
			clock,
		});
		const leads = scoredLeads();
		const startedAt = clock.now();
		const realStart = performance.now();
		const { outcomes } = await client.upsertProfiles(
			leads.map((lead) => lead.input),
			{ concurrency: 10, bulkThreshold },
		);
		const realMs = performance.now() - realStart;
		const simulatedMs = clock.now() - startedAt;
		if (mock.problems.length > 0)
			throw new Error(`requests the spec rejects: ${mock.problems.slice(0, 3).join('; ')}`);
		const missing = leads.filter(
			(lead) => mock.profileByEmail(lead.email)?.attributes.properties.Lead_Score !== lead.score,
		).length;
		return {
			calls: mock.calls(),
			throttled: mock.requests.filter((request) => request.status === 429).length,
			simulatedMs,
			realMs,
			missing,
			failed: outcomes.filter((outcome) => !outcome?.ok).length,
		};
	} finally {
		await mock.close();
	}
}

function minutes(ms: number): string {
	return ms >= 60_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 1000).toFixed(1)} s`;
}

function describe(name: string, run: SyncRun): string {
	return (
		`${name}: ${run.calls.toLocaleString('en-US')} API calls, ${minutes(run.simulatedMs)} at Klaviyo's limits ` +
		`(${minutes(run.realMs)} real on loopback), 429s ${run.throttled}, failed ${run.failed}, missing or stale profiles ${run.missing}`
	);
}

export default async function klaviyoBench(): Promise<BenchSection> {
	const perItem = await sync(0);
	const bulk = await sync(100);
	const callRatio = bulk.calls / perItem.calls;
	return {
		title: `Klaviyo sync of ${LEADS.toLocaleString('en-US')} scored leads (spec rate limits, simulated clock)`,
		lines: [
			describe('per item (POST /api/profile-import, concurrency 10)', perItem),
			describe(
				'bulk import (1 job: POST, then status polls; import errors are read only when some failed)',
				bulk,
			),
			`bulk / per item: ${(100 * callRatio).toFixed(2)}% of the API calls (target <= 1%), ${(100 * (bulk.simulatedMs / perItem.simulatedMs)).toFixed(1)}% of the time`,
			'bulk job speed is assumed (2 s queued, then 1,000 profiles/s); Klaviyo publishes none. Network latency is not simulated: at these limits it does not change the totals.',
		],
	};
}
