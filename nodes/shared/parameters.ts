import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { valueAt } from '../../lib/scoring/conditions';

function hasExpression(value: unknown): boolean {
	if (typeof value === 'string') return value.startsWith('=');
	if (Array.isArray(value)) return value.some(hasExpression);
	if (value !== null && typeof value === 'object') return Object.values(value).some(hasExpression);
	return false;
}

// `={{ $json.leadScore.score }}`, `={{ $json.body.items[0].sku }}`, `={{ $json.leadScore?.replayed }}`:
// a plain path into the item, nothing else (`?.` reads the same: a missing step gives nothing).
const ITEM_PATH = /^=\{\{\s*\$json((?:\??\.[A-Za-z_$][\w$]*|\[\d+\])+)\s*\}\}$/;

/**
 * Reads node parameters per item, at the cost each really needs. A parameter without an
 * expression is the same for every item, so it is read once. A parameter that is only a path
 * into the item (the defaults, such as `{{ $json.leadScore.score }}`) is read from the item:
 * n8n would give the same value, but evaluating it costs a call into n8n's expression sandbox
 * per item, which on a batch of 100,000 items is most of the node's time. Anything else goes
 * through n8n's expression evaluation as usual.
 */
export class ItemParameters {
	private readonly fixed = new Map<string, unknown>();
	private readonly paths = new Map<string, string | null>();
	private readonly items: INodeExecutionData[];

	constructor(private readonly context: IExecuteFunctions) {
		this.items = context.getInputData();
	}

	/** Whether the operator left the parameter empty (no value, no expression). */
	isEmpty(name: string): boolean {
		const raw = this.context.getNode().parameters[name];
		return raw === undefined || raw === null || raw === '' || raw === '=';
	}

	get<T = unknown>(name: string, itemIndex: number, fallback?: unknown): T {
		if (this.fixed.has(name)) return this.fixed.get(name) as T;
		const raw = this.context.getNode().parameters[name];
		if (!this.paths.has(name)) {
			const match = typeof raw === 'string' ? ITEM_PATH.exec(raw) : null;
			this.paths.set(name, match ? match[1].replace(/\?\./g, '.').replace(/^\./, '') : null);
		}
		const path = this.paths.get(name);
		if (path && this.items[itemIndex]) {
			const value = valueAt(this.items[itemIndex].json, path);
			return (value === undefined ? fallback : value) as T;
		}
		const value = this.context.getNodeParameter(name, itemIndex, fallback as never);
		if (!hasExpression(raw)) this.fixed.set(name, value);
		return value as T;
	}
}
