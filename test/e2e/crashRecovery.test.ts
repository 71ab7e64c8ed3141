import type { Sandbox } from '../../scripts/n8n';
import { post, START_TIMEOUT, startScoringSandbox, storedLead } from './harness';

// A webhook that answered 200 means the score is committed: killing n8n (SIGKILL, no shutdown)
// in the middle of a stream of events must lose none of the acknowledged ones, and re-sending the
// unacknowledged ones with their event ids after the restart must not count any event twice.
describe('n8n killed with SIGKILL in the middle of a stream of events', () => {
	let sandbox: Sandbox;

	beforeAll(async () => {
		sandbox = await startScoringSandbox();
	}, START_TIMEOUT);

	afterAll(async () => {
		await sandbox?.dispose();
	}, 60_000);

	it('keeps every acknowledged event and counts each event once after a restart', async () => {
		const leadId = 'crash@example.com';
		const url = sandbox.webhooks[0].url;
		const total = 120;
		const killAfterAcks = 40;
		/** Acknowledged event ids with the score n8n answered. */
		const acknowledged = new Map<string, number>();
		const unacknowledged = new Set<string>();
		let next = 0;
		let killed: Promise<void> | undefined;

		// Four senders keep requests in flight, so the kill lands while events are being scored.
		const sender = async () => {
			while (next < total) {
				const eventId = `stream-${next++}`;
				try {
					const reply = await post(url, { email: leadId, event: 'Ping', eventId });
					if (reply.status === 200 && reply.body.eventId === eventId)
						acknowledged.set(eventId, Number(reply.body.score));
					else unacknowledged.add(eventId);
				} catch {
					unacknowledged.add(eventId);
				}
				if (acknowledged.size >= killAfterAcks && !killed) killed = sandbox.n8n.stop('SIGKILL');
			}
		};
		await Promise.all([sender(), sender(), sender(), sender()]);
		await killed;
		expect(sandbox.n8n.running).toBe(false);
		expect(acknowledged.size).toBeGreaterThanOrEqual(killAfterAcks);
		expect(unacknowledged.size).toBeGreaterThan(0);
		expect(acknowledged.size + unacknowledged.size).toBe(total);

		// Nothing acknowledged was lost: at most the requests in flight at the kill were committed unanswered.
		const afterCrash = storedLead(sandbox.n8n.userFolder, leadId)?.score ?? 0;
		expect(afterCrash).toBeGreaterThanOrEqual(acknowledged.size);
		expect(afterCrash).toBeLessThanOrEqual(acknowledged.size + 4);

		await sandbox.start();
		for (const eventId of unacknowledged) {
			const reply = await post(url, { email: leadId, event: 'Ping', eventId });
			expect(reply.status).toBe(200);
		}
		expect(storedLead(sandbox.n8n.userFolder, leadId)?.score).toBe(total);

		// Acknowledged events sent again are recognised as duplicates, answer as the first time and change nothing.
		const again = [...acknowledged].slice(0, 10);
		const repeats = await Promise.all(
			again.map(async ([eventId]) => await post(url, { email: leadId, event: 'Ping', eventId })),
		);
		expect(repeats.map((reply) => [reply.status, reply.body.duplicate, reply.body.score])).toEqual(
			again.map(([, score]) => [200, true, score]),
		);
		expect(storedLead(sandbox.n8n.userFolder, leadId)?.score).toBe(total);
	}, 240_000);
});
