import { Agent } from 'node:http';

import axios from 'axios';

import type { KlaviyoTransport } from '../../lib/klaviyo';

/**
 * The transport the client's own tests and the benchmark use: axios (as inside n8n), with
 * the headers the `klaviyoApi` credential adds in n8n.
 */
export function axiosTransport(baseUrl: string, apiKey: string, revision = '2026-07-15'): KlaviyoTransport {
	const http = axios.create({
		baseURL: baseUrl,
		validateStatus: () => true,
		httpAgent: new Agent({ keepAlive: true, maxSockets: 64 }),
	});
	return async (request) => {
		const response = await http.request({
			method: request.method,
			url: request.path,
			data: request.body,
			headers: { ...request.headers, Authorization: `Klaviyo-API-Key ${apiKey}`, revision },
		});
		return { status: response.status, headers: response.headers as Record<string, unknown>, body: response.data };
	};
}
