import type { Iso3, LocalDate } from '../../kernel/index.js';
import type { Obstacle, ResponseGroup } from '../../outreach/domain/index.js';
import { statusOn } from '../../treaty-status/domain/index.js';
import { followUpOn, type FollowUpState, QUEUES, type Queue } from '../../follow-ups/domain/index.js';
import type { FollowUpEvent } from '../../follow-ups/domain/index.js';
import type { CampaignPicture } from '../../reporting/domain/index.js';
import { changesBetween, counted, declarationsAt, groupsAt, standingAt, statusPicture, type StateHistory } from './history.js';

type Named = { readonly iso3: Iso3; readonly name: string };

/**
 * The stock-take a coordinator reads out at a meeting of States Parties: where the treaty
 * stands on a day, who joined since the last meeting, how the non-parties answered, and
 * what the coordinators are doing about it.
 */
export interface UniversalizationReport {
  readonly treaty: string;
  readonly asOf: LocalDate;
  readonly since: LocalDate | null;
  readonly totals: { statesParties: number; inForce: number; signatories: number; nonSignatories: number; withdrawn: number; states: number };
  readonly sinceLastMeeting: {
    readonly deposits: readonly (Named & { on: LocalDate; action: string })[];
    readonly signatures: readonly (Named & { on: LocalDate })[];
    readonly entriesIntoForce: readonly (Named & { on: LocalDate })[];
    readonly withdrawals: readonly (Named & { on: LocalDate })[];
  } | null;
  readonly signatoriesByRegion: Readonly<Record<string, readonly (Named & { signedOn: LocalDate })[]>>;
  /** The latest response of every state that is not a party on the day. */
  readonly responses: Readonly<Record<ResponseGroup, { count: number; countries: readonly Named[]; ratificationUnderWay?: readonly Named[]; wishesToSign?: readonly Named[] }>>;
  readonly obstaclesCited: Readonly<Partial<Record<Obstacle, number>>>;
  readonly regionalInitiatives: readonly { id: string; subregion: string | null; countries: readonly Iso3[]; state: string; dueOn: LocalDate }[];
  readonly followUps: Readonly<Record<Queue, { open: number; done: number; retracted: number }>>;
  /** The declarations the record holds for this treaty by the day (ATT: provisional application, no intention to ratify). */
  readonly declarations: readonly (Named & { declaration: string; on: LocalDate })[];
  /**
   * The states not party to this treaty on the day, by their standing in each other treaty
   * Demarche holds: a party to one convention is an obvious target for the next.
   */
  readonly nonPartiesElsewhere: Readonly<Record<string, { readonly statesParties: readonly Named[]; readonly signatories: readonly Named[] }>>;
  /** The one campaign the report was asked for, if any: its responses and follow-ups are the campaign's only. */
  readonly campaignId: string | null;
  /** What each campaign of the treaty did by the report's day, as its coordinators tell it. */
  readonly campaigns: readonly CampaignSection[];
}

/** A campaign's part of the report: its counts on the report's day. */
export type CampaignSection = Omit<CampaignPicture, 'rows' | 'weekly'>;

/** Every follow-up as it stood at the end of `asOf` (events that happened by then, in order). */
/** Every follow-up as it stood at the end of `asOf`, from each task's events in order. */
export function followUpsAt(timelines: readonly (readonly FollowUpEvent[])[], asOf: LocalDate): NonNullable<FollowUpState>[] {
  return timelines.map((history) => followUpOn(history, asOf)).filter((t): t is NonNullable<FollowUpState> => t !== undefined);
}

export interface ReportScope {
  /** The last meeting of States Parties: what happened since is listed. */
  readonly since?: LocalDate;
  /** One campaign: the responses, obstacles and follow-ups are that campaign's. */
  readonly campaignId?: string;
  readonly campaigns?: readonly CampaignPicture[];
}

export function universalizationReport(
  histories: readonly StateHistory[],
  followUpTimelines: readonly (readonly FollowUpEvent[])[],
  treaty: string,
  asOf: LocalDate,
  scope: ReportScope = {},
): UniversalizationReport {
  const { since, campaignId } = scope;
  const at = { asOf };
  const picture = statusPicture(histories, treaty, at);
  const named = (h: Named): Named => ({ iso3: h.iso3, name: h.name });
  const byName = <T extends Named>(list: T[]) => list.sort((a, b) => a.name.localeCompare(b.name));

  let sinceLastMeeting: UniversalizationReport['sinceLastMeeting'] = null;
  if (since) {
    // "Since the last meeting": the day after it up to and including the report's day.
    const changes = changesBetween(histories, treaty, nextDay(since), asOf);
    const strip = <T extends Named & { on: LocalDate }>(list: readonly T[]) => list.map(({ iso3, name, on }) => ({ iso3, name, on }));
    sinceLastMeeting = {
      deposits: changes.deposits.map(({ iso3, name, on, action }) => ({ iso3, name, on, action })),
      signatures: strip(changes.signatures),
      entriesIntoForce: strip(changes.entriesIntoForce),
      withdrawals: strip(changes.withdrawals),
    };
  }

  const signatoriesByRegion: Record<string, (Named & { signedOn: LocalDate })[]> = {};
  const responses: Record<ResponseGroup, { count: number; countries: Named[]; ratificationUnderWay?: Named[]; wishesToSign?: Named[] }> = {
    I: { count: 0, countries: [], ratificationUnderWay: [], wishesToSign: [] },
    II: { count: 0, countries: [] },
    III: { count: 0, countries: [] },
  };
  const obstaclesCited: Partial<Record<Obstacle, number>> = {};
  const declarations: (Named & { declaration: string; on: LocalDate })[] = [];
  const others = [...new Set(histories.flatMap((h) => Object.keys(h.acts)))].filter((t) => t !== treaty).sort();
  const nonPartiesElsewhere: Record<string, { statesParties: Named[]; signatories: Named[] }> = Object.fromEntries(others.map((t) => [t, { statesParties: [], signatories: [] }]));
  for (const h of [...histories].sort((a, b) => a.name.localeCompare(b.name))) {
    if (!counted(h, at)) continue;
    for (const d of declarationsAt(h, treaty, at)) declarations.push({ ...named(h), declaration: d.declaration, on: d.on });
    const standing = standingAt(h, treaty, at);
    const status = statusOn(standing, asOf);
    if (status === 'signatory') (signatoriesByRegion[h.region] ??= []).push({ ...named(h), signedOn: standing.signedOn! });
    if (status === 'state-party') continue;
    for (const other of others) {
      const elsewhere = statusOn(standingAt(h, other, at), asOf);
      if (elsewhere === 'state-party') nonPartiesElsewhere[other]!.statesParties.push(named(h));
      if (elsewhere === 'signatory') nonPartiesElsewhere[other]!.signatories.push(named(h));
    }
    const [latest] = groupsAt(h, treaty, at).filter((m) => !campaignId || m.campaignId === campaignId);
    if (!latest) continue;
    const group = responses[latest.group];
    group.count++;
    group.countries.push(named(h));
    if (latest.ratificationUnderWay) group.ratificationUnderWay?.push(named(h));
    if (latest.wishesToSign) group.wishesToSign?.push(named(h));
    for (const o of latest.obstacles) obstaclesCited[o] = (obstaclesCited[o] ?? 0) + 1;
  }

  const tasks = followUpsAt(followUpTimelines, asOf).filter((t) => t.treaty === treaty && (!campaignId || t.campaignId === campaignId));
  const followUps = Object.fromEntries(QUEUES.map((q) => [q, { open: 0, done: 0, retracted: 0 }])) as Record<Queue, { open: number; done: number; retracted: number }>;
  for (const t of tasks) {
    const tally = followUps[t.queue];
    if (t.status === 'open' || t.status === 'claimed') tally.open++;
    else if (t.status === 'completed') tally.done++;
    else tally.retracted++;
  }
  const regionalInitiatives = tasks
    .filter((t) => t.queue === 'regional' && (t.status === 'open' || t.status === 'claimed'))
    .map((t) => ({ id: t.followUpId, subregion: t.subregion ?? null, countries: t.countries, state: t.status, dueOn: t.dueOn }))
    .sort((a, b) => ((a.subregion ?? '') < (b.subregion ?? '') ? -1 : 1));

  Object.values(signatoriesByRegion).forEach(byName);
  return {
    treaty,
    asOf,
    since: since ?? null,
    totals: { statesParties: picture.statesParties, inForce: picture.inForce, signatories: picture.signatories, nonSignatories: picture.nonSignatories, withdrawn: picture.withdrawn, states: picture.states },
    sinceLastMeeting,
    signatoriesByRegion: Object.fromEntries(Object.entries(signatoriesByRegion).sort(([a], [b]) => (a < b ? -1 : 1))),
    responses,
    obstaclesCited: Object.fromEntries(Object.entries(obstaclesCited).sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))),
    regionalInitiatives,
    followUps,
    declarations: declarations.sort((a, b) => (a.on < b.on ? -1 : a.on > b.on ? 1 : a.name.localeCompare(b.name))),
    nonPartiesElsewhere,
    campaignId: campaignId ?? null,
    campaigns: (scope.campaigns ?? []).map(({ rows: _, weekly: __, ...section }) => section),
  };
}

function nextDay(date: LocalDate): LocalDate {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

const list = (items: readonly Named[]) => (items.length ? items.map((i) => i.name).join(', ') : 'none');

/** The report as Markdown, ready to read out or paste into a meeting document. */
export function renderReportMarkdown(r: UniversalizationReport): string {
  const lines: string[] = [];
  const t = r.totals;
  lines.push(`# ${r.treaty} universalization report — ${r.asOf}`, '');
  lines.push(`On ${r.asOf}, **${t.statesParties} States Parties** (instruments deposited), of which the convention is in force for ${t.inForce}; **${t.signatories} signatories** that have not ratified; **${t.nonSignatories} states** that have not joined${t.withdrawn ? `; ${t.withdrawn} former ${t.withdrawn === 1 ? 'party has' : 'parties have'} withdrawn` : ''}. ${t.states} states are counted.`, '');
  if (r.sinceLastMeeting) {
    const s = r.sinceLastMeeting;
    lines.push(`## Since ${r.since}`, '');
    lines.push(`- Joined: ${s.deposits.length ? s.deposits.map((d) => `${d.name} (${d.action}, ${d.on})`).join('; ') : 'none'}`);
    lines.push(`- Signed: ${s.signatures.length ? s.signatures.map((d) => `${d.name} (${d.on})`).join('; ') : 'none'}`);
    lines.push(`- Entered into force for: ${s.entriesIntoForce.length ? s.entriesIntoForce.map((d) => `${d.name} (${d.on})`).join('; ') : 'none'}`);
    lines.push(`- Withdrawals taking effect: ${s.withdrawals.length ? s.withdrawals.map((d) => `${d.name} (${d.on})`).join('; ') : 'none'}`, '');
  }
  lines.push('## Signatories by region', '');
  const regions = Object.entries(r.signatoriesByRegion);
  if (!regions.length) lines.push('None.');
  for (const [region, states] of regions) lines.push(`- **${region}** (${states.length}): ${list(states)}`);
  lines.push('', '## Responses of states not yet party', '');
  lines.push('| group | states | who |', '|---|---|---|');
  lines.push(`| I — joining soon | ${r.responses.I.count} | ${list(r.responses.I.countries)} |`);
  lines.push(`| II — obstacles named | ${r.responses.II.count} | ${list(r.responses.II.countries)} |`);
  lines.push(`| III — major change needed | ${r.responses.III.count} | ${list(r.responses.III.countries)} |`, '');
  lines.push(`Group I: ratification under way in ${list(r.responses.I.ratificationUnderWay ?? [])}; wishing to sign first: ${list(r.responses.I.wishesToSign ?? [])}.`, '');
  const obstacles = Object.entries(r.obstaclesCited);
  lines.push('## Obstacles cited', '', obstacles.length ? obstacles.map(([o, n]) => `- ${o}: ${n}`).join('\n') : 'None.', '');
  lines.push('## Regional initiatives forming', '');
  lines.push(r.regionalInitiatives.length ? r.regionalInitiatives.map((i) => `- ${i.subregion ?? 'unknown sub-region'}: ${i.countries.join(', ')} (due ${i.dueOn})`).join('\n') : 'None.', '');
  lines.push('## Follow-ups', '', '| queue | open | done | retracted |', '|---|---|---|---|');
  for (const [q, f] of Object.entries(r.followUps)) lines.push(`| ${q} | ${f.open} | ${f.done} | ${f.retracted} |`);
  if (r.declarations.length) {
    lines.push('', '## Declarations', '');
    for (const d of r.declarations) lines.push(`- ${d.name}: ${d.declaration.replace(/-/g, ' ')} (${d.on})`);
  }
  const elsewhere = Object.entries(r.nonPartiesElsewhere);
  if (elsewhere.length) {
    lines.push('', `## States not party to the ${r.treaty}, in the other treaties`, '');
    for (const [other, w] of elsewhere) lines.push(`- party to the ${other} (${w.statesParties.length}): ${list(w.statesParties)}`, `- signatory of the ${other} (${w.signatories.length}): ${list(w.signatories)}`);
  }
  for (const c of r.campaigns) lines.push('', ...campaignMarkdown(c));
  return lines.join('\n') + '\n';
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** A campaign's section, worded as its coordinators report it. */
function campaignMarkdown(c: CampaignSection): string[] {
  const k = c.counts;
  const l = k.letters;
  const lines = [`## Campaign: ${c.title} (${c.coordinators.join(', ')}), as of ${c.asOf}`, ''];
  if (l.delivered) {
    const window = l.firstOn === l.lastOn ? `on ${l.firstOn}` : `between ${l.firstOn} and ${l.lastOn}`;
    lines.push(
      `Through ${plural(l.residentMissions, 'resident mission')} and ${plural(l.nonResidentContacts, 'non-resident point of contact', 'non-resident points of contact')}, ` +
        `the coordinators delivered a joint letter${l.cosignedBy.length ? `, co-signed by ${l.cosignedBy.join(', ')},` : ''} to ${plural(l.states, 'state')} ${window}. ` +
        `${plural(k.responded, 'state')} responded; ${k.noResponse} had not responded by ${c.asOf}.`,
      '',
    );
  } else lines.push('No letter delivered yet.', '');
  const g = k.groups;
  lines.push('| group | states | who |', '|---|---|---|');
  lines.push(`| I — joining soon | ${g.I.count} | ${list(g.I.countries)} |`);
  lines.push(`| II — obstacles named | ${g.II.count} | ${list(g.II.countries)} |`);
  lines.push(`| III — major change needed | ${g.III.count} | ${list(g.III.countries)} |`, '');
  lines.push(`Group I: ratification under way in ${list(g.I.ratificationUnderWay)}; wishing to sign first: ${list(g.I.wishesToSign)}.`);
  if (k.expectedSoon.length) lines.push(`Expected to join soon, their deposit announced (not counted in Group I): ${list(k.expectedSoon)}.`);
  if (k.joinedSince.length) lines.push(`Joined since they responded: ${k.joinedSince.map((j) => `${j.name} (${j.depositedOn})`).join('; ')}.`);
  const obstacles = Object.entries(k.obstacles);
  lines.push('', `Obstacles cited: ${obstacles.length ? obstacles.map(([o, n]) => `${o} ${n}`).join(', ') : 'none'}.`, '');
  lines.push(`Regional initiatives forming: ${k.regionalInitiatives.length ? k.regionalInitiatives.map((i) => `${i.subregion ?? 'unknown sub-region'} (${i.countries.join(', ')})`).join('; ') : 'none'}.`, '');
  lines.push('| follow-ups | open | done | retracted |', '|---|---|---|---|');
  for (const [q, f] of Object.entries(k.followUps)) lines.push(`| ${q} | ${f.open} | ${f.done} | ${f.retracted} |`);
  return lines;
}
