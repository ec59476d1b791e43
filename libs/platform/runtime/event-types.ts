import { EventRegistry } from '../../event-store/index.js';

/** Every event type Demarche writes, with its current schema version. */
export function demarcheEventRegistry(): EventRegistry {
  return new EventRegistry()
    .register('CountryRegistered')
    .register('StatusChanged')
    .register('MissionRegistered')
    .register('CampaignLaunched')
    .register('LetterDelivered')
    .register('MeetingHeld')
    .register('ResponseReceived')
    .register('GroupAssigned')
    .register('FollowUpScheduled')
    .register('FollowUpWidened')
    .register('FollowUpNarrowed')
    .register('FollowUpClaimed')
    .register('FollowUpReassigned')
    .register('FollowUpCompleted')
    .register('FollowUpRetracted')
    .register('FollowUpFellDue')
    .register('TimerElapsed');
}
