import type { RecordedEvent } from '../../kernel/index.js';
import { eventKeys, inTimeRange, type EventQuery } from '../application/event-store.port.js';

export function matchesQuery(event: RecordedEvent, query: EventQuery): boolean {
  if (query.afterPosition !== undefined && event.position <= query.afterPosition) return false;
  if (query.streamId !== undefined && event.streamId !== query.streamId) return false;
  if (query.streamPrefix !== undefined && !event.streamId.startsWith(query.streamPrefix)) return false;
  if (query.types?.length && !query.types.includes(event.type)) return false;
  if (!inTimeRange(event.occurredAt, query.occurred) || !inTimeRange(event.recordedAt, query.recorded)) return false;
  if (query.country !== undefined || query.campaignId !== undefined || query.missionId !== undefined) {
    const keys = eventKeys(event.data);
    if (query.country !== undefined && !keys.countries.includes(query.country)) return false;
    if (query.campaignId !== undefined && keys.campaignId !== query.campaignId) return false;
    if (query.missionId !== undefined && keys.missionId !== query.missionId) return false;
  }
  return true;
}
