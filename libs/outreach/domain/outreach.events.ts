import type { DomainEvent, Iso3, LocalDate } from '../../kernel/index.js';

/**
 * A mission (embassy) of a coordinator state. A *resident* mission sits in the one country it
 * covers; a *non-resident* point of contact covers several countries from elsewhere.
 */
export type MissionKind = 'resident' | 'non-resident';

/**
 * The response groups:
 * - I: earnest interest in joining soon (ratification under way, or first wishes to sign);
 * - II: shares the goal but names specific obstacles;
 * - III: would need a major change in its security environment or domestic politics.
 */
export const RESPONSE_GROUPS = ['I', 'II', 'III'] as const;
export type ResponseGroup = (typeof RESPONSE_GROUPS)[number];

/**
 * Obstacles a state names in its response. One vocabulary for every treaty; some codes belong
 * to one treaty's playbook (`ccw-preference`: the CCM; `export-control-capacity`: the ATT).
 */
export const OBSTACLES = [
  'ccw-preference',
  'awaiting-major-producers',
  'regional-reciprocity',
  'security-environment',
  'domestic-politics',
  'capacity',
  'export-control-capacity',
  'other',
] as const;
export type Obstacle = (typeof OBSTACLES)[number];

export type MissionRegistered = DomainEvent<
  'MissionRegistered',
  { readonly missionId: string; readonly name: string; readonly kind: MissionKind; readonly coordinator: Iso3; readonly accreditedTo: readonly Iso3[] }
>;

/**
 * Crypto-shredding: the mission's key was destroyed, so every note and interlocutor name it
 * recorded until then is unreadable everywhere (the log, exports, Kafka). Counts and statuses
 * never depended on them and stay as they were.
 */
export type MissionNotesForgotten = DomainEvent<'MissionNotesForgotten', { readonly missionId: string; readonly forgottenOn: LocalDate }>;

export type MissionEvent = MissionRegistered | MissionNotesForgotten;

/** A joint demarche: coordinator states ask every non-state party to join a treaty. */
export type CampaignLaunched = DomainEvent<
  'CampaignLaunched',
  { readonly campaignId: string; readonly treaty: string; readonly title: string; readonly coordinators: readonly Iso3[]; readonly startsOn: LocalDate }
>;

interface CountryOutreach {
  readonly campaignId: string;
  readonly treaty: string;
  readonly iso3: Iso3;
  readonly missionId: string;
}

/**
 * The co-signed letter reached the country's authorities. `cosignedBy`: the states that signed
 * it (letters recorded by earlier releases do not say).
 */
export type LetterDelivered = DomainEvent<'LetterDelivered', CountryOutreach & { readonly deliveredOn: LocalDate; readonly cosignedBy?: readonly Iso3[] }>;

/**
 * What a mission heard in confidence: free-text notes and the names of the people it met
 * (its *interlocutors*). The domain holds them in clear; they are sealed with the mission's
 * key on their way into the log, and read as `null` (with `forgotten: true` on the payload)
 * once the mission's notes are forgotten.
 */
export interface ConfidentialNotes {
  readonly interlocutors?: readonly string[] | null;
  /** Set on a payload read back after its mission's key was destroyed. */
  readonly forgotten?: true;
}

export type MeetingHeld = DomainEvent<'MeetingHeld', CountryOutreach & ConfidentialNotes & { readonly heldOn: LocalDate; readonly summary?: string | null }>;

/** The country's answer, as the mission heard it. */
export type ResponseReceived = DomainEvent<
  'ResponseReceived',
  CountryOutreach & {
    readonly receivedOn: LocalDate;
    readonly group: ResponseGroup;
    readonly ratificationUnderWay: boolean;
    readonly wishesToSign: boolean;
    /** Group I: the state announced its deposit, so the campaign expects it to join soon. */
    readonly depositAnnounced?: true;
    readonly obstacles: readonly Obstacle[];
    readonly notes?: string | null;
  } & ConfidentialNotes
>;

/** The campaign's current judgement of a country, drawn from its latest response. */
export interface Assessment {
  readonly group: ResponseGroup;
  readonly ratificationUnderWay: boolean;
  readonly wishesToSign: boolean;
  readonly depositAnnounced?: true;
  readonly obstacles: readonly Obstacle[];
  /** The day of the response it rests on. */
  readonly since: LocalDate;
}

export type GroupAssigned = DomainEvent<
  'GroupAssigned',
  { readonly campaignId: string; readonly treaty: string; readonly iso3: Iso3; readonly previousGroup?: ResponseGroup } & Assessment
>;

export type CountryOutreachEvent = LetterDelivered | MeetingHeld | ResponseReceived | GroupAssigned;

export const missionStreamId = (id: string) => `mission-${id}`;
export const campaignStreamId = (id: string) => `campaign-${id}`;
export const outreachStreamId = (campaignId: string, iso3: Iso3) => `outreach-${campaignId}-${iso3}`;
