import { KlaviyoClient, type KlaviyoClientOptions } from '../../lib/klaviyo';
import { klaviyoCredentialHeaders } from '../../sandbox/httpTransport';
import { startKlaviyoMock } from '../../sandbox/klaviyo/klaviyoMock';
import { useLoopbackClient } from '../harness/loopbackClient';

/** Each test's loopback Klaviyo on a virtual clock, and a Klaviyo client for it. */
export const useLoopbackKlaviyo = () =>
	useLoopbackClient(
		startKlaviyoMock,
		klaviyoCredentialHeaders,
		(options: KlaviyoClientOptions) => new KlaviyoClient(options),
	);
