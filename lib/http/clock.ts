/** Time, injectable so tests and benchmarks need not wait in real time. */
export interface Clock {
	now(): number;
	sleep(ms: number): Promise<void>;
}

// setTimeout fires at once for a delay past 2^31 - 1 ms; the clients cap their waits far below that anyway.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The real clock. */
export const systemClock: Clock = {
	now: () => Date.now(),
	sleep: async (ms) =>
		await new Promise<void>((resolve) => setTimeout(resolve, Math.min(ms, MAX_TIMER_MS))),
};
