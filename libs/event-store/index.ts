// The event store's contract: the log's port, the event registry, the command runner.
// Its NestJS module, event-store.module.ts, is for apps/ to compose, and is not exported here (docs/adr/0007).
export * from './application/event-store.port.js';
export * from './application/event-registry.js';
export * from './application/catch-up.js';
export * from './application/log-pager.js';
export * from './application/command-runner.js';
export * from './application/event-ids.js';
export * from './application/sleeper.js';
export * from './application/payload-codec.js';
// The sandbox: a log in memory, for replays that must not touch anything live.
export * from './infrastructure/in-memory-event-store.js';
export * from './application/history-export.js';
