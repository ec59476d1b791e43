// The follow-ups domain, for other contexts' domain code (pure: no I/O behind it).
export * from './playbook.js';
export * from './follow-up.events.js';
export * from './follow-up.decider.js';
export * from './follow-up.workflow.js';
