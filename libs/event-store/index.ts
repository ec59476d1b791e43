export * from './application/event-store.port.js';
export * from './application/event-registry.js';
export * from './application/catch-up.js';
export * from './application/command-runner.js';
export * from './infrastructure/in-memory-event-store.js';
export * from './infrastructure/sqlite-event-store.js';
export * from './infrastructure/sqlite-database.js';
export * from './infrastructure/mongo-event-store.js';
