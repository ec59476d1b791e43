import type { EventRegistry } from '../../event-store/index.js';

const keptAsIs = (data: unknown) => data;

/** The outreach events, with their current schema versions. */
export function registerOutreachEvents(registry: EventRegistry): EventRegistry {
  return (
    registry
      .register('MissionRegistered')
      .register('MissionNotesForgotten')
      .register('CampaignLaunched')
      .register('LetterDelivered')
      // v2: summary, notes and interlocutors are stored sealed (see SealedNotesCodec); a v1
      // payload (notes in clear, no interlocutors) is already a valid v2 payload.
      .register('MeetingHeld', 2, { 1: keptAsIs })
      .register('ResponseReceived', 2, { 1: keptAsIs })
      .register('GroupAssigned')
  );
}
