// Access's contract: roles and scopes, the token service and its store's port.
// Its NestJS module, access.module.ts, is for apps/ to compose, and is not exported here (docs/adr/0007).
export * from './domain/access.js';
export { principalOf } from './api/auth.guard.js';
export * from './application/token-store.port.js';
export * from './application/tokens.js';
export * from './application/scope-lookup.js';
export * from './application/first-admin.js';
export * from './application/rate-limit-storage.port.js';
