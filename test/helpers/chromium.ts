import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium, type Page } from 'playwright-core';

/** Debian's Chromium; the test set-up installs it (no browser download through Playwright). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where tests leave what a person may want to look at (screenshots); not committed. */
export const TEST_OUTPUT = join(__dirname, '..', '..', 'test-output');

export function outputFolder(name: string): string {
	const folder = join(TEST_OUTPUT, name);
	mkdirSync(folder, { recursive: true });
	return folder;
}

/**
 * Runs `work` on a page of a fresh headless Chromium (its own profile folder, no network
 * services of its own), and closes the browser and removes the profile afterwards.
 */
export async function withChromiumPage<T>(work: (page: Page) => Promise<T>): Promise<T> {
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
		viewport: { width: 1280, height: 900 },
	});
	try {
		const page = context.pages()[0] ?? (await context.newPage());
		return await work(page);
	} finally {
		await context.close();
		rmSync(profile, { recursive: true, force: true });
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
