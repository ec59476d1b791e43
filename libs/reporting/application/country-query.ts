import { Inject, Injectable } from '@nestjs/common';
import { notFound, toLocalDate, type Clock, type Iso3 } from '../../kernel/index.js';
import { READ_MODEL_STORE, withoutBookkeeping, type ReadModelStore } from '../../projections/index.js';
import { inForceOn, statusOn, TREATY_STATUSES, type TreatyCatalog, type TreatyStatus } from '../../treaty-status/index.js';
import { CLOCK, TREATIES } from '../../platform/runtime/tokens.js';
import { COUNTRIES, type CountryDoc } from './country-status.projection.js';

export interface CountryFilter {
  readonly treaty: string;
  readonly treatyStatus?: TreatyStatus;
  readonly group?: string;
  readonly region?: string;
  readonly subregion?: string;
}

/** A country as the API shows it for one treaty, today. */
export function countryView(doc: CountryDoc, treaty: string, today: string) {
  const record = doc.treaties[treaty];
  const standing = record?.standing ?? {};
  const campaigns = Object.entries(doc.campaigns).filter(([, c]) => c.treaty === treaty);
  // The freshest judgement across the treaty's campaigns is the country's group.
  const latest = campaigns.filter(([, c]) => c.group).sort(([, a], [, b]) => (a.assessedOn! < b.assessedOn! ? 1 : -1))[0]?.[1];
  return {
    iso3: doc.iso3,
    name: doc.name,
    region: doc.region,
    subregion: doc.subregion,
    treaty,
    treatyStatus: statusOn(standing, today),
    inForce: inForceOn(standing, today),
    signedOn: standing.signedOn ?? null,
    depositedOn: standing.depositedOn ?? null,
    depositType: standing.depositType ?? null,
    entryIntoForceOn: standing.entryIntoForceOn ?? null,
    withdrawalEffectiveOn: standing.withdrawalEffectiveOn ?? null,
    group: latest?.group ?? null,
    ratificationUnderWay: latest?.ratificationUnderWay ?? false,
    wishesToSign: latest?.wishesToSign ?? false,
    obstacles: latest?.obstacles ?? [],
    openFollowUps: Object.values(doc.followUps).filter((f) => f.treaty === treaty).sort((a, b) => (a.dueOn < b.dueOn ? -1 : 1)),
    campaigns: Object.fromEntries(campaigns.map(([id, c]) => [id, { ...c, treaty: undefined }])),
    provenance: record?.provenance ?? [],
  };
}

@Injectable()
export class CountryQuery {
  constructor(
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(TREATIES) private readonly treaties: TreatyCatalog,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async one(iso3: Iso3, treaty: string) {
    this.treaties.require(treaty);
    const doc = await this.readModels.get<CountryDoc>(COUNTRIES, iso3);
    if (!doc?.name) throw notFound('unknown-country', `${iso3} is not a state in Demarche's reference list.`, 'iso3');
    return countryView(withoutBookkeeping(doc), treaty, toLocalDate(this.clock.now()));
  }

  async list(filter: CountryFilter) {
    this.treaties.require(filter.treaty);
    const today = toLocalDate(this.clock.now());
    const docs = await this.readModels.find<CountryDoc>(COUNTRIES, {
      ...(filter.region ? { region: filter.region } : {}),
      ...(filter.subregion ? { subregion: filter.subregion } : {}),
    });
    return docs
      .filter((d) => d.name)
      .map((d) => countryView(withoutBookkeeping(d), filter.treaty, today))
      .filter((v) => (!filter.treatyStatus || v.treatyStatus === filter.treatyStatus) && (!filter.group || v.group === filter.group))
      .map(({ provenance, campaigns, ...summary }) => summary);
  }
}

export { TREATY_STATUSES };
