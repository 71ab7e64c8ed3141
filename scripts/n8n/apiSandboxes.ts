import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

import type { CredentialFile } from './sandbox';

/**
 * Fixed ids of the sandbox credentials: example workflows reference them, so they run offline
 * against the loopback stand-ins; an operator swaps them for real credentials in the editor.
 */
export const SANDBOX_CREDENTIALS = {
	klaviyo: { id: 'klaviyoSandbox01', name: 'Klaviyo sandbox (local)', type: 'klaviyoApi' },
	salesforce: {
		id: 'salesforceSandbx',
		name: 'Salesforce sandbox (local)',
		type: 'salesforceClientCredentialsOAuth2Api',
	},
	braze: { id: 'brazeSandbox0001', name: 'Braze sandbox (local)', type: 'brazeApi' },
} as const;

/** Leads the Salesforce stand-in starts with, so the examples find someone to mark as MQL. */
export const SANDBOX_SALESFORCE_LEADS = [
	{
		FirstName: 'Ada',
		LastName: 'Lovelace',
		Company: 'Analytical Engines',
		Email: 'ada@example.com',
	},
	{ FirstName: 'Grace', LastName: 'Hopper', Company: 'Cobol Works', Email: 'grace@example.com' },
];

/** Profiles the Klaviyo stand-in starts with, under fixed ids, so a sample request can name one by its Klaviyo id. */
export const SANDBOX_KLAVIYO_PROFILES = [
	{
		id: '01JD0000000000000000000ADA',
		email: 'ada@example.com',
		first_name: 'Ada',
		last_name: 'Lovelace',
	},
];

interface KlaviyoMockLike {
	baseUrl: string;
	apiKey: string;
	state: { addProfile: (id: string, attributes: Record<string, unknown>) => unknown };
	close: () => Promise<void>;
}

/** The Braze stand-in has the Klaviyo one's shape: a base URL, a key and close(). */
type BrazeMockLike = KlaviyoMockLike;

interface SalesforceMockLike {
	start: () => Promise<void>;
	stop: () => Promise<void>;
	addLead: (fields: Record<string, unknown>) => unknown;
	credentials: () => Record<string, unknown>;
}

export interface ApiSandboxes {
	klaviyo?: KlaviyoMockLike;
	salesforce?: SalesforceMockLike;
	braze?: BrazeMockLike;
	/** Credentials pointing at the stand-ins that started, to import into n8n. */
	credentials: CredentialFile[];
	/** One line per stand-in: where it listens, or why it is not running. */
	notes: string[];
	close: () => Promise<void>;
}

/**
 * Starts the loopback stand-ins for Klaviyo, Salesforce and Braze from sandbox/ when the repository
 * has them (they listen on 127.0.0.1, on ports the OS picks). A stand-in that is missing or
 * cannot start (the Klaviyo one needs the Klaviyo OpenAPI document) is left out with a note.
 */
export async function startApiSandboxes(repoRoot: string): Promise<ApiSandboxes> {
	const sandboxes: ApiSandboxes = {
		credentials: [],
		notes: [],
		close: async () => {
			await sandboxes.klaviyo?.close();
			await sandboxes.salesforce?.stop();
			await sandboxes.braze?.close();
		},
	};

	await startStandIn(
		sandboxes,
		'Klaviyo',
		join(repoRoot, 'sandbox', 'klaviyo', 'klaviyoMock.ts'),
		async ({ startKlaviyoMock }: { startKlaviyoMock: () => Promise<KlaviyoMockLike> }) => {
			const klaviyo = await startKlaviyoMock();
			sandboxes.klaviyo = klaviyo;
			for (const { id, ...attributes } of SANDBOX_KLAVIYO_PROFILES)
				klaviyo.state.addProfile(id, attributes);
			sandboxes.credentials.push({
				...SANDBOX_CREDENTIALS.klaviyo,
				data: { apiKey: klaviyo.apiKey, baseUrl: klaviyo.baseUrl },
			});
			const profiles = SANDBOX_KLAVIYO_PROFILES.map(
				(profile) => `${profile.email} = ${profile.id}`,
			).join(', ');
			return `Klaviyo sandbox: ${klaviyo.baseUrl} (credential "${SANDBOX_CREDENTIALS.klaviyo.name}", profile ${profiles})`;
		},
	);

	await startStandIn(
		sandboxes,
		'Salesforce',
		join(repoRoot, 'sandbox', 'salesforce', 'salesforceMock.ts'),
		async ({ SalesforceMock }: { SalesforceMock: new () => SalesforceMockLike }) => {
			const salesforce = new SalesforceMock();
			await salesforce.start();
			sandboxes.salesforce = salesforce;
			for (const lead of SANDBOX_SALESFORCE_LEADS) salesforce.addLead(lead);
			const data = salesforce.credentials();
			sandboxes.credentials.push({ ...SANDBOX_CREDENTIALS.salesforce, data });
			return `Salesforce sandbox: ${String(data.myDomainUrl)} (credential "${SANDBOX_CREDENTIALS.salesforce.name}", leads ${SANDBOX_SALESFORCE_LEADS.map((lead) => lead.Email).join(', ')})`;
		},
	);

	await startStandIn(
		sandboxes,
		'Braze',
		join(repoRoot, 'sandbox', 'braze', 'brazeMock.ts'),
		async ({ startBrazeMock }: { startBrazeMock: () => Promise<BrazeMockLike> }) => {
			const braze = await startBrazeMock();
			sandboxes.braze = braze;
			sandboxes.credentials.push({
				...SANDBOX_CREDENTIALS.braze,
				data: { apiKey: braze.apiKey, baseUrl: braze.baseUrl },
			});
			return `Braze sandbox: ${braze.baseUrl} (credential "${SANDBOX_CREDENTIALS.braze.name}")`;
		},
	);
	return sandboxes;
}

/**
 * Starts one stand-in when the repository has its module: `start` returns the note that says where
 * it listens; a stand-in that is missing or fails to start gets a note saying so.
 */
async function startStandIn<Module>(
	sandboxes: ApiSandboxes,
	name: string,
	modulePath: string,
	start: (module: Module) => Promise<string>,
): Promise<void> {
	if (!existsSync(modulePath)) {
		sandboxes.notes.push(
			`${name} sandbox not available (no sandbox/${basename(dirname(modulePath))}).`,
		);
		return;
	}
	try {
		sandboxes.notes.push(await start((await import(modulePath)) as Module));
	} catch (error) {
		sandboxes.notes.push(`${name} sandbox not started: ${(error as Error).message}`);
	}
}
