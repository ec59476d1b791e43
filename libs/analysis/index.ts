// Analysis's contract: the dated histories, the picture on any day, the report and the what-if.
// Its NestJS module, analysis.module.ts, is for apps/ to compose, and is not exported here (docs/adr/0007).
export * from './domain/index.js';
export * from './application/state-history.projection.js';
export * from './application/history-query.js';
export * from './application/report-query.js';
export * from './application/what-if.js';
