import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';

import { scoreEvents } from '../lib/service/scoreBatch';
import type { EventInput } from '../lib/scoring/leadScore';
import { parseModel, type ScoringModel } from '../lib/scoring/model';
import { MemoryStore } from '../lib/store/memoryStore';
import type { BenchSection } from './section';

// Patterns that make a backtracking engine take seconds to years on a text that almost matches.
const CATASTROPHIC = [
	'^([a-z0-9]+-?)+$',
	'^(a+)+$',
	'(a|a)*b',
	'^(\\w+\\s?)*$',
	'(.*a){12}x',
	'^(([a-z])+.)+[A-Z]([a-z])+$',
	'^([a-zA-Z0-9])(([\\-.]|[_]+)?([a-zA-Z0-9]+))*(@){1}[a-z0-9]+[.]{1}(([a-z]{2,3})|([a-z]{2,3}[.]{1}[a-z]{2,3}))$',
	// Exponentially many sets of active steps on random text: the remembered transitions do not help.
	'[ab]*a[ab]{14}x',
	// Near the size caps: every step of the pattern active on every character.
	'(.*.*.*.*.*.*.*.*.*.*){20}x',
	`(${'a|'.repeat(30)}b){0,15}c`,
];

const LENGTHS = [30, 1_000, 10_000, 100_000, 1_000_000];
const START = Date.parse('2026-01-01T00:00:00Z');

function ruleModel(patterns: string[], extra: object = {}): ScoringModel {
	return parseModel({
		version: 1,
		rules: patterns.map((pattern, index) => ({
			id: `pattern-${index}`,
			event: 'Hostile',
			when: [{ path: 'properties.text', op: 'matches', value: pattern }],
			points: 1,
		})),
		...extra,
	});
}

interface Pauses {
	/** Longest single event, measured around its scoring (wall clock). */
	longestEventMs: number;
	/**
	 * Longest single event in CPU time of the event-loop thread: what the event itself holds the
	 * loop for, without the time a busy machine gives to other processes.
	 */
	longestEventCpuMs: number;
	/** Longest stretch the event loop was blocked while the events were scored one by one. */
	longestPauseMs: number;
	events: number;
}

/**
 * Scores each event in its own batch (as separate webhooks would), yielding in between. A first
 * unmeasured pass over other texts (`warmUp`) compiles the code, as a running n8n has long done,
 * without teaching the matchers the very texts that are measured.
 */
async function pausesOf(
	model: ScoringModel,
	events: EventInput[],
	warmUp: EventInput[],
): Promise<Pauses> {
	await scoreEvents(new MemoryStore(), model, 'warm-up', warmUp, { keepEventData: false });
	const store = new MemoryStore();
	const loopDelay = monitorEventLoopDelay({ resolution: 5 });
	let longestEventMs = 0;
	let longestEventCpuMs = 0;
	loopDelay.enable();
	for (const event of events) {
		await new Promise((resolve) => setImmediate(resolve));
		const began = performance.now();
		const cpuBefore = process.threadCpuUsage();
		const [result] = await scoreEvents(store, model, 'hostile', [event], { keepEventData: false });
		const cpu = process.threadCpuUsage(cpuBefore);
		longestEventCpuMs = Math.max(longestEventCpuMs, (cpu.user + cpu.system) / 1000);
		longestEventMs = Math.max(longestEventMs, performance.now() - began);
		if (!result.ok) throw result.error;
	}
	// Let the monitor's timer see the last event's pause before it stops.
	await new Promise((resolve) => setTimeout(resolve, 20));
	loopDelay.disable();
	return {
		longestEventMs,
		longestEventCpuMs,
		longestPauseMs: loopDelay.max / 1e6,
		events: events.length,
	};
}

const hostileEvent = (text: unknown, i: number, time = START + i * 1000): EventInput => ({
	leadId: `lead-${i % 7}@example.com`,
	name: 'Hostile',
	eventId: `h-${i}`,
	time,
	data: { properties: { text } },
	hasProfile: false,
});

function almostMatching(length: number): string[] {
	// Texts that nearly match the patterns above, which is where backtracking explodes.
	return [
		`${'a'.repeat(length)}!`,
		`${'ab-'.repeat(Math.ceil(length / 3)).slice(0, length)}!`,
		`${'word '.repeat(Math.ceil(length / 5)).slice(0, length)}!`,
		`${'a'.repeat(length)}@example.c`,
		Array.from({ length }, (_, i) => (((i * 2654435761) >>> 13) % 2 === 0 ? 'a' : 'b')).join(''),
	];
}

const format = (pauses: Pauses) =>
	`longest event ${pauses.longestEventCpuMs.toFixed(1)} ms CPU / ${pauses.longestEventMs.toFixed(1)} ms wall, longest event-loop pause ${pauses.longestPauseMs.toFixed(1)} ms (${pauses.events} events)`;

/** The longest pause hostile patterns and inputs cause (issue 13: at most 50 ms per event). */
export default async function hostileBench(): Promise<BenchSection> {
	const lines: string[] = [];
	let worstCpu = 0;
	let worstWall = 0;
	const record = (label: string, pauses: Pauses) => {
		worstCpu = Math.max(worstCpu, pauses.longestEventCpuMs);
		worstWall = Math.max(worstWall, pauses.longestEventMs, pauses.longestPauseMs);
		lines.push(`${label}: ${format(pauses)}`);
	};

	const texts = LENGTHS.flatMap(almostMatching);
	const events = texts.map((text, i) => hostileEvent(text, i));
	const warmUp = texts.map((text, i) => hostileEvent([...text].reverse().join(''), i));
	for (const pattern of CATASTROPHIC) {
		record(
			`matches ${pattern.length > 40 ? `${pattern.slice(0, 37)}...` : pattern}`,
			await pausesOf(ruleModel([pattern]), events, warmUp),
		);
	}
	record(
		`one model with all ${CATASTROPHIC.length} patterns, texts up to ${LENGTHS[LENGTHS.length - 1].toLocaleString('en-US')} characters`,
		await pausesOf(ruleModel(CATASTROPHIC), events, warmUp),
	);
	const list = almostMatching(1000).flatMap((text) => new Array<string>(200).fill(text));
	record(
		'all patterns on a list of 1,000 texts of 1,000 characters',
		await pausesOf(
			ruleModel(CATASTROPHIC),
			[hostileEvent(list, 0)],
			[
				hostileEvent(
					list.map((text) => `${text}.`),
					0,
				),
			],
		),
	);
	// The other operators on a list of a million values (about the most n8n's 16 MiB body limit lets in).
	const values = Array.from({ length: 1_000_000 }, (_, i) => (i % 3 === 0 ? i : `v-${i}`));
	const operators = parseModel({
		version: 1,
		rules: [
			['equals', 'nope'],
			['notEquals', 'v-1'],
			['contains', 'zzz'],
			['startsWith', 'zzz'],
			['in', Array.from({ length: 500 }, (_, i) => `x-${i}`)],
			['gt', 1e12],
			['exists', true],
		].map(([op, value], index) => ({
			id: `operator-${index}`,
			event: 'Hostile',
			when: [{ path: 'properties.text', op, value }],
			points: 1,
		})),
	});
	record(
		'equals, notEquals, contains, startsWith, in (500 values), gt and exists on a list of 1,000,000 values',
		await pausesOf(operators, [hostileEvent(values, 0)], [hostileEvent(values.slice(1), 0)]),
	);
	// A capped rule at its largest cap, with every hit in one window kept in the state.
	const capped = parseModel({
		version: 1,
		rules: [{ id: 'capped', event: 'Hostile', points: 1, limit: { max: 1000, perDays: 365 } }],
		decay: { type: 'expire', days: 365 },
	});
	const busy = Array.from({ length: 5000 }, (_, i) => ({
		...hostileEvent('x', i),
		leadId: 'busy@example.com',
	}));
	record(
		'5,000 events of one lead under a cap of 1,000 a year and expire decay',
		await pausesOf(capped, busy, busy.slice(0, 100)),
	);
	lines.push(
		`longest over all: ${worstCpu.toFixed(1)} ms CPU per event (target <= 50 ms; the thread CPU clock may tick in steps of a few ms); ${worstWall.toFixed(1)} ms wall, which includes garbage collection and, on a busy machine, time given to other processes (load average ${os.loadavg()[0].toFixed(1)} on ${os.availableParallelism()} cores)`,
	);
	return { title: 'Hostile models and events (issue 13): one event at a time', lines };
}
