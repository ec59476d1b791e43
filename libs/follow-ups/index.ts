// The follow-ups' contract: the playbook, the tasks' events, the workflow, timers' port, the queues.
// Its NestJS module, follow-ups.module.ts, is for apps/ to compose, and is not exported here (docs/adr/0007).
export * from './domain/index.js';
export * from './application/timer.port.js';
export * from './application/fire-due-timers.js';
export * from './application/follow-up-workflow.processor.js';
export * from './application/follow-up-queue.projection.js';
export * from './application/playbook-catalog.js';
export * from './application/event-types.js';
// The sandbox: timers in memory and an engine running the whole workflow on them, for replays and what-ifs.
export * from './infrastructure/in-memory-timers.js';
export * from './infrastructure/engine.js';
