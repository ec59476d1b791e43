// The reporting domain, for other contexts' domain code (pure: no I/O behind it).
export * from './campaign-picture.js';
