/**
 * Writing 10,000 scored leads to Braze through the client, against the loopback Braze with its
 * /users/track limit (3,000 requests per 3 s), a workspace whose limit is far lower than the
 * client assumes (plans with a burst limit), and one where other apps use up the window (the
 * 429 path). Client and stand-in share a simulated clock, so the waits are
 * counted in full without being sat through; the real run time is printed too.
 */
import { type BrazeApiError, BrazeClient, type ProfileUpdate } from '../lib/braze';
import { axiosTransport, brazeCredentialHeaders } from '../sandbox/httpTransport';
import { type BrazeMockOptions, startBrazeMock } from '../sandbox/braze/brazeMock';
import { virtualClock } from '../sandbox/virtualClock';
import type { BenchSection } from './section';
import { syntheticScore } from './syntheticEvents';

const LEADS = 10_000;
const TARGET_REQUESTS = Math.ceil(LEADS / 75);
interface Run {
	requests: number;
	accepted: number;
	throttled: number;
	simulatedMs: number;
	realMs: number;
	failed: number;
	/** Updates that failed because Braze kept answering 429. */
	failedThrottled: number;
	missing: number;
}

function scoredLeads(): Array<{ externalId: string; score: number; update: ProfileUpdate }> {
	return Array.from({ length: LEADS }, (_, index) => {
		const externalId = `lead-${index}`;
		const { score, tier } = syntheticScore(index);
		return {
			externalId,
			score,
			update: {
				identifier: { kind: 'externalId', externalId },
				attributes: { lead_score: score, lead_tier: tier },
			},
		};
	});
}

/** `busyEvery`: before every n-th request, another app of the workspace uses up the window. */
async function sync(mockOptions: BrazeMockOptions, busyEvery = 0): Promise<Run> {
	const clock = virtualClock();
	const mock = await startBrazeMock({ now: clock.now, ...mockOptions });
	try {
		const transport = axiosTransport(mock.baseUrl, brazeCredentialHeaders(mock.apiKey));
		let sent = 0;
		const client = new BrazeClient({
			transport: clock.track(async (request) => {
				if (busyEvery > 0 && ++sent % busyEvery === 0) mock.useUpWindow();
				return await transport(request);
			}),
			clock,
		});
		const leads = scoredLeads();
		const startedAt = clock.now();
		const realStart = performance.now();
		const result = await client.updateProfiles(leads.map((lead) => lead.update));
		const realMs = performance.now() - realStart;
		if (mock.problems.length > 0)
			throw new Error(
				`requests the stand-in could not take: ${mock.problems.slice(0, 3).join('; ')}`,
			);
		return {
			requests: mock.calls(),
			accepted: mock.requests.filter((request) => request.status === 201).length,
			throttled: mock.requests.filter((request) => request.status === 429).length,
			simulatedMs: clock.now() - startedAt,
			realMs,
			failed: result.outcomes.filter((outcome) => !outcome?.ok).length,
			failedThrottled: result.outcomes.filter(
				(outcome) => outcome?.ok === false && (outcome.error as BrazeApiError).status === 429,
			).length,
			missing: leads.filter(
				(lead) => mock.user({ externalId: lead.externalId })?.attributes.lead_score !== lead.score,
			).length,
		};
	} finally {
		await mock.close();
	}
}

function seconds(ms: number): string {
	return `${(ms / 1000).toFixed(1)} s`;
}

function describe(name: string, run: Run): string {
	const unhandled =
		run.failedThrottled > 0
			? `${run.failedThrottled} updates failed on 429`
			: 'none left unhandled';
	return (
		`${name}: ${run.requests} requests (${run.accepted} accepted with 201, target <= ${TARGET_REQUESTS}); ` +
		`429s seen ${run.throttled}, each waited out and resent (${unhandled}); failed updates ${run.failed}; ` +
		`${seconds(run.simulatedMs)} of waiting for the limit, ${seconds(run.realMs)} real on loopback; leads missing or stale ${run.missing}`
	);
}

export default async function brazeBench(): Promise<BenchSection> {
	const standard = await sync({});
	const lowLimit = await sync({ rateLimit: { requests: 20, windowMs: 3000 } });
	const busy = await sync({}, 10);
	return {
		title: `Braze update of ${LEADS.toLocaleString('en-US')} scored leads (POST /users/track, 75 per request, simulated clock)`,
		lines: [
			describe('Braze limit (3,000 requests / 3 s)', standard),
			describe('workspace limited to 20 requests / 3 s (client assumes 3,000)', lowLimit),
			describe('another app uses up the window before every 10th request', busy),
			'429s are waited out until X-RateLimit-Reset and the same batch is sent again; X-RateLimit-Remaining 0 pauses before Braze has to refuse.',
		],
	};
}
