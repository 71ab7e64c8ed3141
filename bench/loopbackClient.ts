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
