// The projections' contract: what a projection is, the read model store's port, versions and rebuilds.
// Its NestJS module, projections.module.ts, is for apps/ to compose, and is not exported here (docs/adr/0007).
export * from './application/read-model-store.port.js';
export * from './application/projection.js';
export * from './application/versions.js';
export * from './application/rebuild.js';
export * from './application/document-cache.js';
export * from './application/read-model-unavailable.js';
// The sandbox: read models in memory, for replays that must not touch anything live.
export * from './infrastructure/in-memory-read-model-store.js';
