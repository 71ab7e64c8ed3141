import { keptEventData } from '../../lib/scoring/keptEvent';
import { parseModel } from '../../lib/scoring/model';

const modelReading = (...paths: string[]) =>
	parseModel({
		version: 1,
		rules: paths.map((path, i) => ({
			id: `r${i}`,
			event: 'Ping',
			when: [{ path, op: 'exists' }],
			points: 1,
		})),
	});

describe('the event data a store keeps', () => {
	const webhook = {
		headers: { authorization: 'Bearer secret', 'user-agent': 'curl/8' },
		params: { id: '7' },
		query: { token: 'secret', utm_source: 'ads' },
		body: { email: 'ada@example.com', properties: { url: '/pricing' } },
		webhookUrl: 'http://localhost:5678/webhook/x',
		executionMode: 'production',
	};

	it.each([
		[
			'nothing but the body when the rules read only the body',
			modelReading('body.properties.url'),
			{ body: webhook.body },
		],
		[
			'one header a rule reads, and no other',
			modelReading('headers.user-agent'),
			{ body: webhook.body, headers: { 'user-agent': 'curl/8' } },
		],
		[
			'one query value a rule reads, and no other',
			modelReading('query.utm_source'),
			{ body: webhook.body, query: { utm_source: 'ads' } },
		],
	])("keeps of a Webhook node's item %s", (_, model, kept) => {
		expect(keptEventData(webhook, model)).toEqual(kept);
	});

	it('keeps any other item whole, but for its headers, and never changes the item it was given', () => {
		const item = {
			email: 'ada@example.com',
			properties: { items: [{ sku: 'A' }, { sku: 'B' }] },
			headers: { cookie: 'sid=1' },
		};
		const before = structuredClone(item);
		expect(
			keptEventData(item, modelReading('properties.items[1].sku', 'properties.items')),
		).toEqual({ email: 'ada@example.com', properties: item.properties });
		expect(item).toEqual(before);
	});

	it('keeps a key named __proto__ as data, without touching any prototype', () => {
		const item = JSON.parse('{"__proto__":{"polluted":true},"email":"ada@example.com"}');
		const kept = keptEventData(item, modelReading('email')) as Record<string, unknown>;
		expect(Object.hasOwn(kept, '__proto__')).toBe(true);
		expect(Object.getPrototypeOf(kept)).toBe(Object.prototype);
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
		expect(JSON.stringify(kept)).toBe('{"__proto__":{"polluted":true},"email":"ada@example.com"}');
	});
});
