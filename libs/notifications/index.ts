// Notifications' contract: people and their wishes, the outbox, the worker that sends mail.
// Its NestJS module, notifications.module.ts, is for apps/ to compose, and is not exported here (docs/adr/0007).
export * from './domain/index.js';
export * from './application/notification.ports.js';
export * from './application/people.js';
export * from './application/notifications.worker.js';
export * from './application/assignment-mails.projection.js';
export * from './application/tasks-in-reach.js';
export * from './application/calendar-feed.js';
export * from './application/webhook.ports.js';
export * from './application/webhooks.js';
