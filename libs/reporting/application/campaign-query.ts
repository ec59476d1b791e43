import { Inject, Injectable } from '@nestjs/common';
import { notFound, toLocalDate, type Clock } from '../../kernel/index.js';
import { READ_MODEL_STORE, withoutBookkeeping, type ReadModelStore } from '../../projections/index.js';
import { statusOn } from '../../treaty-status/index.js';
import { CLOCK } from '../../platform/runtime/tokens.js';
import { CAMPAIGNS, type CampaignDoc } from './campaign-summary.projection.js';
import { COUNTRIES, type CountryDoc } from './country-status.projection.js';

const tally = (values: readonly string[]) => values.reduce<Record<string, number>>((acc, v) => ({ ...acc, [v]: (acc[v] ?? 0) + 1 }), {});

/** A campaign's summary: the approached countries counted by treaty status, group, obstacle and region, today. */
@Injectable()
export class CampaignQuery {
  constructor(
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async summary(campaignId: string) {
    const doc = await this.readModels.get<CampaignDoc>(CAMPAIGNS, campaignId);
    if (!doc?.treaty) throw notFound('unknown-campaign', `There is no campaign "${campaignId}".`, 'id');
    const { countries, ...campaign } = withoutBookkeeping(doc);
    const today = toLocalDate(this.clock.now());
    const rows = await Promise.all(
      Object.entries(countries).map(async ([iso3, c]) => {
        const country = await this.readModels.get<CountryDoc>(COUNTRIES, iso3);
        return { ...c, region: country?.region ?? 'unknown', treatyStatus: statusOn(country?.treaties[doc.treaty!]?.standing ?? {}, today) };
      }),
    );
    return {
      ...campaign,
      countries: rows.length,
      lettersDelivered: rows.reduce((n, r) => n + r.letters, 0),
      responded: rows.filter((r) => r.responded).length,
      byTreatyStatus: tally(rows.map((r) => r.treatyStatus)),
      byGroup: tally(rows.map((r) => r.group ?? 'none')),
      byObstacle: tally(rows.flatMap((r) => r.obstacles)),
      byRegion: tally(rows.map((r) => r.region)),
    };
  }
}
