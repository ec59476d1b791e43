export * from './domain/playbook.js';
export * from './domain/follow-up.events.js';
export * from './domain/follow-up.decider.js';
export * from './application/timer.port.js';
export * from './application/follow-up-policy.js';
export * from './application/follow-up-queue.projection.js';
export * from './infrastructure/playbook-catalog.js';
export * from './infrastructure/sqlite-timers.js';
