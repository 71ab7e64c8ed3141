export * from './bulkImport';
export * from './errors';
export * from './inputs';
export * from './klaviyoClient';
export * from './payloads';
export * from './rateLimiter';
export * from './transport';
