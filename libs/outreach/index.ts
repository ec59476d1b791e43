// Outreach's contract: missions, campaigns and outreach events, the spreadsheet import.
// Its NestJS module, outreach.module.ts, is for apps/ to compose, and is not exported here (docs/adr/0007).
export * from './domain/index.js';
export * from './application/event-types.js';
export * from './application/notes-cipher.port.js';
export { OutreachImport, type ImportResult } from './api/outreach-import.js';
