import type { EventRegistry } from '../../event-store/index.js';
import { FOLLOW_UP_EVENT_TYPES } from '../domain/follow-up.events.js';

/** The follow-up events (a task's life) and the timers', with their current schema versions. */
export function registerFollowUpEvents(registry: EventRegistry): EventRegistry {
  for (const type of FOLLOW_UP_EVENT_TYPES) registry.register(type);
  return registry.register('TimerElapsed');
}
