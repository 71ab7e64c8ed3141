import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/** The embedded store the Score Event node keeps under n8n's user folder, read-only; none before it scored. */
export function openEmbeddedStore(userFolder: string): DatabaseSync | undefined {
	const file = join(
		userFolder,
		'.n8n',
		'storage',
		'n8n-nodes-lead-scoring.scoreEvent',
		'lead-scores.sqlite',
	);
	return existsSync(file) ? new DatabaseSync(file, { readOnly: true }) : undefined;
}

/** How many events the embedded store holds: every scoring request with a new event id adds one. */
export function embeddedEventCount(userFolder: string): number {
	const db = openEmbeddedStore(userFolder);
	if (!db) return 0;
	try {
		return Number(db.prepare('SELECT count(*) AS n FROM events').get()?.n);
	} finally {
		db.close();
	}
}
