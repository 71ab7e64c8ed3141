import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium; the test set-up installs it (no browser download through Playwright). */
export const CHROMIUM = process.env.LEAD_SCORING_CHROMIUM ?? '/usr/bin/chromium';

/** Where tests leave what a person may want to look at (screenshots); not committed. */
export const TEST_OUTPUT = join(__dirname, '..', '..', 'test-output');

export function outputFolder(name: string): string {
	const folder = join(TEST_OUTPUT, name);
	mkdirSync(folder, { recursive: true });
	return folder;
}

/**
 * A fresh headless Chromium with its own profile folder and no network services of its own
 * (they would be refused on this closed network); `close` also removes the profile.
 */
export async function launchChromium(
	viewport = { width: 1280, height: 900 },
): Promise<{ context: BrowserContext; page: Page; close: () => Promise<void> }> {
	if (!existsSync(CHROMIUM))
		throw new Error(
			`Chromium is not installed at ${CHROMIUM}: npm test installs it (apt-get install chromium), or set LEAD_SCORING_CHROMIUM.`,
		);
	const profile = mkdtempSync(join(tmpdir(), 'lead-scoring-chromium-'));
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM,
		headless: true,
		args: [
			'--headless',
			'--no-sandbox',
			'--disable-gpu',
			'--disable-quic',
			'--no-first-run',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
		],
		viewport,
	});
	const page = context.pages()[0] ?? (await context.newPage());
	const close = async () => {
		await context.close();
		rmSync(profile, { recursive: true, force: true });
	};
	return { context, page, close };
}

/** Runs `work` on a page of a fresh headless Chromium, and closes it afterwards. */
export async function withChromiumPage<T>(work: (page: Page) => Promise<T>): Promise<T> {
	const browser = await launchChromium();
	try {
		return await work(browser.page);
	} finally {
		await browser.close();
	}
}

/** What a dashboard page shows, read from the rendered page the way a person reads it. */
export async function readDashboard(page: Page) {
	const tierRows = page.locator('#tiers tbody tr');
	const tiers: Record<string, number> = {};
	for (let row = 0; row < (await tierRows.count()); row++) {
		const cells = await tierRows.nth(row).locator('td').allTextContents();
		tiers[cells[0]] = Number(cells[2].replace(/,/g, ''));
	}
	return {
		scripts: await page.locator('script').count(),
		tiers,
		topLeadIds: await page.locator('#top tbody td.lead').allTextContents(),
		/** Elements inside the top-leads cells other than the tier swatches: markup from a lead id would show here. */
		foreignElements: await page.locator('#top tbody td *:not(.swatch)').count(),
		svgCharts: await page.locator('svg').count(),
	};
}
