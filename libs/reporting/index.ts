// Reporting's contract: countries and campaigns as they stand, their read models and queries.
// Its NestJS module, reporting.module.ts, is for apps/ to compose, and is not exported here (docs/adr/0007).
export * from './domain/index.js';
export * from './application/country-status.projection.js';
export * from './application/campaign-summary.projection.js';
export * from './application/country-query.js';
export * from './application/campaign-query.js';
export * from './application/past-dossiers.port.js';
