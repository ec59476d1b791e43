// The treaty-status domain, for other contexts' domain code (pure: no I/O behind it).
export * from './treaty.js';
export * from './treaty-action.js';
export * from './treaty-standing.js';
export * from './treaty-status.events.js';
export * from './treaty-status.decider.js';
export * from './treaty-declaration.decider.js';
