import { Inject, Injectable } from '@nestjs/common';
import { notFound, type Iso3, type LocalDate } from '../../kernel/index.js';
import { READ_MODEL_STORE, withoutBookkeeping, type ReadModelStore } from '../../projections/index.js';
import { statusOn, type TreatyCatalog } from '../../treaty-status/index.js';
import { TREATIES } from '../../treaty-status/index.js';
import {
  actsAt, boundAt, changesBetween, counted, declarationsAt, groupsAt, monthEnds, provenanceOf, standingAt, statesOn, statusMatrix, statusPicture, statusSeries, treatyStandingOnDay,
  type Provenance, type StateHistory, type TimePoint,
} from '../domain/history.js';
import { STATE_HISTORIES } from './state-history.projection.js';

/** A value and the fact it rests on (null when nothing recorded says it). */
export interface Sourced<T> {
  readonly value: T;
  readonly provenance: Provenance | null;
}

/** Answers the analysts' questions from the dated histories: the picture on a day, what changed, a dossier. */
@Injectable()
export class HistoryQuery {
  constructor(
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(TREATIES) private readonly treaties: TreatyCatalog,
  ) {}

  async histories(): Promise<StateHistory[]> {
    return (await this.readModels.find<StateHistory>(STATE_HISTORIES)).map((d) => withoutBookkeeping(d)).filter((h) => h.name);
  }

  async status(treaty: string, at: TimePoint) {
    this.treaties.require(treaty);
    return statusPicture(await this.histories(), treaty, at);
  }

  /** Every state counted on the day, with its status and response group (for a map). */
  async states(treaty: string, at: TimePoint) {
    this.treaties.require(treaty);
    const items = statesOn(await this.histories(), treaty, at);
    return { treaty, asOf: at.asOf, ...(at.knownAt ? { knownAt: at.knownAt } : {}), items, count: items.length };
  }

  /** The counts at every month end from `from` to `to` (and on `to`). */
  async series(treaty: string, from: LocalDate, to: LocalDate, knownAt?: string) {
    this.treaties.require(treaty);
    const items = statusSeries(await this.histories(), treaty, monthEnds(from, to), knownAt);
    return { treaty, from, to, ...(knownAt ? { knownAt } : {}), items };
  }

  async changes(treaty: string, from: LocalDate, to: LocalDate, knownAt?: string) {
    this.treaties.require(treaty);
    return changesBetween(await this.histories(), treaty, from, to, knownAt);
  }

  /** Every state counted on the day x every treaty Demarche knows. */
  async matrix(at: TimePoint) {
    return statusMatrix(await this.histories(), this.treaties.codes().sort(), at);
  }

  /** One country's standing in every treaty on a day, each with the acts it rests on. */
  async acrossTreaties(iso3: Iso3, at: TimePoint) {
    const h = await this.history(iso3);
    return {
      iso3: h.iso3,
      name: h.name,
      asOf: at.asOf,
      ...(at.knownAt ? { knownAt: at.knownAt } : {}),
      counted: counted(h, at),
      treaties: this.treaties.all().sort((a, b) => (a.code < b.code ? -1 : 1)).map((t) => ({ title: t.title, ...treatyStandingOnDay(h, t.code, at) })),
    };
  }

  private async history(iso3: Iso3): Promise<StateHistory> {
    const doc = await this.readModels.get<StateHistory>(STATE_HISTORIES, iso3);
    if (!doc?.name) throw notFound('unknown-country', `${iso3} is not a state in Demarche's reference list.`, 'iso3');
    return withoutBookkeeping(doc);
  }

  /** One country on a day, every field with the event it rests on. */
  async dossier(iso3: Iso3, treaty: string, at: TimePoint) {
    this.treaties.require(treaty);
    const h = await this.history(iso3);
    const acts = actsAt(h, treaty, at);
    const standing = standingAt(h, treaty, at);
    const last = (pick: (a: (typeof acts)[number]) => boolean) => {
      const act = [...acts].reverse().find(pick);
      return act ? provenanceOf(act) : null;
    };
    const sourced = <T>(value: T, provenance: Provenance | null): Sourced<T> => ({ value, provenance });
    const status = statusOn(standing, at.asOf);
    const [group] = groupsAt(h, treaty, at);
    const depositProvenance = last((a) => a.on === standing.depositedOn && a.action !== 'signature' && a.action !== 'withdrawal');
    return {
      iso3: h.iso3,
      treaty,
      asOf: at.asOf,
      ...(at.knownAt ? { knownAt: at.knownAt } : {}),
      counted: counted(h, at),
      name: sourced(h.name, provenanceOf(h.registered)),
      region: sourced(h.region, provenanceOf(h.registered)),
      subregion: sourced(h.subregion, provenanceOf(h.registered)),
      treatyStatus: sourced(status, acts.length ? provenanceOf(acts[acts.length - 1]!) : null),
      inForce: sourced(boundAt(h, treaty, at), standing.entryIntoForceOn ? depositProvenance : null),
      signedOn: sourced(standing.signedOn ?? null, last((a) => a.action === 'signature')),
      depositedOn: sourced(standing.depositedOn ?? null, depositProvenance),
      depositType: sourced(standing.depositType ?? null, depositProvenance),
      entryIntoForceOn: sourced(standing.entryIntoForceOn ?? null, standing.entryIntoForceOn ? depositProvenance : null),
      withdrawalNotifiedOn: sourced(standing.withdrawalNotifiedOn ?? null, last((a) => a.action === 'withdrawal')),
      withdrawalEffectiveOn: sourced(standing.withdrawalEffectiveOn ?? null, last((a) => a.action === 'withdrawal')),
      withdrawalSuspended: sourced(standing.withdrawalSuspended ?? null, standing.withdrawalSuspended ? last((a) => a.action === 'withdrawal') : null),
      declarations: declarationsAt(h, treaty, at).map((d) => ({ declaration: d.declaration, on: d.on, provenance: provenanceOf(d) })),
      group: sourced(group?.group ?? null, group ? provenanceOf(group) : null),
      ratificationUnderWay: sourced(group?.ratificationUnderWay ?? false, group ? provenanceOf(group) : null),
      wishesToSign: sourced(group?.wishesToSign ?? false, group ? provenanceOf(group) : null),
      obstacles: sourced(group?.obstacles ?? [], group ? provenanceOf(group) : null),
      campaign: sourced(group?.campaignId ?? null, group ? provenanceOf(group) : null),
    };
  }
}
