export * from './domain/treaty.js';
export * from './domain/treaty-action.js';
export * from './domain/treaty-standing.js';
export * from './domain/treaty-status.events.js';
export * from './domain/treaty-status.decider.js';
export * from './infrastructure/treaty-catalog.js';
export * from './infrastructure/states-csv.js';
export * from './application/import-states.js';
