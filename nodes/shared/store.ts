import { basename, dirname, join } from 'node:path';

import type { IDisplayOptions, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { embeddedStore, postgresStore, type PostgresCredentials } from '../../lib/store/openStore';
import type { ScoreStore } from '../../lib/store/scoreStore';

export type StoreKind = 'embedded' | 'postgres' | 'none';

/** Where the PostgreSQL store keeps its tables; shown when that store is chosen. */
export function postgresStoreProperties(
	show: NonNullable<IDisplayOptions['show']>,
): INodeProperties[] {
	return [
		{
			displayName: 'Schema',
			name: 'postgresSchema',
			type: 'string',
			default: 'public',
			description: "Schema of the lead score tables; created on first use if it doesn't exist",
			displayOptions: { show },
		},
		{
			displayName: 'Table Prefix',
			name: 'postgresTablePrefix',
			type: 'string',
			default: 'lead_scoring_',
			description: 'Prefix of the table names, so several setups can share one schema',
			displayOptions: { show },
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

export async function openStore(
	this: IExecuteFunctions,
	kind: Exclude<StoreKind, 'none'>,
): Promise<ScoreStore> {
	if (kind === 'postgres') {
		const credentials = (await this.getCredentials('postgres')) as PostgresCredentials;
		return postgresStore(credentials, {
			schema: this.getNodeParameter('postgresSchema', 0, 'public') as string,
			tablePrefix: this.getNodeParameter('postgresTablePrefix', 0, 'lead_scoring_') as string,
		});
	}
	return embeddedStore(embeddedFolder(this.helpers.getStoragePath()));
}
