export * from './domain/outreach.events.js';
export * from './domain/mission.decider.js';
export * from './domain/campaign.decider.js';
export * from './domain/country-outreach.decider.js';
