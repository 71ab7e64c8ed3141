import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { IDataObject, INodeExecutionData, IWorkflowBase } from 'n8n-workflow';

import { outputOf, runWorkflow } from '../../sandbox/n8nWorkflow';
import { outputFolder, readDashboard, withChromiumPage } from '../helpers/chromium';

/** Ping +1, Jump +30, Leap +80; default tiers nurture 0, warming 26, engaged 51, hot 76; bounds 0..100. */
const MODEL = JSON.stringify({
	version: 1,
	label: 'views',
	rules: [
		{ id: 'ping', event: 'Ping', points: 1 },
		{ id: 'jump', event: 'Jump', points: 30 },
		{ id: 'leap', event: 'Leap', points: 80 },
	],
	decay: { type: 'none' },
	bounds: { min: 0, max: 100 },
});

/** Manual trigger → one Score Event node with these parameters, on the embedded store. */
function workflowWith(parameters: IDataObject, onError?: 'continueRegularOutput'): IWorkflowBase {
	return {
		id: 'viewsTest',
		name: 'views',
		active: false,
		nodes: [
			{
				id: 't',
				name: 'Start',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			{
				id: 's',
				name: 'Score Event',
				type: 'n8n-nodes-lead-scoring.scoreEvent',
				typeVersion: 1,
				position: [200, 0],
				parameters: {
					modelSource: 'json',
					model: MODEL,
					store: 'embedded',
					options: {},
					...parameters,
				},
				...(onError ? { onError } : {}),
			},
		],
		connections: { Start: { main: [[{ node: 'Score Event', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	} as unknown as IWorkflowBase;
}

async function run(
	parameters: IDataObject,
	input: IDataObject[] = [{}],
	onError?: 'continueRegularOutput',
) {
	const result = await runWorkflow(workflowWith(parameters, onError), {
		input: input.map((json) => ({ json })),
	});
	const error = result.data.resultData.error;
	if (error) throw new Error(error.message);
	return outputOf(result, 'Score Event');
}

let scoreNames = 0;
const uniqueScoreName = () => `views-${process.pid}-${++scoreNames}`;
const pause = async () => await new Promise((resolve) => setTimeout(resolve, 15));

/** Scores events through the Score operation, as a webhook workflow would. */
async function score(
	scoreName: string,
	events: Array<[string, string]>,
): Promise<INodeExecutionData[]> {
	return await run(
		{
			operation: 'score',
			scoreName,
			leadId: '={{ $json.email }}',
			eventName: '={{ $json.event }}',
			eventId: '={{ $json.id }}',
		},
		events.map(([email, event], index) => ({
			email,
			event,
			id: `${scoreName}-${Date.now()}-${index}`,
		})),
	);
}

/** A new score whose only rule gives 12.5 points, and ada@example.com scored once with it. */
async function scoreFractional() {
	const scoreName = uniqueScoreName();
	const fractional = JSON.stringify({
		...JSON.parse(MODEL),
		rules: [{ id: 'nudge', event: 'Nudge', points: 12.5 }],
	});
	const [scored] = await run(
		{
			operation: 'score',
			scoreName,
			model: fractional,
			leadId: '={{ $json.email }}',
			eventName: '={{ $json.event }}',
			eventId: '={{ $json.id }}',
		},
		[{ email: 'ada@example.com', event: 'Nudge', id: `${scoreName}-nudge` }],
	);
	return { scoreName, fractional, scored };
}

/** ada 100 hot, bob 80 hot, carol 60 engaged, dan 30 warming, erin 1 nurture. */
async function seed(scoreName: string): Promise<void> {
	await score(scoreName, [
		['erin@example.com', 'Ping'],
		['dan@example.com', 'Jump'],
		['carol@example.com', 'Jump'],
		['carol@example.com', 'Jump'],
		['bob@example.com', 'Leap'],
		['ada@example.com', 'Leap'],
		['ada@example.com', 'Jump'],
	]);
}

describe('List Leads (in-process n8n)', () => {
	it('outputs one flat item per lead, filtered and sorted, up to the limit', async () => {
		const scoreName = uniqueScoreName();
		await seed(scoreName);
		const hot = await run({
			operation: 'listLeads',
			scoreName,
			leadFilters: { tiers: 'hot, engaged' },
			leadSort: 'scoreDesc',
			limit: 2,
		});
		expect(hot.map((item) => [item.json.leadId, item.json.score, item.json.tier])).toEqual([
			['ada@example.com', 100, 'hot'],
			['bob@example.com', 80, 'hot'],
		]);
		expect(hot[0].json).toEqual({
			leadId: 'ada@example.com',
			score: 100,
			engagement: 100,
			fit: 0,
			tier: 'hot',
			lastActivityAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
			lastChangeAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
			eventCount: 2,
			modelVersion: expect.stringMatching(/^views@/),
		});
		expect(hot.every((item) => (item.pairedItem as { item: number }).item === 0)).toBe(true);
		const all = await run({
			operation: 'listLeads',
			scoreName,
			returnAll: true,
			leadSort: 'scoreAsc',
			leadFilters: { minScore: 2 },
		});
		expect(all.map((item) => item.json.leadId)).toEqual([
			'dan@example.com',
			'carol@example.com',
			'bob@example.com',
			'ada@example.com',
		]);
		const none = await run({
			operation: 'listLeads',
			scoreName: uniqueScoreName(),
			returnAll: true,
		});
		expect(none).toEqual([]);
	});

	it('lists and charts the whole score Score Event reported (Whole Points on by default), the exact one beside it', async () => {
		const { scoreName, fractional, scored } = await scoreFractional();
		expect((scored.json.leadScore as IDataObject).score).toBe(12);
		const [row] = await run({ operation: 'listLeads', scoreName, model: fractional });
		expect([row.json.score, row.json.exactScore]).toEqual([12, 12.5]);
		const [page] = await run({ operation: 'dashboard', scoreName, model: fractional });
		const { topLeads } = page.json.dashboard as {
			topLeads: Array<{ score: number; exactScore: number }>;
		};
		expect(topLeads.map((lead) => [lead.score, lead.exactScore])).toEqual([[12, 12.5]]);
		const [asOf] = await run({
			operation: 'get',
			getMode: 'asOf',
			scoreName,
			model: fractional,
			leadId: 'ada@example.com',
			historyAsOf: new Date(Date.now() + 60_000).toISOString(),
		});
		const reading = asOf.json.leadScore as IDataObject;
		expect([reading.score, reading.exactScore]).toEqual([12, 12.5]);
	});

	it('filters on the score as it is shown: with Whole Points a lead at 12.5, shown as 12, is within Max Score 12', async () => {
		const { scoreName, fractional } = await scoreFractional();
		const listed = async (leadFilters: IDataObject, options: IDataObject = {}) =>
			(
				await run({ operation: 'listLeads', scoreName, model: fractional, leadFilters, options })
			).map((item) => item.json.score);
		expect(await listed({ maxScore: 12 })).toEqual([12]);
		expect(await listed({ minScore: 12, maxScore: 12 })).toEqual([12]);
		expect(await listed({ minScore: 12.5 })).toEqual([]);
		expect(await listed({ maxScore: 11 })).toEqual([]);
		// With Whole Points off the exact score is shown, and filtered.
		expect(await listed({ maxScore: 12 }, { wholePoints: false })).toEqual([]);
		expect(await listed({ minScore: 12.5 }, { wholePoints: false })).toEqual([12.5]);
	});

	it('names the item and parameter of a bad filter, and honours Continue On Fail', async () => {
		const scoreName = uniqueScoreName();
		await expect(
			run({ operation: 'listLeads', scoreName, leadFilters: { minScore: 50, maxScore: 10 } }),
		).rejects.toThrow(
			'The maximum score (10) is below the minimum score (50). (item 0, parameter "maxScore")',
		);
		const [failed] = await run(
			{ operation: 'listLeads', scoreName, leadFilters: { changedSince: 'last tuesday' } },
			[{}],
			'continueRegularOutput',
		);
		expect(failed.json.error).toMatch(/"last tuesday" is not a time.*parameter "changedSince"/);
		await expect(run({ operation: 'listLeads', scoreName, store: 'none' })).rejects.toThrow(
			/choose the Embedded or PostgreSQL store/,
		);
	});
});

describe('Get Score As Of and Timeline (in-process n8n)', () => {
	it('answers the score, tier and reasons as they stood at a past time, and null before the first change', async () => {
		const scoreName = uniqueScoreName();
		const before = new Date().toISOString();
		await pause();
		await score(scoreName, [['ada@example.com', 'Jump']]);
		await pause();
		const between = new Date().toISOString();
		await pause();
		await score(scoreName, [['ada@example.com', 'Leap']]);
		const asOf = async (time: string) =>
			(
				await run(
					{
						operation: 'get',
						getMode: 'asOf',
						scoreName,
						leadId: '={{ $json.email }}',
						historyAsOf: '={{ $json.calledAt }}',
					},
					[{ email: 'Ada@Example.com', calledAt: time, crm: 'kept' }],
				)
			)[0].json;
		const then = await asOf(between);
		expect(then.crm).toBe('kept');
		expect(then.leadScore).toMatchObject({
			leadId: 'ada@example.com',
			asOf: between,
			found: true,
			score: 30,
			tier: 'warming',
			reasons: [{ rule: 'jump', points: 30 }],
			event: 'Jump',
		});
		expect((await asOf(new Date().toISOString())).leadScore).toMatchObject({
			score: 100,
			tier: 'hot',
		});
		expect((await asOf(before)).leadScore).toMatchObject({
			found: false,
			score: null,
			tier: null,
			historyStartsAt: expect.any(String),
		});
		await expect(asOf('')).rejects.toThrow(
			'As Of needs a time, e.g. 2026-11-03T15:00:00Z. (item 0, parameter "historyAsOf")',
		);
	});

	it('outputs every change of a lead in a time range, oldest first, up to the limit', async () => {
		const scoreName = uniqueScoreName();
		await score(scoreName, [
			['ada@example.com', 'Ping'],
			['ada@example.com', 'Jump'],
			['ada@example.com', 'Ping'],
			['bob@example.com', 'Ping'],
		]);
		const timeline = (extra: IDataObject) =>
			run({
				operation: 'get',
				getMode: 'timeline',
				scoreName,
				leadId: 'ada@example.com',
				historyFrom: '',
				historyTo: '',
				...extra,
			});
		const all = await timeline({ returnAll: true });
		expect(
			all.map((item) => [
				item.json.event,
				item.json.previousScore,
				item.json.score,
				item.json.delta,
			]),
		).toEqual([
			['Ping', 0, 1, 1],
			['Jump', 1, 31, 30],
			['Ping', 31, 32, 1],
		]);
		expect(all[1].json).toMatchObject({
			leadId: 'ada@example.com',
			tier: 'warming',
			reasons: [{ rule: 'jump', points: 30 }],
			modelVersion: expect.stringMatching(/^views@/),
		});
		expect(await timeline({ limit: 2 })).toHaveLength(2);
		expect(await timeline({ returnAll: true, historyTo: '2020-01-01T00:00:00Z' })).toEqual([]);
		await expect(
			timeline({ historyFrom: '2025-01-01T00:00:00Z', historyTo: '2020-01-01T00:00:00Z' }),
		).rejects.toThrow(/is after To.*parameter "historyFrom"/);
	});
});

describe('Score Dashboard (in-process n8n, page in headless Chromium)', () => {
	it('builds a self-contained page with the tier counts, top leads and daily changes, every value escaped', async () => {
		const scoreName = uniqueScoreName();
		await seed(scoreName);
		const markup = '<b>x</b><img src=x onerror=alert(1)>@example.com';
		await score(scoreName, [[markup, 'Leap']]);
		const [item] = await run({
			operation: 'dashboard',
			scoreName,
			crossingThreshold: 76,
			dashboardTitle: 'Leads & <scores>',
		});
		const dashboard = item.json.dashboard as {
			totalLeads: number;
			tiers: Array<{ tier: string; count: number; share: number }>;
			days: Array<{ crossings: number; tierChanges: number; events: number }>;
			topLeads: Array<{ leadId: string }>;
		};
		expect(dashboard.totalLeads).toBe(6);
		expect(dashboard.tiers.map((tier) => [tier.tier, tier.count, tier.share])).toEqual([
			['nurture', 1, 16.7],
			['warming', 1, 16.7],
			['engaged', 1, 16.7],
			['hot', 3, 50],
		]);
		const today = dashboard.days[dashboard.days.length - 1];
		// Crossings of 76: bob, ada (Leap), the markup lead; tier changes: every first change but erin's, carol twice.
		expect(today).toEqual({
			date: new Date().toISOString().slice(0, 10),
			changes: 8,
			crossings: 3,
			tierChanges: 6,
			events: 8,
		});
		// Ties go by lead id, descending: "bob" before "<b>x...".
		expect(dashboard.topLeads.map((lead) => lead.leadId).slice(0, 3)).toEqual([
			'ada@example.com',
			'bob@example.com',
			markup,
		]);

		const file = item.binary!.data;
		expect(file).toMatchObject({ mimeType: 'text/html', fileName: 'lead-scores.html' });
		const html = Buffer.from(file.data, 'base64').toString('utf8');
		expect(html).not.toMatch(/<script|<img|https?:\/\//i);
		expect(html).toContain('&lt;b&gt;x&lt;/b&gt;&lt;img src=x onerror=alert(1)&gt;@example.com');
		expect(html).toContain('<title>Leads &amp; &lt;scores&gt;</title>');

		const seen = await withChromiumPage(async (page) => {
			const requests: string[] = [];
			page.on('request', (request) => requests.push(request.url()));
			await page.setContent(html, { waitUntil: 'load' });
			await page.screenshot({
				path: join(outputFolder('dashboard'), 'in-process.png'),
				fullPage: true,
			});
			return { ...(await readDashboard(page)), requests };
		});
		expect(seen.scripts).toBe(0);
		expect(seen.requests).toEqual([]);
		expect(seen.tiers).toEqual({ nurture: 1, warming: 1, engaged: 1, hot: 3 });
		expect(seen.topLeadIds).toContain(markup);
		expect(seen.foreignElements).toBe(0);
		expect(seen.svgCharts).toBeGreaterThanOrEqual(3);
		writeFileSync(join(outputFolder('dashboard'), 'in-process.html'), html);
	}, 120_000);
});

describe('Score Event operation (in-process n8n)', () => {
	it('fails an operation it does not know instead of scoring the items', async () => {
		await expect(run({ operation: 'exportLeads', scoreName: uniqueScoreName() })).rejects.toThrow(
			'Score Event has no operation "exportLeads"; choose one of the listed operations.',
		);
	});
});
