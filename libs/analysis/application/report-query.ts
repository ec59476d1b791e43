import { Inject, Injectable } from '@nestjs/common';
import type { LocalDate, RecordedEvent } from '../../kernel/index.js';
import type { EventStore } from '../../event-store/index.js';
import { FOLLOW_UPS, followUpQueueProjection, type FollowUpView } from '../../follow-ups/index.js';
import type { TreatyCatalog } from '../../treaty-status/index.js';
import { TREATIES } from '../../treaty-status/index.js';
import { CAMPAIGNS, campaignSummaryProjection, MISSIONS, type CampaignDoc, pictureFrom, type CampaignSources, COUNTRIES, countryStatusProjection, type CountryDoc } from '../../reporting/index.js';
import type { MissionFacts } from '../../reporting/index.js';
import type { StateHistory } from '../domain/history.js';
import { universalizationReport, type UniversalizationReport } from '../domain/universalization-report.js';
import { HistoryQuery } from './history-query.js';
import { applyBatch, InMemoryReadModelStore, READ_MODEL_STORE, withoutBookkeeping, type Projection, type ReadModelStore } from '../../projections/index.js';
import { STATE_HISTORIES, stateHistoryProjection } from './state-history.projection.js';

/** Reads every event of the given types, page by page. */
export async function readAllOfTypes(store: EventStore, types: readonly string[], pageSize = 5000): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  for (let after = 0; ; ) {
    const page = await store.query({ types, afterPosition: after, limit: pageSize });
    out.push(...page);
    if (page.length < pageSize) return out;
    after = page[page.length - 1]!.position;
  }
}

/** The report on a day: the treaty's totals from the histories, and each campaign of the treaty (or the one asked for). */
export function buildReport(histories: readonly StateHistory[], sources: CampaignSources, treaty: string, asOf: LocalDate, since?: LocalDate, campaignId?: string): UniversalizationReport {
  const campaigns = sources.campaigns
    .filter((c) => c.treaty === treaty && c.startsOn && c.startsOn <= asOf && (!campaignId || c.campaignId === campaignId))
    .map((c) => pictureFrom(sources, c.campaignId, asOf)!)
    .sort((a, b) => (a.startsOn < b.startsOn ? -1 : a.startsOn > b.startsOn ? 1 : a.campaignId < b.campaignId ? -1 : 1));
  const timelines = sources.followUps.map((f) => f.timeline);
  return universalizationReport(histories, timelines, treaty, asOf, { ...(since ? { since } : {}), ...(campaignId ? { campaignId } : {}), campaigns });
}

/** What the report reads, from the read models that serve the API. */
export async function campaignSourcesOf(readModels: ReadModelStore): Promise<CampaignSources> {
  const [campaigns, missions, countries, followUps] = await Promise.all([
    readModels.find<CampaignDoc>(CAMPAIGNS),
    readModels.find<MissionFacts>(MISSIONS),
    readModels.find<CountryDoc>(COUNTRIES),
    readModels.find<FollowUpView>(FOLLOW_UPS),
  ]);
  return { campaigns: campaigns.map(withoutBookkeeping), missions: missions.map(withoutBookkeeping), countries: countries.map(withoutBookkeeping), followUps: followUps.map(withoutBookkeeping) };
}

@Injectable()
export class ReportQuery {
  constructor(
    private readonly history: HistoryQuery,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(TREATIES) private readonly treaties: TreatyCatalog,
  ) {}

  async universalization(treaty: string, asOf: LocalDate, since?: LocalDate, campaignId?: string): Promise<UniversalizationReport> {
    this.treaties.require(treaty);
    return buildReport(await this.history.histories(), await campaignSourcesOf(this.readModels), treaty, asOf, since, campaignId);
  }
}

/**
 * The dated histories rebuilt straight from the log (for the command line, which must not
 * depend on a server having kept its read models up to date).
 */
export async function historiesFromLog(store: EventStore): Promise<StateHistory[]> {
  return (await replayFromLog<StateHistory>(store, stateHistoryProjection, STATE_HISTORIES)).filter((h) => h.name);
}

/** What the report reads, replayed straight from the log. */
export async function campaignSourcesFromLog(store: EventStore): Promise<CampaignSources> {
  const readModels = await replayAll(store, [campaignSummaryProjection, countryStatusProjection, followUpQueueProjection]);
  return campaignSourcesOf(readModels);
}

/** One projection's documents, built in memory from the events it reads. */
export async function replayFromLog<T extends object>(store: EventStore, projection: Projection, collection: string): Promise<T[]> {
  const readModels = await replayAll(store, [projection]);
  return (await readModels.find<T>(collection)).map((d) => withoutBookkeeping(d));
}

/** Projections built in memory from the events they read. */
async function replayAll(store: EventStore, projections: readonly Projection[]): Promise<ReadModelStore> {
  const readModels = new InMemoryReadModelStore();
  for (const projection of projections) {
    const events = await readAllOfTypes(store, projection.handles);
    for (let i = 0; i < events.length; i += 1000) await applyBatch(projection, readModels, events.slice(i, i + 1000));
  }
  return readModels;
}
