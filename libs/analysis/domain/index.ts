// The analysis domain, for other contexts' domain code (pure: no I/O behind it).
export * from './history.js';
export * from './universalization-report.js';
