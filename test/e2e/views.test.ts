import { join } from 'node:path';

import { startSandbox, type Sandbox } from '../../scripts/n8n';
import { outputFolder, readDashboard, withChromiumPage } from '../helpers/chromium';
import { PACKAGE_TARBALL, post, REPO_ROOT, SCORE_WORKFLOW_FILE, START_TIMEOUT } from './harness';

const EXAMPLES = join(REPO_ROOT, 'examples', 'workflows');
const HISTORY_WORKFLOW = join(__dirname, 'workflows', 'lead-history.json');
/** The lead id an attacker could send in a webhook body: it must reach the page as text. */
const MARKUP_LEAD = '<b>bold</b><script>document.title="owned"</script>@example.com';

// The views in a real n8n: events scored through the score webhook, then the hot-lead CSV export,
// the dashboard page (opened in headless Chromium) and Get Score's As Of and Timeline.
describe('List Leads, Get Score history and Score Dashboard in a real n8n', () => {
	let sandbox: Sandbox;
	const url = (path: string) => sandbox.webhooks.find((webhook) => webhook.path === path)!.url;
	const score = async (email: string, event: string, eventId: string) => {
		const reply = await post(url('score'), { email, event, eventId });
		expect(reply.status).toBe(200);
		return reply.body as { score: number; tier: string };
	};

	beforeAll(async () => {
		sandbox = await startSandbox({
			repoRoot: REPO_ROOT,
			packageTarball: PACKAGE_TARBALL,
			workflows: [
				SCORE_WORKFLOW_FILE,
				join(EXAMPLES, 'hot-leads-csv.json'),
				join(EXAMPLES, 'lead-dashboard.json'),
				HISTORY_WORKFLOW,
			],
		});
		// Started Checkout is +20 in the score webhook's model, Ping +1: four checkouts make a hot lead (80).
		const plan: Array<[string, number]> = [
			['ada@example.com', 5],
			['bob@example.com', 4],
			[MARKUP_LEAD, 4],
			['carol@example.com', 3],
			['dan@example.com', 2],
			['erin@example.com', 0],
		];
		for (const [email, checkouts] of plan) {
			for (let i = 0; i < checkouts; i++) await score(email, 'Started Checkout', `${email}-${i}`);
		}
		await score('erin@example.com', 'Ping', 'erin-ping');
	}, START_TIMEOUT);

	afterAll(async () => await sandbox?.dispose(), 60_000);

	it('exports the hot tier as a CSV file, highest score first (hot-leads-csv.json)', async () => {
		const response = await fetch(url('hot-leads-csv'));
		expect(response.status).toBe(200);
		const csv = (await response.text()).trim().split('\n');
		expect(csv[0].split(',')).toEqual([
			'leadId',
			'score',
			'engagement',
			'fit',
			'tier',
			'lastActivityAt',
			'lastChangeAt',
			'eventCount',
			'modelVersion',
		]);
		const rows = csv.slice(1).map((line) => line.split(','));
		// Ties go by lead id, descending.
		expect(rows.map((row) => [row[0], row[1], row[4], row[7]])).toEqual([
			['ada@example.com', '100', 'hot', '5'],
			['bob@example.com', '80', 'hot', '4'],
			[`"${MARKUP_LEAD.replace(/"/g, '""')}"`, '80', 'hot', '4'],
		]);
	}, 120_000);

	it('serves the dashboard page: no script, the tier counts, the markup lead id as text (lead-dashboard.json)', async () => {
		const response = await fetch(url('lead-scores'));
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toMatch(/^text\/html/);
		const html = await response.text();
		expect(html).not.toMatch(/<script/i);
		const screenshot = join(outputFolder('dashboard'), 'e2e-lead-scores.png');
		const seen = await withChromiumPage(async (page) => {
			const requests: string[] = [];
			page.on('request', (request) => requests.push(request.url()));
			await page.goto(url('lead-scores'), { waitUntil: 'load' });
			await page.screenshot({ path: screenshot, fullPage: true });
			return { ...(await readDashboard(page)), title: await page.title(), requests };
		});
		expect(seen.scripts).toBe(0);
		expect(seen.title).toBe('Lead scores');
		expect(seen.requests).toEqual([url('lead-scores')]);
		expect(seen.tiers).toEqual({ nurture: 1, warming: 1, engaged: 1, hot: 3 });
		expect(seen.topLeadIds.slice(0, 3)).toEqual([
			'ada@example.com',
			'bob@example.com',
			MARKUP_LEAD,
		]);
		expect(seen.foreignElements).toBe(0);
	}, 120_000);

	it("answers a lead's score as it stood at a past time, and its timeline", async () => {
		const before = new Date().toISOString();
		await new Promise((resolve) => setTimeout(resolve, 20));
		await score('erin@example.com', 'Started Checkout', 'erin-late');
		const asOf = await post(url('lead-as-of'), { email: 'Erin@Example.com', asOf: before });
		expect(asOf.status).toBe(200);
		expect(asOf.body).toMatchObject({
			leadId: 'erin@example.com',
			found: true,
			score: 1,
			tier: 'nurture',
			event: 'Ping',
			reasons: [{ rule: 'ping', points: 1 }],
		});
		const timeline = await post(url('lead-timeline'), { email: 'erin@example.com' });
		expect(timeline.status).toBe(200);
		const entries = JSON.parse(timeline.text) as Array<{
			event: string;
			previousScore: number;
			score: number;
		}>;
		expect(entries.map((entry) => [entry.event, entry.previousScore, entry.score])).toEqual([
			['Ping', 0, 1],
			['Started Checkout', 1, 21],
		]);
		const limited = JSON.parse(
			(await post(url('lead-timeline'), { email: 'erin@example.com', limit: 1 })).text,
		) as unknown[];
		expect(limited).toHaveLength(1);
		const bad = await post(url('lead-as-of'), {
			email: 'erin@example.com',
			asOf: 'the day sales called',
		});
		expect(bad.status).toBe(400);
		expect(bad.body.error).toMatch(/"the day sales called" is not a time.*historyAsOf/);
	}, 120_000);
});
