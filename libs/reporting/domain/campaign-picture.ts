import { addDays, type Iso3, type LocalDate } from '../../kernel/index.js';
import type { MissionKind, Obstacle, ResponseGroup } from '../../outreach/domain/index.js';
import { QUEUES, type FollowUp, type Queue } from '../../follow-ups/domain/index.js';
import { statusOn, type TreatyStanding, type TreatyStatus } from '../../treaty-status/domain/index.js';

/**
 * A campaign as its coordinators tell it: every country it covers, what was done and heard
 * there, and the counts they read out at a meeting ("through our 87 resident missions and 26
 * non-resident points of contact we delivered a joint letter..."), all as of one day.
 */

/** What the campaign recorded about one country, each fact with its day. */
export interface CountryFacts {
  readonly letters: readonly { readonly missionId: string; readonly deliveredOn: LocalDate; readonly cosignedBy?: readonly Iso3[] }[];
  readonly meetings: readonly { readonly missionId: string; readonly heldOn: LocalDate }[];
  readonly responses: readonly ResponseFacts[];
}

export interface ResponseFacts {
  readonly missionId: string;
  readonly receivedOn: LocalDate;
  readonly group: ResponseGroup;
  readonly ratificationUnderWay: boolean;
  readonly wishesToSign: boolean;
  readonly depositAnnounced?: true;
  readonly obstacles: readonly Obstacle[];
}

export interface CampaignFacts {
  readonly campaignId: string;
  readonly treaty: string;
  readonly title: string;
  readonly coordinators: readonly Iso3[];
  readonly startsOn: LocalDate;
  readonly countries: Readonly<Record<Iso3, CountryFacts>>;
}

export interface MissionFacts {
  readonly missionId: string;
  readonly name: string;
  readonly kind: MissionKind;
  readonly coordinator: Iso3;
  readonly accreditedTo: readonly Iso3[];
}

/** A state as the picture needs it: where it sits and its acts under the campaign's treaty. */
export interface StateFacts {
  readonly iso3: Iso3;
  readonly name: string;
  readonly region: string;
  readonly subregion: string;
  readonly standing: TreatyStanding;
}

/** A follow-up as it stood on the day, with its id. */
export type TaskOnDay = FollowUp & { readonly id: string };

export interface CampaignRow {
  readonly iso3: Iso3;
  readonly name: string;
  readonly region: string;
  readonly subregion: string;
  /** The mission that carried the letter (else the one that heard the response, else the one that covers the country). */
  readonly mission: { readonly missionId: string; readonly kind: MissionKind | null } | null;
  readonly letterOn: LocalDate | null;
  readonly letters: number;
  readonly meetings: number;
  readonly response: Omit<ResponseFacts, 'missionId'> | null;
  readonly statusAtStart: TreatyStatus;
  readonly status: TreatyStatus;
  readonly openFollowUps: readonly { readonly id: string; readonly kind: string; readonly queue: Queue; readonly dueOn: LocalDate; readonly overdue: boolean }[];
}

type Named = { readonly iso3: Iso3; readonly name: string };

export interface CampaignCounts {
  readonly countries: number;
  readonly letters: {
    readonly delivered: number;
    readonly states: number;
    readonly residentMissions: number;
    readonly nonResidentContacts: number;
    readonly cosignedBy: readonly Iso3[];
    readonly firstOn: LocalDate | null;
    readonly lastOn: LocalDate | null;
  };
  readonly responded: number;
  /** Letters with no response by the day. */
  readonly noResponse: number;
  /**
   * The latest response of every state not yet a party on the day. Group I leaves out the
   * states whose deposit is announced: they are `expectedSoon`.
   */
  readonly groups: {
    readonly I: { readonly count: number; readonly ratificationUnderWay: readonly Named[]; readonly wishesToSign: readonly Named[]; readonly countries: readonly Named[] };
    readonly II: { readonly count: number; readonly countries: readonly Named[] };
    readonly III: { readonly count: number; readonly countries: readonly Named[] };
  };
  readonly expectedSoon: readonly Named[];
  /** States that responded and have deposited since, by the day. */
  readonly joinedSince: readonly (Named & { readonly depositedOn: LocalDate })[];
  readonly obstacles: Readonly<Partial<Record<Obstacle, number>>>;
  readonly regionalInitiatives: readonly { readonly id: string; readonly subregion: string | null; readonly countries: readonly Iso3[]; readonly dueOn: LocalDate; readonly state: string }[];
  readonly followUps: Readonly<Record<Queue, { readonly open: number; readonly done: number; readonly retracted: number }>>;
  readonly byTreatyStatus: Readonly<Partial<Record<TreatyStatus, number>>>;
  readonly byRegion: Readonly<Record<string, number>>;
}

export interface CampaignPicture {
  readonly campaignId: string;
  readonly treaty: string;
  readonly title: string;
  readonly coordinators: readonly Iso3[];
  readonly startsOn: LocalDate;
  readonly asOf: LocalDate;
  readonly counts: CampaignCounts;
  readonly rows: readonly CampaignRow[];
  /** Letters delivered and responses received per week (weeks start on Monday), over the weeks with activity. */
  readonly weekly: readonly { readonly week: LocalDate; readonly letters: number; readonly responses: number }[];
}

const EMPTY: CountryFacts = { letters: [], meetings: [], responses: [] };
const byName = <T extends Named>(list: T[]) => list.sort((a, b) => a.name.localeCompare(b.name));
const tally = <K extends string>(keys: readonly K[]) => keys.reduce<Partial<Record<K, number>>>((acc, k) => ({ ...acc, [k]: (acc[k] ?? 0) + 1 }), {});

/** The latest response by the day: the newest day wins, and of one day the one recorded last. */
export function latestResponse(facts: CountryFacts, asOf: LocalDate): ResponseFacts | undefined {
  return facts.responses.filter((r) => r.receivedOn <= asOf).reduce<ResponseFacts | undefined>((best, r) => (!best || r.receivedOn >= best.receivedOn ? r : best), undefined);
}

/** The Monday of the week a day falls in. */
function weekOf(day: LocalDate): LocalDate {
  const weekday = (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7;
  return addDays(day, -weekday);
}

/**
 * The campaign on `asOf`. It covers the countries it recorded something about, and the countries
 * that were not yet parties when it started and that a mission of its coordinators covers.
 */
export function campaignPicture(campaign: CampaignFacts, missions: readonly MissionFacts[], states: ReadonlyMap<Iso3, StateFacts>, tasks: readonly TaskOnDay[], asOf: LocalDate): CampaignPicture {
  const missionById = new Map(missions.map((m) => [m.missionId, m]));
  const ownMissions = missions.filter((m) => campaign.coordinators.includes(m.coordinator));
  const covered = new Set<Iso3>(Object.keys(campaign.countries));
  for (const m of ownMissions) {
    for (const iso3 of m.accreditedTo) {
      const state = states.get(iso3);
      if (state && statusOn(state.standing, campaign.startsOn) !== 'state-party' && !campaign.coordinators.includes(iso3)) covered.add(iso3);
    }
  }
  const kindOf = (missionId: string) => missionById.get(missionId)?.kind ?? null;
  const rows: CampaignRow[] = [];
  const lettersByMission = new Map<string, number>();
  const cosigners = new Set<Iso3>();
  const letterDays: LocalDate[] = [];
  const responseDays: LocalDate[] = [];
  for (const iso3 of covered) {
    const state = states.get(iso3);
    if (!state) continue;
    const facts = campaign.countries[iso3] ?? EMPTY;
    const letters = facts.letters.filter((l) => l.deliveredOn <= asOf).sort((a, b) => (a.deliveredOn < b.deliveredOn ? -1 : 1));
    const latest = latestResponse(facts, asOf);
    for (const l of letters) {
      lettersByMission.set(l.missionId, (lettersByMission.get(l.missionId) ?? 0) + 1);
      for (const c of l.cosignedBy ?? campaign.coordinators) cosigners.add(c);
      letterDays.push(l.deliveredOn);
    }
    responseDays.push(...facts.responses.filter((r) => r.receivedOn <= asOf).map((r) => r.receivedOn));
    const covering = ownMissions.filter((m) => m.accreditedTo.includes(iso3)).sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'resident' ? -1 : 1));
    const missionId = letters[0]?.missionId ?? latest?.missionId ?? covering[0]?.missionId;
    const { missionId: _, ...response } = latest ?? ({} as ResponseFacts);
    rows.push({
      iso3,
      name: state.name,
      region: state.region,
      subregion: state.subregion,
      mission: missionId ? { missionId, kind: kindOf(missionId) } : null,
      letterOn: letters[0]?.deliveredOn ?? null,
      letters: letters.length,
      meetings: facts.meetings.filter((m) => m.heldOn <= asOf).length,
      response: latest ? (response as CampaignRow['response']) : null,
      statusAtStart: statusOn(state.standing, campaign.startsOn),
      status: statusOn(state.standing, asOf),
      openFollowUps: tasks
        .filter((t) => (t.status === 'open' || t.status === 'claimed') && t.countries.includes(iso3))
        .map((t) => ({ id: t.id, kind: t.kind, queue: t.queue, dueOn: t.dueOn, overdue: Boolean(t.overdue) }))
        .sort((a, b) => (a.dueOn < b.dueOn ? -1 : 1)),
    });
  }
  rows.sort((a, b) => a.name.localeCompare(b.name));

  const groups = { I: { count: 0, countries: [] as Named[], ratificationUnderWay: [] as Named[], wishesToSign: [] as Named[] }, II: { count: 0, countries: [] as Named[] }, III: { count: 0, countries: [] as Named[] } };
  const expectedSoon: Named[] = [];
  const joinedSince: (Named & { depositedOn: LocalDate })[] = [];
  const obstacles: Obstacle[] = [];
  for (const row of rows) {
    if (!row.response) continue;
    const named = { iso3: row.iso3, name: row.name };
    if (row.status === 'state-party') {
      const depositedOn = states.get(row.iso3)!.standing.depositedOn!;
      if (depositedOn >= row.response.receivedOn) joinedSince.push({ ...named, depositedOn });
      continue;
    }
    const { group, ratificationUnderWay, wishesToSign, depositAnnounced } = row.response;
    obstacles.push(...row.response.obstacles);
    if (group === 'I' && depositAnnounced) {
      expectedSoon.push(named);
      continue;
    }
    groups[group].count++;
    groups[group].countries.push(named);
    if (group === 'I' && ratificationUnderWay) groups.I.ratificationUnderWay.push(named);
    if (group === 'I' && wishesToSign) groups.I.wishesToSign.push(named);
  }

  const followUps = Object.fromEntries(QUEUES.map((q) => [q, { open: 0, done: 0, retracted: 0 }])) as Record<Queue, { open: number; done: number; retracted: number }>;
  for (const t of tasks) {
    const f = followUps[t.queue];
    if (t.status === 'open' || t.status === 'claimed') f.open++;
    else if (t.status === 'completed') f.done++;
    else f.retracted++;
  }
  const residentMissions = [...lettersByMission.keys()].filter((m) => kindOf(m) === 'resident').length;
  const weeks = new Map<LocalDate, { letters: number; responses: number }>();
  for (const d of letterDays) (weeks.get(weekOf(d)) ?? weeks.set(weekOf(d), { letters: 0, responses: 0 }).get(weekOf(d))!).letters++;
  for (const d of responseDays) (weeks.get(weekOf(d)) ?? weeks.set(weekOf(d), { letters: 0, responses: 0 }).get(weekOf(d))!).responses++;
  const weekly = fillWeeks(weeks);
  const sortedLetters = [...letterDays].sort();

  return {
    campaignId: campaign.campaignId,
    treaty: campaign.treaty,
    title: campaign.title,
    coordinators: campaign.coordinators,
    startsOn: campaign.startsOn,
    asOf,
    counts: {
      countries: rows.length,
      letters: {
        delivered: letterDays.length,
        states: rows.filter((r) => r.letters > 0).length,
        residentMissions,
        nonResidentContacts: lettersByMission.size - residentMissions,
        cosignedBy: [...cosigners].sort(),
        firstOn: sortedLetters[0] ?? null,
        lastOn: sortedLetters.at(-1) ?? null,
      },
      responded: rows.filter((r) => r.response).length,
      noResponse: rows.filter((r) => r.letters > 0 && !r.response).length,
      groups: { I: { ...groups.I, countries: byName(groups.I.countries), ratificationUnderWay: byName(groups.I.ratificationUnderWay), wishesToSign: byName(groups.I.wishesToSign) }, II: { ...groups.II, countries: byName(groups.II.countries) }, III: { ...groups.III, countries: byName(groups.III.countries) } },
      expectedSoon: byName(expectedSoon),
      joinedSince: byName(joinedSince),
      obstacles: Object.fromEntries(Object.entries(tally(obstacles)).sort(([a, x], [b, y]) => (y as number) - (x as number) || (a < b ? -1 : 1))),
      regionalInitiatives: tasks
        .filter((t) => t.queue === 'regional' && (t.status === 'open' || t.status === 'claimed'))
        .map((t) => ({ id: t.id, subregion: t.subregion ?? null, countries: t.countries, dueOn: t.dueOn, state: t.status }))
        .sort((a, b) => ((a.subregion ?? '') < (b.subregion ?? '') ? -1 : 1)),
      followUps,
      byTreatyStatus: tally(rows.map((r) => r.status)),
      byRegion: tally(rows.map((r) => r.region)) as Record<string, number>,
    },
    rows,
    weekly,
  };
}

/** Every week from the first with activity to the last, the quiet ones at zero. */
function fillWeeks(weeks: Map<LocalDate, { letters: number; responses: number }>) {
  const keys = [...weeks.keys()].sort();
  if (!keys.length) return [];
  const out: { week: LocalDate; letters: number; responses: number }[] = [];
  for (let week = keys[0]!; week <= keys.at(-1)!; week = addDays(week, 7)) out.push({ week, ...(weeks.get(week) ?? { letters: 0, responses: 0 }) });
  return out;
}
