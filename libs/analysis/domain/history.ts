import type { Iso3, LocalDate } from '../../kernel/index.js';
import type { Obstacle, ResponseGroup } from '../../outreach/domain/index.js';
import { applyAct, inForceOn, isDeposit, statusOn, type TreatyAction, type TreatyDeclarationKind, type TreatyStanding, type TreatyStatus } from '../../treaty-status/domain/index.js';

/**
 * Where a fact comes from: the event that recorded it, who or what reported it, when it
 * happened in the world and when Demarche learned it.
 */
export interface Provenance {
  readonly eventId: string;
  readonly type: string;
  readonly actor: string;
  readonly source?: string;
  readonly occurredAt: string;
  readonly recordedAt: string;
}

/** A treaty act as history keeps it: the act and its provenance. */
export interface RecordedAct extends Provenance {
  readonly action: TreatyAction;
  readonly on: LocalDate;
  readonly effectiveOn?: LocalDate;
  readonly entryIntoForceOn?: LocalDate;
  readonly effectSuspended?: 'armed-conflict';
}

/** A declaration as history keeps it (provisional application, no intention to ratify). */
export interface RecordedDeclaration extends Provenance {
  readonly declaration: TreatyDeclarationKind;
  readonly on: LocalDate;
}

/** A change of a country's response group in a campaign. */
export interface GroupMove extends Provenance {
  readonly campaignId: string;
  readonly treaty: string;
  readonly group: ResponseGroup;
  readonly previousGroup?: ResponseGroup;
  readonly ratificationUnderWay: boolean;
  readonly wishesToSign: boolean;
  readonly obstacles: readonly Obstacle[];
  readonly since: LocalDate;
}

/** A state's whole history, as the analysts' read model keeps it. */
export interface StateHistory {
  readonly iso3: Iso3;
  readonly name: string;
  readonly region: string;
  readonly subregion: string;
  readonly since?: LocalDate;
  readonly registered: Provenance;
  readonly acts: Readonly<Record<string, readonly RecordedAct[]>>;
  /** Per treaty; absent in documents that never saw one. */
  readonly declarations?: Readonly<Record<string, readonly RecordedDeclaration[]>>;
  readonly moves: readonly GroupMove[];
}

/**
 * The two time axes. `asOf`: the world on that day. `knownAt`: only what Demarche had
 * recorded by the end of that day (or by that instant), so "status on 30 June as we knew
 * it on 15 July" is answerable.
 */
export interface TimePoint {
  readonly asOf: LocalDate;
  readonly knownAt?: string;
}

/** Whether a fact recorded at `recordedAt` was known at `knownAt` (a day means its end). */
export function knownBy(recordedAt: string, knownAt: string | undefined): boolean {
  if (!knownAt) return true;
  return knownAt.length === 10 ? recordedAt.slice(0, 10) <= knownAt : recordedAt <= knownAt;
}

const byDay = (a: { on: LocalDate; recordedAt: string }, b: { on: LocalDate; recordedAt: string }) =>
  a.on < b.on ? -1 : a.on > b.on ? 1 : a.recordedAt < b.recordedAt ? -1 : 1;

/** The acts that had happened by `asOf` and were known at `knownAt`, in the order they happened. */
export function actsAt(history: StateHistory, treaty: string, at: TimePoint): RecordedAct[] {
  return (history.acts[treaty] ?? []).filter((a) => a.on <= at.asOf && knownBy(a.recordedAt, at.knownAt)).sort(byDay);
}

export function standingAt(history: StateHistory, treaty: string, at: TimePoint): TreatyStanding {
  return actsAt(history, treaty, at).reduce<TreatyStanding>(applyAct, {});
}

/**
 * Whether the treaty binds the state on the day, as the record dates it: a succession binds
 * from the day the successor took over (South Sudan, APMBC: its independence), though its
 * notification came later, so this reads every act known at `knownAt`, not only those made by `asOf`.
 */
export function boundAt(history: StateHistory, treaty: string, at: TimePoint): boolean {
  const known = (history.acts[treaty] ?? []).filter((a) => knownBy(a.recordedAt, at.knownAt)).sort(byDay);
  return inForceOn(known.reduce<TreatyStanding>(applyAct, {}), at.asOf);
}

/** Whether the state belongs to the universe counted on that day. */
export function counted(history: StateHistory, at: TimePoint): boolean {
  return (!history.since || history.since <= at.asOf) && knownBy(history.registered.recordedAt, at.knownAt);
}

export interface Tally {
  statesParties: number;
  signatories: number;
  nonSignatories: number;
}

export interface StatusPicture extends Tally {
  readonly treaty: string;
  readonly asOf: LocalDate;
  readonly knownAt?: string;
  /** States for which the treaty is in force that day (Article 17). */
  readonly inForce: number;
  /** Former parties whose withdrawal has taken effect. */
  readonly withdrawn: number;
  /** States counted that day (the dated universe). */
  readonly states: number;
  readonly byRegion: Record<string, Tally>;
  readonly bySubregion: Record<string, Tally>;
}

const emptyTally = (): Tally => ({ statesParties: 0, signatories: 0, nonSignatories: 0 });

function add(tally: Tally, status: TreatyStatus): void {
  if (status === 'state-party') tally.statesParties++;
  else if (status === 'signatory') tally.signatories++;
  else if (status === 'non-signatory') tally.nonSignatories++;
}

/**
 * The picture on a day. `statesParties` counts deposits on or before the day (the
 * community's headline convention) less withdrawals that have taken effect; `inForce`
 * counts states bound that day; a withdrawn state counts as neither party nor
 * non-signatory but as `withdrawn`.
 */
export function statusPicture(histories: readonly StateHistory[], treaty: string, at: TimePoint): StatusPicture {
  const total = emptyTally();
  const byRegion: Record<string, Tally> = {};
  const bySubregion: Record<string, Tally> = {};
  let inForce = 0;
  let withdrawn = 0;
  let states = 0;
  for (const h of histories) {
    if (!counted(h, at)) continue;
    states++;
    const standing = standingAt(h, treaty, at);
    const status = statusOn(standing, at.asOf);
    if (status === 'withdrawn') withdrawn++;
    if (boundAt(h, treaty, at)) inForce++;
    add(total, status);
    add((byRegion[h.region] ??= emptyTally()), status);
    add((bySubregion[h.subregion] ??= emptyTally()), status);
  }
  return { treaty, asOf: at.asOf, ...(at.knownAt ? { knownAt: at.knownAt } : {}), ...total, inForce, withdrawn, states, byRegion: sortKeys(byRegion), bySubregion: sortKeys(bySubregion) };
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
}

export interface DatedChange {
  readonly iso3: Iso3;
  readonly name: string;
  readonly region: string;
  readonly on: LocalDate;
  readonly provenance: Provenance;
}

export interface Changes {
  readonly treaty: string;
  readonly from: LocalDate;
  readonly to: LocalDate;
  readonly signatures: readonly DatedChange[];
  readonly deposits: readonly (DatedChange & { readonly action: TreatyAction })[];
  readonly entriesIntoForce: readonly DatedChange[];
  /** Withdrawals that took effect in the window (`notifiedOn` may be earlier). */
  readonly withdrawals: readonly (DatedChange & { readonly notifiedOn: LocalDate })[];
  readonly groupMoves: readonly (GroupMove & { readonly iso3: Iso3; readonly name: string })[];
}

/** What changed between two days, both included. */
export function changesBetween(histories: readonly StateHistory[], treaty: string, from: LocalDate, to: LocalDate, knownAt?: string): Changes {
  const within = (d: LocalDate | undefined): d is LocalDate => d !== undefined && d >= from && d <= to;
  const signatures: DatedChange[] = [];
  const deposits: (DatedChange & { action: TreatyAction })[] = [];
  const entriesIntoForce: DatedChange[] = [];
  const withdrawals: (DatedChange & { notifiedOn: LocalDate })[] = [];
  const groupMoves: (GroupMove & { iso3: Iso3; name: string })[] = [];
  for (const h of histories) {
    const who = { iso3: h.iso3, name: h.name, region: h.region };
    for (const act of (h.acts[treaty] ?? []).filter((a) => knownBy(a.recordedAt, knownAt))) {
      const provenance = provenanceOf(act);
      if (act.action === 'signature' && within(act.on)) signatures.push({ ...who, on: act.on, provenance });
      if (isDeposit(act.action)) {
        if (within(act.on)) deposits.push({ ...who, on: act.on, action: act.action, provenance });
        if (within(act.entryIntoForceOn)) entriesIntoForce.push({ ...who, on: act.entryIntoForceOn, provenance });
      }
      if (act.action === 'withdrawal' && within(act.effectiveOn)) withdrawals.push({ ...who, on: act.effectiveOn, notifiedOn: act.on, provenance });
    }
    for (const move of h.moves) if (move.treaty === treaty && within(move.since) && knownBy(move.recordedAt, knownAt)) groupMoves.push({ ...move, iso3: h.iso3, name: h.name });
  }
  const byDate = <T extends { on?: LocalDate; since?: LocalDate; iso3: Iso3 }>(a: T, b: T) => {
    const da = a.on ?? a.since!;
    const db = b.on ?? b.since!;
    return da < db ? -1 : da > db ? 1 : a.iso3 < b.iso3 ? -1 : 1;
  };
  return {
    treaty, from, to,
    signatures: signatures.sort(byDate), deposits: deposits.sort(byDate), entriesIntoForce: entriesIntoForce.sort(byDate),
    withdrawals: withdrawals.sort(byDate), groupMoves: groupMoves.sort(byDate),
  };
}

export function provenanceOf(p: Provenance): Provenance {
  const { eventId, type, actor, source, occurredAt, recordedAt } = p;
  return { eventId, type, actor, ...(source ? { source } : {}), occurredAt, recordedAt };
}

/** The latest group move per campaign of a treaty known on a day, newest first. */
export function groupsAt(history: StateHistory, treaty: string, at: TimePoint): GroupMove[] {
  const latest = new Map<string, GroupMove>();
  for (const m of history.moves) {
    if (m.treaty !== treaty || m.since > at.asOf || !knownBy(m.recordedAt, at.knownAt)) continue;
    const current = latest.get(m.campaignId);
    if (!current || m.since > current.since || (m.since === current.since && m.recordedAt > current.recordedAt)) latest.set(m.campaignId, m);
  }
  return [...latest.values()].sort((a, b) => (a.since < b.since ? 1 : -1));
}

/** One state on a day, as a map or a breakdown by response group shows it. */
export interface StateOnDay {
  readonly iso3: Iso3;
  readonly name: string;
  readonly region: string;
  readonly subregion: string;
  readonly treatyStatus: TreatyStatus;
  /** Its response group in the latest campaign move known that day, if any. */
  readonly group: ResponseGroup | null;
}

/** Every state counted on a day, with its status and response group. */
export function statesOn(histories: readonly StateHistory[], treaty: string, at: TimePoint): StateOnDay[] {
  return histories
    .filter((h) => counted(h, at))
    .map((h) => {
      const [group] = groupsAt(h, treaty, at);
      return { iso3: h.iso3, name: h.name, region: h.region, subregion: h.subregion, treatyStatus: statusOn(standingAt(h, treaty, at), at.asOf), group: group?.group ?? null };
    })
    .sort((a, b) => (a.iso3 < b.iso3 ? -1 : 1));
}

/** The last day of every month from `from`'s month to `to`'s, then `to` itself if it is not a month end. */
export function monthEnds(from: LocalDate, to: LocalDate): LocalDate[] {
  const days: LocalDate[] = [];
  let [y, m] = [Number(from.slice(0, 4)), Number(from.slice(5, 7))];
  for (;;) {
    const last = new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10) as LocalDate;
    if (last >= to) break;
    days.push(last);
    [y, m] = m === 12 ? [y + 1, 1] : [y, m + 1];
  }
  return [...days, to];
}

/** The headline counts on each of `days`: the picture over time, replayed from the histories. */
export function statusSeries(histories: readonly StateHistory[], treaty: string, days: readonly LocalDate[], knownAt?: string) {
  return days.map((asOf) => {
    const { statesParties, signatories, nonSignatories, inForce, withdrawn, states } = statusPicture(histories, treaty, { asOf, ...(knownAt ? { knownAt } : {}) });
    return { asOf, statesParties, signatories, nonSignatories, inForce, withdrawn, states };
  });
}

/** The declarations made by `asOf` and known at `knownAt`, in the order they were made. */
export function declarationsAt(history: StateHistory, treaty: string, at: TimePoint): RecordedDeclaration[] {
  return (history.declarations?.[treaty] ?? []).filter((d) => d.on <= at.asOf && knownBy(d.recordedAt, at.knownAt)).sort(byDay);
}

/** A state's standing in one treaty on a day, each date with the act it rests on. */
export interface TreatyStandingOnDay {
  readonly treaty: string;
  readonly treatyStatus: TreatyStatus;
  readonly inForce: boolean;
  readonly signedOn: LocalDate | null;
  readonly depositedOn: LocalDate | null;
  readonly depositType: TreatyAction | null;
  readonly entryIntoForceOn: LocalDate | null;
  readonly withdrawalNotifiedOn: LocalDate | null;
  readonly withdrawalEffectiveOn: LocalDate | null;
  readonly withdrawalSuspended: 'armed-conflict' | null;
  readonly declarations: readonly { readonly declaration: TreatyDeclarationKind; readonly on: LocalDate; readonly provenance: Provenance }[];
  /** The acts behind the standing, oldest first. */
  readonly provenance: readonly (Provenance & { readonly action: TreatyAction; readonly on: LocalDate })[];
}

export function treatyStandingOnDay(history: StateHistory, treaty: string, at: TimePoint): TreatyStandingOnDay {
  const acts = actsAt(history, treaty, at);
  const s = acts.reduce<TreatyStanding>(applyAct, {});
  return {
    treaty,
    treatyStatus: statusOn(s, at.asOf),
    inForce: boundAt(history, treaty, at),
    signedOn: s.signedOn ?? null,
    depositedOn: s.depositedOn ?? null,
    depositType: s.depositType ?? null,
    entryIntoForceOn: s.entryIntoForceOn ?? null,
    withdrawalNotifiedOn: s.withdrawalNotifiedOn ?? null,
    withdrawalEffectiveOn: s.withdrawalEffectiveOn ?? null,
    withdrawalSuspended: s.withdrawalSuspended ?? null,
    declarations: declarationsAt(history, treaty, at).map((d) => ({ declaration: d.declaration, on: d.on, provenance: provenanceOf(d) })),
    provenance: acts.map((a) => ({ action: a.action, on: a.on, ...provenanceOf(a) })),
  };
}

/** One row of the cross-treaty matrix: a state's status in each treaty on a day. */
export interface MatrixRow {
  readonly iso3: Iso3;
  readonly name: string;
  readonly region: string;
  readonly subregion: string;
  readonly treatyStatus: Readonly<Record<string, TreatyStatus>>;
  readonly inForce: Readonly<Record<string, boolean>>;
}

/** Every state counted on a day x every treaty, and each treaty's counts. */
export function statusMatrix(histories: readonly StateHistory[], treaties: readonly string[], at: TimePoint) {
  const items: MatrixRow[] = histories
    .filter((h) => counted(h, at))
    .sort((a, b) => (a.iso3 < b.iso3 ? -1 : 1))
    .map((h) => {
      const standings = treaties.map((t) => [t, standingAt(h, t, at)] as const);
      return {
        iso3: h.iso3, name: h.name, region: h.region, subregion: h.subregion,
        treatyStatus: Object.fromEntries(standings.map(([t, s]) => [t, statusOn(s, at.asOf)])),
        inForce: Object.fromEntries(treaties.map((t) => [t, boundAt(h, t, at)])),
      };
    });
  const totals = Object.fromEntries(
    treaties.map((t) => {
      const tally = { ...emptyTally(), withdrawn: 0, inForce: 0 };
      for (const row of items) {
        add(tally, row.treatyStatus[t]!);
        if (row.treatyStatus[t] === 'withdrawn') tally.withdrawn++;
        if (row.inForce[t]) tally.inForce++;
      }
      return [t, tally];
    }),
  );
  return { asOf: at.asOf, ...(at.knownAt ? { knownAt: at.knownAt } : {}), treaties, totals, items, count: items.length };
}
