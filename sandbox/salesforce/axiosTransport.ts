/** A SalesforceTransport on plain axios, for client tests and benchmarks outside n8n. */
import axios from 'axios';
import { Agent } from 'node:http';

import type { SalesforceTransport } from '../../lib/salesforce/transport';

export function axiosTransport(): SalesforceTransport {
	const httpAgent = new Agent({ keepAlive: true });
	return async (request) => {
		const form = request.bodyType === 'form';
		const response = await axios.request({
			method: request.method,
			url: request.url,
			params: request.qs,
			data: form ? new URLSearchParams(request.body as Record<string, string>).toString() : request.body,
			headers: {
				...request.headers,
				...(form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
			},
			httpAgent,
			validateStatus: () => true,
		});
		const headers: Record<string, string> = {};
		for (const [name, value] of Object.entries(response.headers)) headers[name.toLowerCase()] = String(value);
		return { status: response.status, headers, body: response.data === '' ? undefined : response.data };
	};
}
