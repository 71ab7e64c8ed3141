import { Agent } from 'node:http';

import axios from 'axios';

import type { BrazeTransport } from '../../lib/braze';

/**
 * The transport the client's own tests and the benchmark use: axios (as inside n8n), with the
 * header the `brazeApi` credential adds in n8n.
 */
export function axiosTransport(baseUrl: string, apiKey: string): BrazeTransport {
	const http = axios.create({
		baseURL: baseUrl,
		validateStatus: () => true,
		httpAgent: new Agent({ keepAlive: true, maxSockets: 16 }),
	});
	return async (request) => {
		const response = await http.request({
			method: request.method,
			url: request.path,
			data: request.body,
			headers: { ...request.headers, Authorization: `Bearer ${apiKey}` },
		});
		return { status: response.status, headers: response.headers as Record<string, unknown>, body: response.data };
	};
}
