export * from './application/read-model-store.port.js';
export * from './application/projection.js';
export * from './infrastructure/sqlite-read-model-store.js';
export * from './infrastructure/in-memory-read-model-store.js';
export * from './application/versions.js';
export * from './application/rebuild.js';
export * from './infrastructure/mongo-read-model-store.js';
export * from './application/document-cache.js';
