import { Worker } from 'node:worker_threads';

/** What SQLite's wal_checkpoint pragma reports: frames in the WAL, and how many are copied back into the file. */
interface CheckpointResult {
	log: number;
	checkpointed: number;
}

// Its own thread and connection: a checkpoint writes thousands of pages and syncs the file, which on
// the main thread would hold up every webhook for as long. PASSIVE never waits for a lock, so the
// sweep's writes go on meanwhile. TRUNCATE, at the end, gives the grown WAL's disk space back; this
// connection waits for no lock, so a write under way then leaves that to the next checkpoint.
// Plain JavaScript, so it runs the same from the sources (tests) and from dist (n8n).
const CHECKPOINTER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const db = new DatabaseSync(workerData.path);
const checkpoints = {
	passive: db.prepare('PRAGMA wal_checkpoint(PASSIVE)'),
	truncate: db.prepare('PRAGMA wal_checkpoint(TRUNCATE)'),
};
parentPort.on('message', (mode) => {
	try {
		const { log, checkpointed } = checkpoints[mode].get();
		parentPort.postMessage({ log, checkpointed });
	} catch (error) {
		parentPort.postMessage({ error: String((error && error.message) || error) });
	}
});
`;

/**
 * Copies the WAL back into the database file from a worker thread while a long run of writes goes
 * on, and holds that run back (`pace`) whenever the WAL has grown past `maxFrames`, until every frame
 * is copied: SQLite starts a WAL over only when its writer finds it fully copied, so without those
 * pauses a busy writer would grow the WAL without end.
 */
export class Checkpointer {
	private readonly worker: Worker;
	private readonly waiting: Array<{
		resolve: (result: CheckpointResult) => void;
		reject: (error: Error) => void;
	}> = [];
	private running: Promise<CheckpointResult> | null = null;
	private walFrames = 0;
	private failure: Error | null = null;

	constructor(
		path: string,
		private readonly maxFrames: number,
	) {
		this.worker = new Worker(CHECKPOINTER_SOURCE, { eval: true, workerData: { path } });
		this.worker.on('message', (message: CheckpointResult & { error?: string }) => {
			const next = this.waiting.shift();
			if (message.error === undefined) next?.resolve(message);
			else next?.reject(new Error(message.error));
		});
		this.worker.on('error', (error) => this.fail(error));
		this.worker.on('exit', () => this.fail(new Error('The checkpoint thread stopped.')));
	}

	/** Whether the thread failed: the writer checkpoints itself again. */
	get failed(): boolean {
		return this.failure !== null;
	}

	private fail(error: Error): void {
		this.failure ??= error;
		for (const pending of this.waiting.splice(0)) pending.reject(error);
	}

	private checkpoint(mode: 'passive' | 'truncate' = 'passive'): Promise<CheckpointResult> {
		if (this.failure) return Promise.reject(this.failure);
		return new Promise((resolve, reject) => {
			this.waiting.push({ resolve, reject });
			this.worker.postMessage(mode);
		});
	}

	/** Starts a checkpoint in the background; its result updates the WAL's size when it comes. */
	private start(): void {
		const run = this.checkpoint();
		this.running = run;
		const done = () => {
			if (this.running === run) this.running = null;
		};
		run.then((result) => {
			this.walFrames = result.log;
			done();
		}, done);
	}

	/**
	 * Called between the writer's transactions. Keeps one checkpoint running; when the WAL is past
	 * its size, waits for the running one and for one more that no write of the caller's overlaps.
	 * Rejects when the thread failed, so the caller can go back to checkpointing itself.
	 */
	async pace(): Promise<void> {
		if (this.failure) throw this.failure;
		if (this.walFrames > this.maxFrames) {
			if (this.running) await this.running;
			const result = await this.checkpoint();
			// All copied: the caller's next transaction starts the WAL over from its first frame.
			this.walFrames = result.checkpointed === result.log ? 0 : result.log;
		}
		if (!this.running) this.start();
	}

	/** Copies what is left and empties the WAL file, then stops the thread. */
	async finish(): Promise<void> {
		try {
			if (this.running) await this.running;
			await this.checkpoint('truncate');
		} finally {
			this.worker.removeAllListeners('exit');
			await this.worker.terminate();
		}
	}
}
