import { Agent } from 'node:http';

import axios from 'axios';

import { type HttpTransport, lowerCaseHeaders } from '../lib/http/transport';

/**
 * The transport the clients' own tests and the benchmarks use outside n8n: axios
 * (as inside n8n), with the headers the node's credential would add (`credentialHeaders`).
 * Relative URLs go below `baseUrl`.
 */
export function axiosTransport(
	baseUrl?: string,
	credentialHeaders: Record<string, string> = {},
): HttpTransport {
	const http = axios.create({
		baseURL: baseUrl,
		validateStatus: () => true,
		httpAgent: new Agent({ keepAlive: true, maxSockets: 64 }),
	});
	return async (request) => {
		const form = request.bodyType === 'form';
		const response = await http.request({
			method: request.method,
			url: request.url,
			params: request.qs,
			data: form
				? new URLSearchParams(request.body as Record<string, string>).toString()
				: request.body,
			headers: {
				...request.headers,
				...(form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
				...credentialHeaders,
			},
		});
		return {
			status: response.status,
			headers: lowerCaseHeaders(response.headers),
			body: response.data === '' ? undefined : response.data,
		};
	};
}

/** What the `klaviyoApi` credential adds. */
export function klaviyoCredentialHeaders(
	apiKey: string,
	revision = '2026-07-15',
): Record<string, string> {
	return { Authorization: `Klaviyo-API-Key ${apiKey}`, revision };
}

/** What the `brazeApi` credential adds. */
export function brazeCredentialHeaders(apiKey: string): Record<string, string> {
	return { Authorization: `Bearer ${apiKey}` };
}
