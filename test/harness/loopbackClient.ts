/**
 * A provider client against its loopback mock, over axios, on a virtual clock: retries and
 * rate-limit waits take no real time. One mock per test, closed after it.
 */
import type { Clock } from '../../lib/http/clock';
import type { HttpTransport } from '../../lib/http/transport';
import { axiosTransport } from '../../sandbox/httpTransport';
import { type VirtualClock, virtualClock } from '../../sandbox/virtualClock';

interface LoopbackMock {
	baseUrl: string;
	apiKey: string;
	/** Requests the mock (or the API's spec) rejected. */
	problems: string[];
	close(): Promise<void>;
}

interface ClientOptions {
	transport: HttpTransport;
	clock: Clock;
	random?: () => number;
}

export interface Loopback<Mock, MockOptions, Options, Client> {
	/** The current test's clock and mock, once `start` or `setUp` has run. */
	clock: VirtualClock;
	mock: Mock;
	/** Starts the test's mock on a fresh virtual clock. */
	start(mockOptions?: MockOptions): Promise<{ clock: VirtualClock; mock: Mock }>;
	/** Axios to the mock with `apiKey` (the mock's own by default), its waits on the virtual clock. */
	transport(apiKey?: string): HttpTransport;
	/** Starts the mock and a client for it, with a fixed jitter. */
	setUp(mockOptions?: MockOptions, clientOptions?: Partial<Options>): Promise<Client>;
}

/**
 * Each test's mock (from `startMock`, on a fresh virtual clock) and a client for it (`newClient`);
 * after each test, every request must have been one the mock accepts, and the mock is closed.
 */
export function useLoopbackClient<
	Mock extends LoopbackMock,
	MockOptions,
	Options extends ClientOptions,
	Client,
>(
	startMock: (options: MockOptions & { now: () => number }) => Promise<Mock>,
	credentialHeaders: (apiKey: string) => Record<string, string>,
	newClient: (options: Options) => Client,
): Loopback<Mock, MockOptions, Options, Client> {
	const loopback: Loopback<Mock, MockOptions, Options, Client> = {
		clock: undefined as unknown as VirtualClock,
		mock: undefined as unknown as Mock,
		async start(mockOptions = {} as MockOptions) {
			loopback.clock = virtualClock();
			loopback.mock = await startMock({ now: loopback.clock.now, ...mockOptions });
			return { clock: loopback.clock, mock: loopback.mock };
		},
		transport(apiKey = loopback.mock.apiKey) {
			return loopback.clock.track(axiosTransport(loopback.mock.baseUrl, credentialHeaders(apiKey)));
		},
		async setUp(mockOptions, clientOptions = {}) {
			const { clock } = await loopback.start(mockOptions);
			return newClient({
				transport: loopback.transport(),
				clock,
				random: () => 0.5,
				...clientOptions,
			} as unknown as Options);
		},
	};
	checkAndCloseAfterEach(() => loopback.mock);
	return loopback;
}

/** After each test, every request must have been one the mock accepts; then the mock is closed. */
export function checkAndCloseAfterEach(current: () => LoopbackMock): void {
	afterEach(async () => {
		expect(current().problems).toEqual([]);
		await current().close();
	});
}
