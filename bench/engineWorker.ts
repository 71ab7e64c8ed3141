/**
 * One measurement in its own process, so peak memory belongs to it alone.
 * argv: store ('memory' | 'sqlite' | 'node-sqlite'), leads, events. Prints one JSON line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';

import { scoreEvents } from '../lib/service/scoreBatch';
import type { EventInput } from '../lib/scoring/leadScore';
import { parseModel } from '../lib/scoring/model';
import { MemoryStore } from '../lib/store/memoryStore';
import { SqliteStore } from '../lib/store/sqliteStore';
import { EXAMPLE_MODEL } from '../nodes/ScoreEvent/exampleModel';
import { syntheticEvent } from './syntheticEvents';

const [kind, leadsText, eventsText] = process.argv.slice(2);
const leads = Number(leadsText);
const eventCount = Number(eventsText);
const eventAt = (i: number) => syntheticEvent(i, leads);

async function main(): Promise<void> {
	const folder = mkdtempSync(join(tmpdir(), 'lead-bench-'));
	// The longest time the event loop could not run anything else: other executions wait at least this long.
	const loopDelay = monitorEventLoopDelay({ resolution: 10 });
	let seconds: number;
	let cpuSeconds = 0;
	if (kind === 'node-sqlite') {
		process.env.N8N_USER_FOLDER = folder;
		const { runWorkflow, outputOf } = await import('../sandbox/n8nWorkflow');
		const workflow = {
			id: 'benchScoreEvent01',
			name: 'bench',
			nodes: [
				{
					id: '1',
					name: 'Trigger',
					type: 'n8n-nodes-base.manualTrigger',
					typeVersion: 1,
					position: [0, 0] as [number, number],
					parameters: {},
				},
				{
					id: '2',
					name: 'Score Event',
					type: 'n8n-nodes-lead-scoring.scoreEvent',
					typeVersion: 1,
					position: [200, 0] as [number, number],
					parameters: {
						leadId: '={{ $json.email }}',
						eventName: '={{ $json.event }}',
						eventId: '={{ $json.id }}',
						eventTime: '={{ $json.time }}',
						modelSource: 'json',
						model: JSON.stringify(EXAMPLE_MODEL),
						store: 'embedded',
					},
				},
			],
			connections: {
				Trigger: { main: [[{ node: 'Score Event', type: 'main' as const, index: 0 }]] },
			},
			settings: {},
		};
		const input = Array.from({ length: eventCount }, (_, i) => ({ json: eventAt(i) }));
		const began = performance.now();
		const cpuBefore = process.cpuUsage();
		const run = await runWorkflow(workflow as never, { input });
		seconds = (performance.now() - began) / 1000;
		const cpu = process.cpuUsage(cpuBefore);
		cpuSeconds = (cpu.user + cpu.system) / 1e6;
		if (outputOf(run, 'Score Event').length !== eventCount)
			throw new Error('not every event was scored');
	} else {
		const model = parseModel(EXAMPLE_MODEL);
		const store =
			kind === 'memory' ? new MemoryStore() : new SqliteStore(join(folder, 'scores.sqlite'));
		const inputs: EventInput[] = Array.from({ length: eventCount }, (_, i) => {
			const e = eventAt(i);
			return {
				leadId: e.email,
				name: e.event,
				eventId: e.id,
				time: Date.parse(e.time),
				data: e,
				hasProfile: false,
			};
		});
		const began = performance.now();
		const cpuBefore = process.cpuUsage();
		loopDelay.enable();
		const results = await scoreEvents(store, model, 'default', inputs);
		loopDelay.disable();
		// Closing checkpoints what is still in the write-ahead log into the database file: part of the cost.
		await store.close();
		seconds = (performance.now() - began) / 1000;
		const cpu = process.cpuUsage(cpuBefore);
		cpuSeconds = (cpu.user + cpu.system) / 1e6;
		if (results.some((result) => !result.ok)) throw new Error('an event failed');
	}
	rmSync(folder, { recursive: true, force: true });
	process.stdout.write(
		`${JSON.stringify({ eventsPerSecond: eventCount / seconds, eventsPerCpuSecond: eventCount / cpuSeconds, seconds, longestPauseMs: loopDelay.max / 1e6, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`,
	);
}

main().catch((error) => {
	process.stderr.write(`${(error as Error).stack}\n`);
	process.exit(1);
});
