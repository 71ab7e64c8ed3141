import type { BacktestEvent } from '../scoring/backtest';
import { isReplayPayload } from '../scoring/replay';
import type { ScoreStore } from '../store/scoreStore';

const PAGE_SIZE = 5000;

/**
 * The scored events a store kept for a score with an event time in [from, to], as a backtest
 * replays them: in commit order, adjustments and events kept without their data left out.
 */
export async function keptBacktestEvents(
	store: ScoreStore,
	scoreName: string,
	range: { from: number; to: number },
): Promise<BacktestEvent[]> {
	const events: BacktestEvent[] = [];
	let after: number | null = null;
	do {
		const page = await store.listEvents(scoreName, range, after, PAGE_SIZE);
		after = page.next;
		for (const event of page.events) {
			if (!isReplayPayload(event.payload) || event.payload.kind !== 'event') continue;
			events.push({
				leadId: event.leadId,
				name: event.name,
				time: event.time,
				data: event.payload.data,
				hasProfile: event.payload.hasProfile,
				order: event.seq,
			});
		}
	} while (after !== null);
	return events;
}
