import { Inject, Injectable } from '@nestjs/common';
import type { LocalDate, RecordedEvent } from '../../kernel/index.js';
import { EVENT_STORE, type EventStore } from '../../event-store/index.js';
import { FOLLOW_UP_EVENT_TYPES, type FollowUpEvent } from '../../follow-ups/index.js';
import type { TreatyCatalog } from '../../treaty-status/index.js';
import { TREATIES } from '../../platform/runtime/tokens.js';
import type { StateHistory } from '../domain/history.js';
import { universalizationReport, type UniversalizationReport } from '../domain/universalization-report.js';
import { HistoryQuery } from './history-query.js';
import { applyBatch, InMemoryReadModelStore, withoutBookkeeping, type Projection } from '../../projections/index.js';
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

export async function buildReport(histories: readonly StateHistory[], store: EventStore, treaty: string, asOf: LocalDate, since?: LocalDate): Promise<UniversalizationReport> {
  const followUps = (await readAllOfTypes(store, FOLLOW_UP_EVENT_TYPES)) as unknown as (FollowUpEvent & { streamId: string })[];
  return universalizationReport(histories, followUps, treaty, asOf, since);
}

@Injectable()
export class ReportQuery {
  constructor(
    private readonly history: HistoryQuery,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(TREATIES) private readonly treaties: TreatyCatalog,
  ) {}

  async universalization(treaty: string, asOf: LocalDate, since?: LocalDate): Promise<UniversalizationReport> {
    this.treaties.require(treaty);
    return buildReport(await this.history.histories(), this.store, treaty, asOf, since);
  }
}

/**
 * The dated histories rebuilt straight from the log (for the command line, which must not
 * depend on a server having kept its read models up to date).
 */
export async function historiesFromLog(store: EventStore): Promise<StateHistory[]> {
  return (await replayFromLog<StateHistory>(store, stateHistoryProjection, STATE_HISTORIES)).filter((h) => h.name);
}

/** One projection's documents, built in memory from the events it reads. */
export async function replayFromLog<T extends object>(store: EventStore, projection: Projection, collection: string): Promise<T[]> {
  const readModels = new InMemoryReadModelStore();
  const events = await readAllOfTypes(store, projection.handles);
  for (let i = 0; i < events.length; i += 1000) await applyBatch(projection, readModels, events.slice(i, i + 1000));
  return (await readModels.find<T>(collection)).map((d) => withoutBookkeeping(d));
}
