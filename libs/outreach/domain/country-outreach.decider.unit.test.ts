import { refusal } from '../../../tests/support/refusal.js';
import type { Campaign } from './campaign.decider.js';
import { decideLaunchCampaign } from './campaign.decider.js';
import { countryOutreachDecider, type CountryOutreachCommandType } from './country-outreach.decider.js';
import { decideRegisterMission, type Mission } from './mission.decider.js';
import type { CountryOutreachEvent } from './outreach.events.js';

const campaign: Campaign = { campaignId: 'c1', treaty: 'CCM', title: 'Joint demarche', coordinators: ['NOR', 'NZL'], startsOn: '2026-01-10' };
const mission: Mission = { missionId: 'nor-nairobi', name: 'Norway in Nairobi', kind: 'non-resident', coordinator: 'NOR', accreditedTo: ['KEN', 'UGA'] };
const today = '2026-06-01';

type Details = CountryOutreachCommandType extends infer C ? (C extends unknown ? Omit<C, 'campaign' | 'mission' | 'iso3' | 'today'> : never) : never;

function given(...history: Details[]) {
  let state = countryOutreachDecider.initialState();
  for (const d of history) {
    const events = countryOutreachDecider.decide({ campaign, mission, iso3: 'KEN', today, ...d } as CountryOutreachCommandType, state);
    state = events.reduce(countryOutreachDecider.evolve, state);
  }
  return {
    when: (d: Details, overrides: Partial<CountryOutreachCommandType> = {}): CountryOutreachEvent[] =>
      countryOutreachDecider.decide({ campaign, mission, iso3: 'KEN', today, ...d, ...overrides } as CountryOutreachCommandType, state),
  };
}


describe('country outreach decider', () => {
  it('records a delivered letter once, even when posted twice', () => {
    const letter: Details = { kind: 'deliver-letter', deliveredOn: '2026-02-01' };
    expect(given().when(letter)).toEqual([
      { type: 'LetterDelivered', occurredAt: '2026-02-01', data: { campaignId: 'c1', treaty: 'CCM', iso3: 'KEN', missionId: 'nor-nairobi', deliveredOn: '2026-02-01', cosignedBy: ['NOR', 'NZL'] } },
    ]);
    expect(given(letter).when(letter)).toEqual([]);
  });

  it('records who co-signed a letter: the campaign\'s coordinators unless it names others', () => {
    const [joint] = given().when({ kind: 'deliver-letter', deliveredOn: '2026-02-01', cosignedBy: ['NOR', 'NZL', 'AUT'] });
    expect(joint!.data).toMatchObject({ cosignedBy: ['NOR', 'NZL', 'AUT'] });
    expect(refusal(() => given().when({ kind: 'deliver-letter', deliveredOn: '2026-02-01', cosignedBy: ['NOR', 'NOR'] })).code).toBe('duplicate-cosignatory');
  });

  it('keeps an announced deposit with a Group I response, and refuses it for the other groups', () => {
    const events = given().when({ kind: 'record-response', receivedOn: '2026-03-01', group: 'I', ratificationUnderWay: true, depositAnnounced: true });
    expect(events.map((e) => e.data)).toEqual([expect.objectContaining({ depositAnnounced: true }), expect.objectContaining({ depositAnnounced: true, group: 'I' })]);
    const refused = refusal(() => given().when({ kind: 'record-response', receivedOn: '2026-03-01', group: 'II', obstacles: ['capacity'], depositAnnounced: true }));
    expect([refused.code, refused.field]).toEqual(['group-mismatch', 'depositAnnounced']);
    // Announcing the deposit later re-assesses the country.
    const announced = given({ kind: 'record-response', receivedOn: '2026-03-01', group: 'I', ratificationUnderWay: true }).when({ kind: 'record-response', receivedOn: '2026-04-01', group: 'I', ratificationUnderWay: true, depositAnnounced: true });
    expect(announced.map((e) => e.type)).toEqual(['ResponseReceived', 'GroupAssigned']);
  });

  it('refuses a mission that is not accredited to the country, or not of the campaign', () => {
    const e = refusal(() => given().when({ kind: 'deliver-letter', deliveredOn: '2026-02-01' }, { iso3: 'ETH' }));
    expect([e.code, e.field]).toEqual(['not-accredited', 'missionId']);
    const other = { ...mission, coordinator: 'AUT' };
    expect(refusal(() => given().when({ kind: 'deliver-letter', deliveredOn: '2026-02-01' }, { mission: other })).code).toBe('mission-not-in-campaign');
  });

  it('refuses dates before the campaign and after today, naming the field', () => {
    const before = refusal(() => given().when({ kind: 'hold-meeting', heldOn: '2026-01-09' }));
    expect([before.code, before.field]).toEqual(['before-campaign', 'heldOn']);
    const future = refusal(() => given().when({ kind: 'record-response', receivedOn: '2026-06-02', group: 'III' }));
    expect([future.code, future.field]).toEqual(['in-the-future', 'receivedOn']);
  });

  it('assigns the group with the response, and sorts the obstacles', () => {
    const events = given().when({ kind: 'record-response', receivedOn: '2026-03-01', group: 'II', obstacles: ['regional-reciprocity', 'capacity'] });
    expect(events.map((e) => e.type)).toEqual(['ResponseReceived', 'GroupAssigned']);
    expect(events[1]!.data).toMatchObject({ group: 'II', obstacles: ['capacity', 'regional-reciprocity'], since: '2026-03-01' });
  });

  it('checks that a response fits its group', () => {
    const cases: [Details, string, string][] = [
      [{ kind: 'record-response', receivedOn: '2026-03-01', group: 'II' }, 'obstacles-required', 'obstacles'],
      [{ kind: 'record-response', receivedOn: '2026-03-01', group: 'I', obstacles: ['capacity'] }, 'group-mismatch', 'obstacles'],
      [{ kind: 'record-response', receivedOn: '2026-03-01', group: 'III', wishesToSign: true }, 'group-mismatch', 'wishesToSign'],
      [{ kind: 'record-response', receivedOn: '2026-03-01', group: 'II', ratificationUnderWay: true, obstacles: ['other'] }, 'group-mismatch', 'ratificationUnderWay'],
      [{ kind: 'record-response', receivedOn: '2026-03-01', group: 'II', obstacles: ['other', 'other'] }, 'duplicate-obstacle', 'obstacles'],
    ];
    for (const [details, code, field] of cases) {
      const e = refusal(() => given().when(details));
      expect([e.code, e.field]).toEqual([code, field]);
    }
  });

  it('does not re-assign the same judgement, and keeps the newest response as the judgement', () => {
    const groupIII: Details = { kind: 'record-response', receivedOn: '2026-03-01', group: 'III' };
    expect(given(groupIII).when({ ...groupIII, receivedOn: '2026-04-01' } as Details).map((e) => e.type)).toEqual(['ResponseReceived']);
    const olderGroupI: Details = { kind: 'record-response', receivedOn: '2026-02-01', group: 'I', wishesToSign: true };
    expect(given(groupIII).when(olderGroupI).map((e) => e.type)).toEqual(['ResponseReceived']);
    const newerGroupI: Details = { ...olderGroupI, receivedOn: '2026-03-02' } as Details;
    const moved = given(groupIII).when(newerGroupI);
    expect(moved[1]).toMatchObject({ type: 'GroupAssigned', data: { group: 'I', previousGroup: 'III' } });
  });
});

describe('missions and campaigns', () => {
  it('registers a resident mission for exactly one country', () => {
    const base = { missionId: 'm', name: 'M', coordinator: 'NOR', today };
    expect(decideRegisterMission({ ...base, kind: 'resident', accreditedTo: ['KEN'] }, undefined)).toHaveLength(1);
    expect(refusal(() => decideRegisterMission({ ...base, kind: 'resident', accreditedTo: ['KEN', 'UGA'] }, undefined)).field).toBe('accreditedTo');
    expect(refusal(() => decideRegisterMission({ ...base, kind: 'non-resident', accreditedTo: ['KEN', 'KEN'] }, undefined)).code).toBe('duplicate-accreditation');
  });

  it('treats the same registration twice as one, and a different one under the same id as a conflict', () => {
    const m = { missionId: 'm', name: 'M', coordinator: 'NOR', kind: 'resident' as const, accreditedTo: ['KEN'], today };
    const [registered] = decideRegisterMission(m, undefined);
    expect(decideRegisterMission(m, registered!.data)).toEqual([]);
    expect(refusal(() => decideRegisterMission({ ...m, name: 'Other' }, registered!.data)).kind).toBe('conflict');
    const launch = { ...campaign, treatyOpenedOn: '2008-12-03' };
    const [launched] = decideLaunchCampaign(launch, undefined);
    expect(decideLaunchCampaign(launch, launched!.data)).toEqual([]);
    expect(refusal(() => decideLaunchCampaign({ ...launch, title: 'x' }, launched!.data)).code).toBe('campaign-exists');
    const early = refusal(() => decideLaunchCampaign({ ...launch, startsOn: '2008-12-02' }, undefined));
    expect([early.code, early.field]).toEqual(['before-opening', 'startsOn']);
  });
});
