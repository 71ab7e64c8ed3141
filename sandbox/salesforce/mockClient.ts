import { SalesforceClient, type SalesforceClientOptions } from '../../lib/salesforce/client';
import { withClientCredentials, type ClientCredentials } from '../../lib/salesforce/token';
import { axiosTransport } from '../httpTransport';
import type { SalesforceMock } from './salesforceMock';

/** A client on axios that signs in to the loopback org with its own client credentials, or with `credentials`. */
export function clientFor(
	mock: SalesforceMock,
	options: Partial<SalesforceClientOptions> & { credentials?: ClientCredentials } = {},
): SalesforceClient {
	const { credentials = mock.credentials(), ...clientOptions } = options;
	return new SalesforceClient({
		transport: withClientCredentials(axiosTransport(), credentials),
		apiVersion: 'v64.0',
		...clientOptions,
	});
}
