import type { Clock } from '../lib/http/clock';
import type { HttpTransport } from '../lib/http/transport';

export interface VirtualClock extends Clock {
	/** Every wait asked for, in order. */
	sleeps: number[];
	advance(ms: number): void;
	/** Wraps a transport so that time stands still while a request is on the wire. */
	track(transport: HttpTransport): HttpTransport;
}

/**
 * Simulated time for the client and the mock together: sleepers wake in order of their wake-up
 * time, and the clock jumps to the next one only when no request is in flight, so requests
 * take no simulated time and retries, rate-limit waits and job polling take no real time.
 * A sync that stays within the limits here stays within them at real speed too, give or
 * take network latency (which the limiter's margins cover).
 */
export function virtualClock(start = Date.UTC(2026, 10, 23, 6, 0, 0)): VirtualClock {
	let now = start;
	let inFlight = 0;
	let order = 0;
	let pumping = false;
	const sleeps: number[] = [];
	const timers: Array<{ at: number; order: number; wake: () => void }> = [];

	const pump = () => {
		pumping = false;
		if (inFlight > 0 || timers.length === 0) return;
		timers.sort((a, b) => a.at - b.at || a.order - b.order);
		const next = timers.shift()!;
		now = Math.max(now, next.at);
		next.wake();
		schedule();
	};
	// setImmediate runs after the woken code's promise chain, which may send a request first.
	const schedule = () => {
		if (pumping) return;
		pumping = true;
		setImmediate(pump);
	};

	return {
		sleeps,
		now: () => now,
		advance(ms) {
			now += ms;
		},
		async sleep(ms) {
			sleeps.push(ms);
			await new Promise<void>((wake) => {
				timers.push({ at: now + Math.max(0, ms), order: order++, wake });
				schedule();
			});
		},
		track(transport) {
			return async (request) => {
				inFlight += 1;
				try {
					return await transport(request);
				} finally {
					inFlight -= 1;
					if (inFlight === 0) schedule();
				}
			};
		},
	};
}
