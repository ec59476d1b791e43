import { ruleViolated, type Iso3, type LocalDate } from '../../kernel/index.js';
import type { Campaign } from './campaign.decider.js';
import type { Mission } from './mission.decider.js';
import type {
  Assessment,
  CountryOutreachEvent,
  GroupAssigned,
  LetterDelivered,
  MeetingHeld,
  Obstacle,
  ResponseGroup,
  ResponseReceived,
} from './outreach.events.js';

/** One country's dossier within one campaign. */
export interface CountryOutreachState {
  readonly letters: readonly { readonly missionId: string; readonly deliveredOn: LocalDate }[];
  readonly meetings: readonly { readonly missionId: string; readonly heldOn: LocalDate; readonly summary?: string | null; readonly interlocutors?: readonly string[] | null }[];
  readonly responses: readonly ResponseReceived['data'][];
  readonly assessment?: Assessment;
}

export const EMPTY_OUTREACH: CountryOutreachState = { letters: [], meetings: [], responses: [] };

/** What every command about a country in a campaign brings: who acts, where, and when. */
interface CountryOutreachCommand {
  readonly campaign: Campaign;
  readonly mission: Mission;
  readonly iso3: Iso3;
  readonly today: LocalDate;
}

export type CountryOutreachCommandOf<K extends string, T> = CountryOutreachCommand & { readonly kind: K } & T;
export type DeliverLetter = CountryOutreachCommandOf<'deliver-letter', { readonly deliveredOn: LocalDate; /** Default: the campaign's coordinators. */ readonly cosignedBy?: readonly Iso3[] }>;
export type HoldMeeting = CountryOutreachCommandOf<'hold-meeting', { readonly heldOn: LocalDate; readonly summary?: string; readonly interlocutors?: readonly string[] }>;
export type RecordResponse = CountryOutreachCommandOf<
  'record-response',
  {
    readonly receivedOn: LocalDate;
    readonly group: ResponseGroup;
    readonly ratificationUnderWay?: boolean;
    readonly wishesToSign?: boolean;
    readonly depositAnnounced?: boolean;
    readonly obstacles?: readonly Obstacle[];
    /** The obstacle codes the campaign's treaty file lists, when it lists them: no other may be named. */
    readonly obstaclesOfTreaty?: readonly string[];
    readonly notes?: string;
    readonly interlocutors?: readonly string[];
  }
>;
export type CountryOutreachCommandType = DeliverLetter | HoldMeeting | RecordResponse;

/** The mission must be one of the campaign's, accredited to the country, acting in the campaign's time. */
function checkStanding(command: CountryOutreachCommand, date: LocalDate, dateField: string): void {
  const { campaign, mission, iso3, today } = command;
  if (!campaign.coordinators.includes(mission.coordinator)) {
    throw ruleViolated('mission-not-in-campaign', `Mission ${mission.missionId} belongs to ${mission.coordinator}, which does not coordinate campaign ${campaign.campaignId} (${campaign.coordinators.join(', ')}).`, 'missionId');
  }
  if (!mission.accreditedTo.includes(iso3)) {
    throw ruleViolated('not-accredited', `Mission ${mission.missionId} is not accredited to ${iso3}; it covers ${mission.accreditedTo.join(', ')}.`, 'missionId');
  }
  if (date < campaign.startsOn) {
    throw ruleViolated('before-campaign', `Campaign ${campaign.campaignId} starts on ${campaign.startsOn}; ${dateField} ${date} is earlier.`, dateField);
  }
  if (date > today) throw ruleViolated('in-the-future', `${dateField} ${date} is after today (${today}); record what has happened.`, dateField);
}

function assessmentOf(response: ResponseReceived['data']): Assessment {
  const { group, ratificationUnderWay, wishesToSign, depositAnnounced, obstacles, receivedOn } = response;
  return { group, ratificationUnderWay, wishesToSign, ...(depositAnnounced ? { depositAnnounced } : {}), obstacles, since: receivedOn };
}

const sameAssessment = (a: Assessment, b: Assessment) =>
  a.group === b.group && a.ratificationUnderWay === b.ratificationUnderWay && a.wishesToSign === b.wishesToSign && !a.depositAnnounced === !b.depositAnnounced && a.obstacles.join() === b.obstacles.join();

function checkResponseShape(command: RecordResponse): void {
  const { group, ratificationUnderWay, wishesToSign } = command;
  const obstacles = command.obstacles ?? [];
  if (group !== 'I' && ratificationUnderWay) {
    throw ruleViolated('group-mismatch', `ratificationUnderWay describes a Group I response, not Group ${group}.`, 'ratificationUnderWay');
  }
  if (group !== 'I' && wishesToSign) {
    throw ruleViolated('group-mismatch', `wishesToSign describes a Group I response, not Group ${group}.`, 'wishesToSign');
  }
  if (group !== 'I' && command.depositAnnounced) {
    throw ruleViolated('group-mismatch', `depositAnnounced describes a Group I response, not Group ${group}.`, 'depositAnnounced');
  }
  if (group === 'I' && obstacles.length > 0) {
    throw ruleViolated('group-mismatch', 'A Group I response shows earnest interest; obstacles belong to Group II or III.', 'obstacles');
  }
  if (group === 'II' && obstacles.length === 0) {
    throw ruleViolated('obstacles-required', 'A Group II response names its specific obstacles; list at least one.', 'obstacles');
  }
  if (new Set(obstacles).size !== obstacles.length) throw ruleViolated('duplicate-obstacle', 'obstacles lists the same code twice.', 'obstacles');
  const foreign = command.obstaclesOfTreaty ? obstacles.filter((o) => !command.obstaclesOfTreaty!.includes(o)) : [];
  if (foreign.length) {
    throw ruleViolated(
      'obstacle-not-for-treaty',
      `${foreign.join(', ')} ${foreign.length === 1 ? 'is not an obstacle' : 'are not obstacles'} of the ${command.campaign.treaty}, whose responses name ${command.obstaclesOfTreaty!.join(', ')}.`,
      'obstacles',
    );
  }
}

/**
 * Letters, meetings and responses for one country in one campaign. Posting the same fact
 * twice (a retry) records it once. A response older than the latest one is kept in the
 * record but does not move the country's group: the newest response is the judgement.
 */
export function decideCountryOutreach(command: CountryOutreachCommandType, state: CountryOutreachState): CountryOutreachEvent[] {
  const { campaign, mission, iso3 } = command;
  const ids = { campaignId: campaign.campaignId, treaty: campaign.treaty, iso3, missionId: mission.missionId };
  switch (command.kind) {
    case 'deliver-letter': {
      checkStanding(command, command.deliveredOn, 'deliveredOn');
      if (state.letters.some((l) => l.missionId === mission.missionId && l.deliveredOn === command.deliveredOn)) return [];
      const cosignedBy = [...(command.cosignedBy ?? campaign.coordinators)];
      if (new Set(cosignedBy).size !== cosignedBy.length) throw ruleViolated('duplicate-cosignatory', 'cosignedBy lists the same state twice.', 'cosignedBy');
      const event: LetterDelivered = { type: 'LetterDelivered', occurredAt: command.deliveredOn, data: { ...ids, deliveredOn: command.deliveredOn, cosignedBy } };
      return [event];
    }
    case 'hold-meeting': {
      checkStanding(command, command.heldOn, 'heldOn');
      const sameMeeting = (m: CountryOutreachState['meetings'][number]) =>
        m.missionId === mission.missionId && m.heldOn === command.heldOn && m.summary === command.summary && m.interlocutors?.join('\n') === command.interlocutors?.join('\n');
      if (state.meetings.some(sameMeeting)) return [];
      const event: MeetingHeld = {
        type: 'MeetingHeld',
        occurredAt: command.heldOn,
        data: {
          ...ids,
          heldOn: command.heldOn,
          ...(command.summary !== undefined ? { summary: command.summary } : {}),
          ...(command.interlocutors !== undefined ? { interlocutors: [...command.interlocutors] } : {}),
        },
      };
      return [event];
    }
    case 'record-response': {
      checkStanding(command, command.receivedOn, 'receivedOn');
      checkResponseShape(command);
      const response: ResponseReceived['data'] = {
        ...ids,
        receivedOn: command.receivedOn,
        group: command.group,
        ratificationUnderWay: command.ratificationUnderWay ?? false,
        wishesToSign: command.wishesToSign ?? false,
        ...(command.depositAnnounced ? { depositAnnounced: true as const } : {}),
        obstacles: [...(command.obstacles ?? [])].sort(),
        ...(command.notes !== undefined ? { notes: command.notes } : {}),
        ...(command.interlocutors !== undefined ? { interlocutors: [...command.interlocutors] } : {}),
      };
      if (state.responses.some((r) => JSON.stringify(r) === JSON.stringify(response))) return [];
      const events: CountryOutreachEvent[] = [{ type: 'ResponseReceived', occurredAt: response.receivedOn, data: response }];
      const current = state.assessment;
      const next = assessmentOf(response);
      const isLatest = !current || next.since >= current.since;
      if (isLatest && (!current || !sameAssessment(current, next))) {
        const assigned: GroupAssigned = {
          type: 'GroupAssigned',
          occurredAt: response.receivedOn,
          data: { campaignId: campaign.campaignId, treaty: campaign.treaty, iso3, ...next, ...(current ? { previousGroup: current.group } : {}) },
        };
        events.push(assigned);
      }
      return events;
    }
  }
}

export function evolveCountryOutreach(state: CountryOutreachState, event: CountryOutreachEvent): CountryOutreachState {
  switch (event.type) {
    case 'LetterDelivered':
      return { ...state, letters: [...state.letters, { missionId: event.data.missionId, deliveredOn: event.data.deliveredOn }] };
    case 'MeetingHeld':
    {
      const { missionId, heldOn, summary, interlocutors } = event.data;
      return { ...state, meetings: [...state.meetings, { missionId, heldOn, ...(summary !== undefined ? { summary } : {}), ...(interlocutors !== undefined ? { interlocutors } : {}) }] };
    }
    case 'ResponseReceived':
      return { ...state, responses: [...state.responses, event.data] };
    case 'GroupAssigned': {
      const { group, ratificationUnderWay, wishesToSign, depositAnnounced, obstacles, since } = event.data;
      return { ...state, assessment: { group, ratificationUnderWay, wishesToSign, ...(depositAnnounced ? { depositAnnounced } : {}), obstacles, since } };
    }
  }
}

export const countryOutreachDecider = {
  decide: decideCountryOutreach,
  evolve: evolveCountryOutreach,
  initialState: () => EMPTY_OUTREACH,
};
