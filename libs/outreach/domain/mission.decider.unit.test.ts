import { refusal } from '../../../tests/support/refusal.js';
import { countryOutreachDecider, type HoldMeeting } from './country-outreach.decider.js';
import { missionDecider, missionNotesDecider, type Mission } from './mission.decider.js';
import type { MissionEvent } from './outreach.events.js';

const mission: Mission = { missionId: 'm1', name: 'M', kind: 'non-resident', coordinator: 'NOR', accreditedTo: ['KEN'] };
const registered: MissionEvent = { type: 'MissionRegistered', occurredAt: '2026-01-01', data: mission };
const forgotten: MissionEvent = { type: 'MissionNotesForgotten', occurredAt: '2026-05-01', data: { missionId: 'm1', forgottenOn: '2026-05-01' } };
const fold = (events: MissionEvent[]) => events.reduce(missionNotesDecider.evolve, missionNotesDecider.initialState());
const forget = (keyDestroyed: boolean) => ({ missionId: 'm1', keyDestroyed, today: '2026-06-01' });

describe('forgetting a mission\'s notes', () => {
  it('is recorded once, and again only when it destroyed a newer key', () => {
    expect(missionNotesDecider.decide(forget(true), fold([registered]))).toEqual([
      { type: 'MissionNotesForgotten', occurredAt: '2026-06-01', data: { missionId: 'm1', forgottenOn: '2026-06-01' } },
    ]);
    // Even with no key (the mission never sealed a note), the first forget is on record.
    expect(missionNotesDecider.decide(forget(false), fold([registered]))).toHaveLength(1);
    expect(missionNotesDecider.decide(forget(false), fold([registered, forgotten]))).toEqual([]);
    expect(missionNotesDecider.decide(forget(true), fold([registered, forgotten]))).toHaveLength(1);
  });

  it('needs a registered mission', () => {
    expect(refusal(() => missionNotesDecider.decide(forget(true), fold([])))).toMatchObject({ kind: 'not-found', field: 'id' });
  });

  it('leaves the mission as registered', () => {
    expect([registered, forgotten].reduce(missionDecider.evolve, missionDecider.initialState())).toEqual(mission);
  });
});

describe('a meeting with interlocutors', () => {
  const campaign = { campaignId: 'c1', treaty: 'CCM', title: 'C', coordinators: ['NOR'], startsOn: '2026-01-01' };
  const meeting = (interlocutors?: string[]): HoldMeeting => ({ kind: 'hold-meeting', campaign, mission, iso3: 'KEN', today: '2026-06-01', heldOn: '2026-02-01', summary: 's', ...(interlocutors ? { interlocutors } : {}) });
  const after = (command: HoldMeeting) => countryOutreachDecider.decide(command, countryOutreachDecider.initialState()).reduce(countryOutreachDecider.evolve, countryOutreachDecider.initialState());

  it('is recorded once when retried, and again when the people met differ', () => {
    const state = after(meeting(['Ms A']));
    expect(countryOutreachDecider.decide(meeting(['Ms A']), state)).toEqual([]);
    expect(countryOutreachDecider.decide(meeting(['Mr B']), state)).toHaveLength(1);
    expect(countryOutreachDecider.decide(meeting(), state)).toHaveLength(1);
    expect(countryOutreachDecider.decide(meeting(['Ms A']), countryOutreachDecider.initialState())[0]!.data).toMatchObject({ interlocutors: ['Ms A'], summary: 's' });
  });
});
