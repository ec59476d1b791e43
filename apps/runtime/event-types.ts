import { EventRegistry } from '../../libs/event-store/index.js';

const keptAsIs = (data: unknown) => data;

/** Every event type Demarche writes, with its current schema version. */
export function demarcheEventRegistry(): EventRegistry {
  return new EventRegistry()
    .register('CountryRegistered')
    .register('StatusChanged')
    .register('MissionRegistered')
    .register('MissionNotesForgotten')
    .register('CampaignLaunched')
    .register('LetterDelivered')
    // v2: summary, notes and interlocutors are stored sealed (see SealedNotesCodec); a v1
    // payload (notes in clear, no interlocutors) is already a valid v2 payload.
    .register('MeetingHeld', 2, { 1: keptAsIs })
    .register('ResponseReceived', 2, { 1: keptAsIs })
    .register('GroupAssigned')
    .register('FollowUpScheduled')
    .register('FollowUpWidened')
    .register('FollowUpNarrowed')
    .register('FollowUpClaimed')
    .register('FollowUpReassigned')
    .register('FollowUpCompleted')
    .register('FollowUpRetracted')
    .register('FollowUpReinstated')
    .register('FollowUpFellDue')
    .register('TimerElapsed');
}
