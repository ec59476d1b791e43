// Treaty status's contract: treaties, standings and acts, the catalog, the states import.
// Its NestJS module, treaty-status.module.ts, is for apps/ to compose, and is not exported here (docs/adr/0007).
export * from './domain/index.js';
export * from './application/treaty-catalog.js';
export * from './application/import-states.js';
export * from './application/import-states-files.js';
export * from './application/known-country.js';
export * from './application/event-types.js';
