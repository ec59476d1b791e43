// The outreach domain, for other contexts' domain code (pure: no I/O behind it).
export * from './outreach.events.js';
export * from './mission.decider.js';
export * from './campaign.decider.js';
export * from './country-outreach.decider.js';
