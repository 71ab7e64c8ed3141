import {
	createServer,
	type IncomingMessage,
	type RequestListener,
	type Server,
	type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP server on 127.0.0.1 at a port the OS picks. close() also ends kept-alive
 * connections, so a test's clients cannot hold it open.
 */
export class LoopbackServer {
	private readonly server: Server;

	constructor(listener: RequestListener) {
		this.server = createServer(listener);
	}

	/** Starts listening; returns the base URL. */
	async listen(): Promise<string> {
		await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
		return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
	}

	async close(): Promise<void> {
		this.server.closeAllConnections();
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}
}

/**
 * A mock API on a LoopbackServer: `listen()` before use, `close()` after. A request the mock
 * crashes on is answered 500 and noted in `problems`, which tests assert stays empty.
 */
export abstract class LoopbackMock {
	readonly problems: string[] = [];
	baseUrl = '';
	private readonly server = new LoopbackServer((request, response) => {
		this.handle(request, response).catch((error: Error) => {
			this.problems.push(`mock crashed: ${error.stack ?? error.message}`);
			if (!response.headersSent) response.writeHead(500).end();
		});
	});

	protected abstract handle(request: IncomingMessage, response: ServerResponse): Promise<void>;

	async listen(): Promise<this> {
		this.baseUrl = await this.server.listen();
		return this;
	}

	async close(): Promise<void> {
		await this.server.close();
	}
}
