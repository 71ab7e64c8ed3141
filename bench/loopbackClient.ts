import { Agent, request } from 'node:http';

export interface LoopbackClient {
	/** POSTs a JSON body and resolves with the answer's status and text. */
	post: (payload: string) => Promise<{ status: number; text: string }>;
	close: () => void;
}

/**
 * A keep-alive HTTP client for the benchmarks' load: loopback only, at most `connections`
 * sockets, each request failing after `timeoutMs`.
 */
export function loopbackClient(
	url: string,
	connections: number,
	timeoutMs: number,
): LoopbackClient {
	const target = new URL(url);
	if (target.hostname !== '127.0.0.1')
		throw new Error(`The load generator only sends to loopback, not ${target.hostname}`);
	const agent = new Agent({ keepAlive: true, maxSockets: connections });
	const post = async (payload: string) =>
		await new Promise<{ status: number; text: string }>((resolve, reject) => {
			const req = request(
				{
					agent,
					host: target.hostname,
					port: target.port,
					path: target.pathname,
					method: 'POST',
					headers: {
						'Content-Type': 'application/json',
						'Content-Length': Buffer.byteLength(payload),
					},
					timeout: timeoutMs,
				},
				(response) => {
					let text = '';
					response.setEncoding('utf8');
					response.on('data', (chunk: string) => (text += chunk));
					response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
					response.on('error', reject);
				},
			);
			req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
			req.on('error', reject);
			req.end(payload);
		});
	return { post, close: () => agent.destroy() };
}

export interface LoadBatch {
	requests: number;
	failures: number;
	seconds: number;
	latenciesMs: number[];
	firstFailure?: string;
}

/**
 * Sends `count` POSTs to `url` from `concurrency` keep-alive connections, each connection sending
 * its next request when the previous answer has arrived, and times every request.
 */
export async function sendLoad(
	url: string,
	count: number,
	concurrency: number,
	body: (index: number) => string,
	limits: { requestTimeoutMs: number; batchTimeoutMs: number },
): Promise<LoadBatch> {
	const client = loopbackClient(url, concurrency, limits.requestTimeoutMs);
	const latenciesMs: number[] = [];
	let failures = 0;
	let firstFailure: string | undefined;
	let next = 0;
	const deadline = performance.now() + limits.batchTimeoutMs;
	const connection = async () => {
		while (next < count && performance.now() < deadline) {
			const payload = body(next++);
			const began = performance.now();
			try {
				const { status, text } = await client.post(payload);
				if (status !== 200) {
					failures++;
					firstFailure ??= `HTTP ${status}: ${text.slice(0, 200)}`;
				}
			} catch (error) {
				failures++;
				firstFailure ??= (error as Error).message;
			}
			latenciesMs.push(performance.now() - began);
		}
	};
	const began = performance.now();
	await Promise.all(Array.from({ length: concurrency }, connection));
	const seconds = (performance.now() - began) / 1000;
	client.close();
	return { requests: latenciesMs.length, failures, seconds, latenciesMs, firstFailure };
}

/** The p-th percentile of ascending `sorted` values (nearest rank). */
export function percentile(sorted: number[], p: number): number {
	if (sorted.length === 0) return NaN;
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
