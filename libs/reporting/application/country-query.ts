import { Inject, Injectable } from '@nestjs/common';
import { notFound, toLocalDate, type Clock, type Iso3 } from '../../kernel/index.js';
import { READ_MODEL_STORE, withoutBookkeeping, type ReadModelStore } from '../../projections/index.js';
import { inForceOn, statusOn, TREATY_STATUSES, type TreatyCatalog, type TreatyStatus } from '../../treaty-status/index.js';
import { CLOCK } from '../../platform/runtime/tokens.js';
import { TREATIES } from '../../treaty-status/index.js';
import { COUNTRIES, COUNTRY_CAMPAIGNS, type CountryCampaignDoc, type CountryDoc } from './country-status.projection.js';

export interface CountryFilter {
  readonly treaty: string;
  readonly treatyStatus?: TreatyStatus;
  readonly group?: string;
  readonly region?: string;
  readonly subregion?: string;
}

/**
 * The freshest judgement first: by the date it holds since, then by when it was recorded
 * (two campaigns judging a country on the same day: the later word counts).
 */
const fresherFirst = (a: CountryCampaignDoc, b: CountryCampaignDoc) =>
  compare(b.assessedOn, a.assessedOn) || compare(b.groupProvenance?.recordedAt, a.groupProvenance?.recordedAt) || compare(a.campaignId, b.campaignId);
const compare = (a: string | undefined, b: string | undefined) => (a === b ? 0 : (a ?? '') < (b ?? '') ? -1 : 1);

/** A country as the API shows it for one treaty, today, from its document and its campaigns (any treaty's). */
export function countryView(doc: CountryDoc, countryCampaigns: readonly CountryCampaignDoc[], treaty: string, today: string) {
  const record = doc.treaties[treaty];
  const standing = record?.standing ?? {};
  const campaigns = countryCampaigns.filter((c) => c.treaty === treaty);
  // The freshest judgement across the treaty's campaigns is the country's group.
  const latest = campaigns.filter((c) => c.group).sort(fresherFirst)[0];
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
    campaigns: Object.fromEntries(campaigns.map(({ id, iso3, campaignId, treaty: _, ...c }) => [campaignId, c])),
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
    const campaigns = await this.readModels.find<CountryCampaignDoc>(COUNTRY_CAMPAIGNS, { iso3, treaty });
    return countryView(withoutBookkeeping(doc), campaigns.map(withoutBookkeeping), treaty, toLocalDate(this.clock.now()));
  }

  async list(filter: CountryFilter) {
    this.treaties.require(filter.treaty);
    const today = toLocalDate(this.clock.now());
    const [docs, campaigns] = await Promise.all([
      this.readModels.find<CountryDoc>(COUNTRIES, {
        ...(filter.region ? { region: filter.region } : {}),
        ...(filter.subregion ? { subregion: filter.subregion } : {}),
      }),
      this.readModels.find<CountryCampaignDoc>(COUNTRY_CAMPAIGNS, { treaty: filter.treaty }),
    ]);
    const byCountry = new Map<string, CountryCampaignDoc[]>();
    for (const c of campaigns) {
      const list = byCountry.get(c.iso3);
      if (list) list.push(c);
      else byCountry.set(c.iso3, [c]);
    }
    return docs
      .filter((d) => d.name)
      .map((d) => countryView(withoutBookkeeping(d), byCountry.get(d.iso3) ?? [], filter.treaty, today))
      .filter((v) => (!filter.treatyStatus || v.treatyStatus === filter.treatyStatus) && (!filter.group || v.group === filter.group))
      .map(({ provenance, campaigns, ...summary }) => summary);
  }
}

export { TREATY_STATUSES };
