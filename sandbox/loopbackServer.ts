import { createServer, type RequestListener, type Server } from 'node:http';
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
