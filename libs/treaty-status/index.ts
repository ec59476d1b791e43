export * from './domain/index.js';
export * from './infrastructure/treaty-catalog.js';
export * from './application/import-states.js';
