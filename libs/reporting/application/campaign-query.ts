import { Inject, Injectable } from '@nestjs/common';
import { notFound, toLocalDate, type Clock, type Iso3, type LocalDate } from '../../kernel/index.js';
import { READ_MODEL_STORE, withoutBookkeeping, type ReadModelStore } from '../../projections/index.js';
import { FOLLOW_UPS, followUpViewOn, type FollowUpView } from '../../follow-ups/index.js';
import { CLOCK } from '../../platform/runtime/tokens.js';
import { campaignPicture, latestResponse, type CampaignFacts, type CampaignPicture, type MissionFacts, type StateFacts, type TaskOnDay } from '../domain/campaign-picture.js';
import { CAMPAIGNS, MISSIONS, type CampaignDoc } from './campaign-summary.projection.js';
import { COUNTRIES, type CountryDoc } from './country-status.projection.js';

const tally = (values: readonly string[]) => values.reduce<Record<string, number>>((acc, v) => ({ ...acc, [v]: (acc[v] ?? 0) + 1 }), {});

/** What a campaign picture is made of, wherever it is read from (the read models, or a replay of the log). */
export interface CampaignSources {
  readonly campaigns: readonly CampaignDoc[];
  readonly missions: readonly MissionFacts[];
  readonly countries: readonly CountryDoc[];
  readonly followUps: readonly FollowUpView[];
}

/** The campaign on a day, from its sources; undefined for a campaign never launched. */
export function pictureFrom(sources: CampaignSources, campaignId: string, asOf: LocalDate): CampaignPicture | undefined {
  const doc = sources.campaigns.find((c) => c.campaignId === campaignId);
  if (!doc?.treaty || !doc.startsOn) return undefined;
  const campaign = doc as CampaignDoc & CampaignFacts;
  const states = new Map<Iso3, StateFacts>(
    sources.countries.filter((c) => c.name).map((c) => [c.iso3, { iso3: c.iso3, name: c.name!, region: c.region ?? '', subregion: c.subregion ?? '', standing: c.treaties[campaign.treaty]?.standing ?? {} }]),
  );
  const tasks = sources.followUps
    .filter((f) => f.campaignId === campaignId)
    .map((f) => followUpViewOn(f, asOf))
    .filter((f): f is FollowUpView => f !== undefined);
  return campaignPicture(campaign, sources.missions, states, tasks as TaskOnDay[], asOf);
}

/** A campaign's page and summary: every country it covers, and the counts, on a day (default today). */
@Injectable()
export class CampaignQuery {
  constructor(
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** The campaigns launched, of one treaty or all, by the day they start: what a picker offers. */
  async list(treaty?: string) {
    const docs = await this.readModels.find<CampaignDoc>(CAMPAIGNS, treaty ? { treaty } : {});
    return docs
      .filter((d): d is CampaignDoc & Omit<CampaignFacts, 'countries'> => Boolean(d.treaty && d.startsOn))
      .map(({ campaignId, treaty: code, title, coordinators, startsOn, lastActivityOn, countries }) => ({ id: campaignId, treaty: code, title, coordinators, startsOn, lastActivityOn: lastActivityOn ?? null, approached: Object.keys(countries).length }))
      .sort((a, b) => (a.startsOn === b.startsOn ? a.id.localeCompare(b.id) : a.startsOn < b.startsOn ? 1 : -1));
  }

  async picture(campaignId: string, asOf?: LocalDate): Promise<CampaignPicture> {
    const doc = await this.readModels.get<CampaignDoc>(CAMPAIGNS, campaignId);
    const [missions, countries, followUps] = doc?.treaty
      ? await Promise.all([this.readModels.find<MissionFacts>(MISSIONS), this.readModels.find<CountryDoc>(COUNTRIES), this.readModels.find<FollowUpView>(FOLLOW_UPS, { campaignId })])
      : [[], [], []];
    const picture = doc && pictureFrom({ campaigns: [withoutBookkeeping(doc)], missions: missions.map(withoutBookkeeping), countries: countries.map(withoutBookkeeping), followUps }, campaignId, asOf ?? toLocalDate(this.clock.now()));
    if (!picture) throw notFound('unknown-campaign', `There is no campaign "${campaignId}".`, 'id');
    return picture;
  }

  /**
   * The counts of `picture`, with the campaign's own summary: the countries it approached (that
   * it recorded anything about) by treaty status, latest group, obstacle and region.
   */
  async summary(campaignId: string, asOf?: LocalDate) {
    const picture = await this.picture(campaignId, asOf);
    const doc = withoutBookkeeping((await this.readModels.get<CampaignDoc>(CAMPAIGNS, campaignId))!);
    const approached = picture.rows.filter((r) => doc.countries[r.iso3]);
    const latest = approached.map((r) => latestResponse(doc.countries[r.iso3]!, picture.asOf));
    const { rows: _, weekly: __, counts, ...campaign } = picture;
    return {
      ...campaign,
      lastActivityOn: doc.lastActivityOn ?? null,
      countries: approached.length,
      lettersDelivered: counts.letters.delivered,
      responded: counts.responded,
      byTreatyStatus: tally(approached.map((r) => r.status)),
      byGroup: tally(latest.map((r) => r?.group ?? 'none')),
      byObstacle: tally(latest.flatMap((r) => r?.obstacles ?? [])),
      byRegion: tally(approached.map((r) => r.region)),
      covered: counts.countries,
      letters: counts.letters,
      noResponse: counts.noResponse,
      groups: counts.groups,
      expectedSoon: counts.expectedSoon,
      joinedSince: counts.joinedSince,
      obstacles: counts.obstacles,
      regionalInitiatives: counts.regionalInitiatives,
      followUps: counts.followUps,
    };
  }
}
