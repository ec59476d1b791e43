export * from './domain/local-date.js';
export * from './domain/errors.js';
export * from './domain/event.js';
export * from './domain/clock.js';
export * from './domain/iso3.js';
export * from './domain/import.js';
