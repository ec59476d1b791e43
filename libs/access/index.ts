export * from './domain/access.js';
export { principalOf } from './api/auth.guard.js';
export * from './application/token-store.port.js';
export * from './application/tokens.js';
export * from './application/scope-lookup.js';
export * from './application/first-admin.js';
export * from './application/rate-limit-storage.port.js';
export * from './infrastructure/sqlite-token-store.js';
export * from './infrastructure/mongo-token-store.js';
