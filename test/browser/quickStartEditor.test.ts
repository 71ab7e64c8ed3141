import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { selectors, type Locator, type Page } from 'playwright-core';

import { startSandbox, type Sandbox } from '../../scripts/n8n';
import { PACKAGE_TARBALL, REPO_ROOT, START_TIMEOUT } from '../e2e/harness';
import { launchChromium } from '../helpers/chromium';

// README's Quick start, done as an operator does it: in the editor of a real n8n 2.41.1 (the
// package installed as a community package), in Debian's Chromium driven by Playwright.
/** Screenshots of every step, kept after the run to look at (and to see where a failure happened). */
export const SCREENSHOTS = join(REPO_ROOT, 'test-output', 'browser', 'quick-start');

const owner = {
	email: 'owner@example.com',
	firstName: 'Quick',
	lastName: 'Start',
	password: 'Quick-Start-1',
};

describe('Quick start in the n8n editor (Chromium)', () => {
	let sandbox: Sandbox;
	let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
	let page: Page;
	let step = 0;
	const screenshot = async (name: string) =>
		await page.screenshot({
			path: join(SCREENSHOTS, `${String(++step).padStart(2, '0')}-${name}.png`),
		});

	beforeAll(async () => {
		rmSync(SCREENSHOTS, { recursive: true, force: true });
		mkdirSync(SCREENSHOTS, { recursive: true });
		selectors.setTestIdAttribute('data-test-id');
		browser = await launchChromium({ width: 1440, height: 900 });
		sandbox = await startSandbox({
			repoRoot: REPO_ROOT,
			packageTarball: PACKAGE_TARBALL,
			workflows: [],
		});
		await sandbox.n8n.setupOwner(owner);
		page = browser.page;
		page.setDefaultTimeout(60_000);
	}, START_TIMEOUT);

	afterAll(async () => {
		await browser?.close();
		await sandbox?.dispose();
	}, 60_000);

	it('Webhook → Score Event in Rules Below, whose form starts with the pricing rule and its condition: a test event shows 10 points and the reason', async () => {
		const base = sandbox.n8n.baseUrl;
		await page.goto(`${base}/signin`);
		await page.locator('#emailOrLdapLoginId').fill(owner.email);
		await page.locator('#password').fill(owner.password);
		await page.getByRole('button', { name: 'Sign in' }).click();
		await page.waitForURL(/\/home|\/workflows/);

		// 1. A Webhook node: POST, path lead-events, respond when the last node finishes.
		await page.goto(`${base}/workflow/new`);
		await page.getByTestId('canvas-plus-button').click();
		await page.getByTestId('node-creator-search-bar').fill('Webhook');
		await page.keyboard.press('Enter');
		const ndv = page.getByTestId('ndv');
		await ndv.getByTestId('parameter-input-httpMethod').click();
		await page.getByRole('option', { name: 'POST' }).click();
		await ndv
			.getByTestId('parameter-input-path')
			.getByTestId('parameter-input-field')
			.fill('lead-events');
		await ndv.getByTestId('parameter-input-responseMode').click();
		await page.getByRole('option', { name: /When Last Node Finishes/ }).click();
		await screenshot('webhook');
		await page.getByTestId('ndv-close-button').click();

		// 2. Score Event, found by searching "lead scoring"; its fields left empty. Switched to Rules Below,
		// the form of a new (version 2) node holds the example model, whose first rule is the pricing rule.
		await page.getByTestId('canvas-handle-plus').click();
		await page.getByTestId('node-creator-search-bar').fill('lead scoring');
		await page
			.getByTestId('node-creator-item-name')
			.filter({ hasText: 'Score Event' })
			.first()
			.click();
		await page.getByTestId('node-creator-item-name').filter({ hasText: 'Score an event' }).click();
		await ndv.getByTestId('parameter-input-modelSource').click();
		await page.getByRole('option', { name: 'Rules Below' }).click();
		const rules = ndv.getByTestId('fixed-collection-rules');
		const firstRule = {
			event: await valueShown(rules.getByTestId('parameter-input-event').first()),
			field: await valueShown(rules.getByTestId('parameter-input-path').first()),
			operator: await valueShown(rules.getByTestId('parameter-input-op').first()),
			value: await valueShown(rules.getByTestId('parameter-input-value').first()),
			points: await valueShown(rules.getByTestId('parameter-input-points').first()),
			ruleId: await valueShown(rules.getByTestId('parameter-input-id').first()),
		};
		expect(firstRule).toEqual({
			event: 'Viewed Page',
			field: 'properties.url',
			operator: 'Contains',
			value: '/pricing',
			points: '10',
			ruleId: 'pricing-page',
		});
		await rules.getByTestId('parameter-input-id').first().scrollIntoViewIfNeeded();
		await screenshot('score-event-rule');
		await page.getByTestId('ndv-close-button').click();

		// 3. Run it with a test event, as the editor's "Execute workflow" does: n8n listens on the test URL.
		await page.getByTestId('execute-workflow-button').click();
		await screenshot('listening');
		const event = {
			email: 'ada@example.com',
			event: 'Viewed Page',
			eventId: 'evt-1',
			properties: { url: '/pricing' },
		};
		const answer = await postWhenListening(`${base}/webhook-test/lead-events`, event);
		expect(answer.status).toBe(200);
		expect(answer.body).toMatchObject({
			leadScore: { score: 10, delta: 10, reasons: [{ rule: 'pricing-page', points: 10 }] },
		});

		// 4. What the operator sees: Score Event's output, in JSON (a tall window: the JSON view renders only what fits).
		await page.setViewportSize({ width: 1440, height: 2400 });
		await page.getByTestId('canvas-node').filter({ hasText: 'Score Event' }).dblclick();
		const output = page.getByTestId('output-panel');
		await output.getByText('JSON', { exact: true }).click();
		await output
			.getByText(/pricing-page/)
			.first()
			.waitFor();
		await screenshot('output');
		const shown = (await output.innerText()).replace(/\s+/g, ' ');
		expect(shown).toContain('"score": 10');
		expect(shown).toContain('"delta": 10');
		expect(shown).toMatch(/"rule": "pricing-page", "points": 10/);
		// A test run from the editor worked on the test score and says so, beside the output.
		expect(shown).toContain('Test run: this node worked on the test score "default~test"');
	}, 300_000);
});

/** What a parameter input shows: the text of a text or number box, the chosen option of a list. */
async function valueShown(input: Locator): Promise<string> {
	await input.waitFor();
	const box = input.locator('input, textarea').first();
	const text = (await box.count()) > 0 ? await box.inputValue() : '';
	return text !== '' ? text : (await input.innerText()).trim();
}

/** POSTs the event once n8n is listening on the test webhook (it answers 404 until then). */
async function postWhenListening(
	url: string,
	body: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
	for (let attempt = 0; ; attempt++) {
		const response = await fetch(url, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify(body),
		});
		const text = await response.text();
		if (response.status !== 404 || attempt >= 120) {
			let parsed: Record<string, unknown> = {};
			try {
				parsed = JSON.parse(text) as Record<string, unknown>;
			} catch {
				parsed = { text };
			}
			return { status: response.status, body: parsed };
		}
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
}
