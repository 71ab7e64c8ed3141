export * from './brazeClient';
export * from './errors';
export * from './inputs';
export * from './payloads';
export * from './rateLimiter';
export * from './scoreWrite';
