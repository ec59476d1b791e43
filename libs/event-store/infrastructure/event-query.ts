import type { RecordedEvent } from '../../kernel/index.js';
import type { EventQuery } from '../application/event-store.port.js';

export function matchesQuery(event: RecordedEvent, query: EventQuery): boolean {
  if (query.afterPosition !== undefined && event.position <= query.afterPosition) return false;
  if (query.streamId !== undefined && event.streamId !== query.streamId) return false;
  if (query.streamPrefix !== undefined && !event.streamId.startsWith(query.streamPrefix)) return false;
  if (query.types?.length && !query.types.includes(event.type)) return false;
  return true;
}
