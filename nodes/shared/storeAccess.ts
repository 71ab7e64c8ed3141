/** The lead score store as both store-using nodes choose it in the editor and open it per run. */
import { basename, dirname, join } from 'node:path';

import type { IDisplayOptions, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { InputError } from '../../lib/scoring/inputs';
import { embeddedStore, postgresStore, type PostgresCredentials } from '../../lib/store/openStore';
import type { ScoreStore } from '../../lib/store/scoreStore';

import type { ItemParameters } from './parameters';

export type StoreKind = 'embedded' | 'postgres' | 'none';

type Show = NonNullable<IDisplayOptions['show']>;

/** The node's words for each store (the same store, seen from Score Event or Check Threshold). */
export interface StoreWording {
	embedded: string;
	postgres: string;
	/** Offered only where a node can work without a store. */
	none?: { name: string; description: string };
	description?: string;
}

/** The Store selector, and where the PostgreSQL store keeps its tables (shown when that store is chosen). */
export function storeProperties(wording: StoreWording, show?: Show): INodeProperties[] {
	const postgres = { show: { ...show, store: ['postgres'] } };
	return [
		{
			displayName: 'Store',
			name: 'store',
			type: 'options',
			options: [
				{ name: 'Embedded (SQLite)', value: 'embedded', description: wording.embedded },
				...(wording.none
					? [{ name: wording.none.name, value: 'none', description: wording.none.description }]
					: []),
				{ name: 'PostgreSQL', value: 'postgres', description: wording.postgres },
			],
			default: 'embedded',
			...(wording.description ? { description: wording.description } : {}),
			...(show ? { displayOptions: { show } } : {}),
		},
		{
			displayName: 'Schema',
			name: 'postgresSchema',
			type: 'string',
			default: 'public',
			description: "Schema of the lead score tables; created on first use if it doesn't exist",
			displayOptions: postgres,
		},
		{
			displayName: 'Table Prefix',
			name: 'postgresTablePrefix',
			type: 'string',
			default: 'lead_scoring_',
			description: 'Prefix of the table names, so several setups can share one schema',
			displayOptions: postgres,
		},
	];
}

/**
 * The embedded store lives in Score Event's storage folder, whichever node opens it: n8n gives
 * each node type its own folder, and the crossing state belongs in the same file as the scores.
 */
function embeddedFolder(nodeStoragePath: string): string {
	return join(
		dirname(nodeStoragePath),
		basename(nodeStoragePath).replace(/\.[^.]+$/, '.scoreEvent'),
	);
}

/** Refuses the stateless store for `work` (an operation that needs the leads kept in a store). */
export function refuseStateless(
	kind: StoreKind,
	work = 'This operation',
): asserts kind is Exclude<StoreKind, 'none'> {
	if (kind === 'none')
		throw new InputError(
			'store',
			`${work} works on the leads kept in a store; choose the Embedded or PostgreSQL store.`,
		);
}

/**
 * Where the item's PostgreSQL store keeps its tables (both may be expressions, e.g. per tenant),
 * read with `read`: the node's parameter reader, or n8n's own.
 */
function postgresPlace(read: (name: string, fallback: string) => unknown) {
	return {
		schema: read('postgresSchema', 'public') as string,
		tablePrefix: read('postgresTablePrefix', 'lead_scoring_') as string,
	};
}

/**
 * Which store the item's settings name: items with equal keys share one store, so they may share
 * one batch; for PostgreSQL that is the schema and table prefix too, not only the kind.
 */
export function storeKeyOf(parameters: ItemParameters, kind: StoreKind, itemIndex: number): string {
	if (kind !== 'postgres') return kind;
	const place = postgresPlace((name, fallback) => parameters.get(name, itemIndex, fallback));
	return JSON.stringify([kind, place.schema, place.tablePrefix]);
}

/** The store chosen for the item, with its PostgreSQL schema and prefix; never the stateless one. */
export async function openStore(
	context: IExecuteFunctions,
	kind: StoreKind,
	itemIndex: number,
): Promise<ScoreStore> {
	refuseStateless(kind);
	if (kind === 'postgres') {
		const credentials = (await context.getCredentials('postgres')) as PostgresCredentials;
		const place = postgresPlace((name, fallback) =>
			context.getNodeParameter(name, itemIndex, fallback),
		);
		return postgresStore(credentials, place);
	}
	return embeddedStore(embeddedFolder(context.helpers.getStoragePath()));
}
