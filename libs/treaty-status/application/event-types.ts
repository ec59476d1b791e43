import type { EventRegistry } from '../../event-store/index.js';

/** The treaty-status events, with their current schema versions. */
export function registerTreatyStatusEvents(registry: EventRegistry): EventRegistry {
  return registry.register('CountryRegistered').register('StatusChanged').register('TreatyDeclarationRecorded');
}
