import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { startSandbox, type Sandbox } from '../scripts/n8n';
import { loopbackClient } from './loopbackClient';
import type { BenchSection } from './section';
import { EVENT_NAMES } from './syntheticEvents';

const REPO_ROOT = resolve(__dirname, '..', '..');
const WORKFLOW_FOLDER = join(REPO_ROOT, 'bench', 'workflows');
const BULK_EVENTS = 75_000;
const ROUNDS = 3;
/** The first five of the benchmarks' events, in turn. */
const BULK_EVENT_NAMES = EVENT_NAMES.slice(0, 5);

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)];
}

/**
 * What a webhook waits while a big import is scored in the same n8n: one execution posts
 * 75,000 events (Webhook → Split Out → Score Event) while single events keep arriving at
 * Webhook → Score Event → Respond, one every 50 ms. Score Event pauses between its chunks so
 * such executions can go on; n8n's own handling of the big execution's items blocks them too.
 */
export default async function bulkBench(): Promise<BenchSection> {
	mkdirSync(join(REPO_ROOT, '.bench-tmp'), { recursive: true });
	const userFolder = mkdtempSync(join(REPO_ROOT, '.bench-tmp', 'n8n-bulk-'));
	let sandbox: Sandbox | undefined;
	const removeFolder = () => rmSync(userFolder, { recursive: true, force: true });
	process.once('exit', removeFolder);
	try {
		sandbox = await startSandbox({
			repoRoot: REPO_ROOT,
			userFolder,
			workflows: ['score-only.json', 'bulk.json'].map((file) => join(WORKFLOW_FOLDER, file)),
		});
		const single = loopbackClient(sandbox.n8n.webhookUrl('bench-score-only'), 1, 120_000);
		const bulk = loopbackClient(sandbox.n8n.webhookUrl('bench-bulk'), 1, 600_000);
		let sequence = 0;
		const sendSingle = async (): Promise<number> => {
			const sent = performance.now();
			const body = {
				email: `single-${sequence % 50}@example.com`,
				event: 'Viewed Product',
				eventId: `single-${sequence++}`,
			};
			const reply = await single.post(JSON.stringify(body));
			if (reply.status !== 200) throw new Error(`single event: ${reply.status} ${reply.text}`);
			return performance.now() - sent;
		};
		const idle: number[] = [];
		for (let i = 0; i < 20; i++) idle.push(await sendSingle());
		const lines: string[] = [];
		for (let round = 0; round < ROUNDS; round++) {
			const events = Array.from({ length: BULK_EVENTS }, (_, i) => ({
				email: `lead-${i % 10_000}@example.com`,
				event: BULK_EVENT_NAMES[i % BULK_EVENT_NAMES.length],
				eventId: `bulk-${round}-${i}`,
				time: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
			}));
			const began = performance.now();
			let bulkDone = false;
			const bulkReply = bulk.post(JSON.stringify({ events })).finally(() => (bulkDone = true));
			const waits: number[] = [];
			while (!bulkDone) {
				waits.push(await sendSingle());
				await new Promise((resolve) => setTimeout(resolve, 50));
			}
			const reply = await bulkReply;
			if (reply.status !== 200)
				throw new Error(`bulk import: ${reply.status} ${reply.text.slice(0, 500)}`);
			const bulkSeconds = (performance.now() - began) / 1000;
			lines.push(
				`round ${round + 1}: import of ${BULK_EVENTS.toLocaleString('en-US')} events took ${bulkSeconds.toFixed(1)} s; ${waits.length} single-event webhooks meanwhile: longest ${Math.round(Math.max(...waits))} ms, median ${Math.round(median(waits))} ms`,
			);
		}
		single.close();
		bulk.close();
		return {
			title: 'A webhook during a big import in the same n8n (embedded store)',
			lines: [
				`single-event webhook with n8n otherwise idle: median ${Math.round(median(idle))} ms`,
				...lines,
			],
		};
	} finally {
		await sandbox?.dispose();
		removeFolder();
	}
}
