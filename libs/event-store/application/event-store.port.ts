import type { EventMetadata, RecordedEvent } from '../../kernel/index.js';

/** DI token for the event store adapter of the running profile. */
export const EVENT_STORE = Symbol('EventStore');

/** An event ready to be stored: the store adds stream version, position and `recordedAt`. */
export interface NewEvent {
  readonly id: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly occurredAt: string;
  readonly data: unknown;
  readonly metadata: EventMetadata;
}

/**
 * What the writer believes the stream's version is: `0` for a stream that must not exist
 * yet, `n` for one whose last event is the n-th, or `'any'` for writers that do not care
 * (follow-up retractions racing with claims, say).
 */
export type ExpectedVersion = number | 'any';

/** The envelope fields every adapter stores for an event, with its payload as JSON text. */
export function storedFields(e: NewEvent, recordedAt: string) {
  return {
    id: e.id,
    type: e.type,
    schemaVersion: e.schemaVersion,
    occurredAt: e.occurredAt,
    recordedAt,
    actor: e.metadata.actor,
    correlationId: e.metadata.correlationId,
    causationId: e.metadata.causationId,
    data: JSON.stringify(e.data),
  };
}

export interface AppendOptions {
  /**
   * A caller-chosen id for this commit. Appending again with the same id returns the first
   * result and stores nothing: retried requests and re-run imports cannot double facts.
   */
  readonly commitId?: string;
}

export interface ReadStreamOptions {
  /**
   * The stream as this process last read or wrote it may do, without asking the server
   * whether more came since: for a writer whose append at the version read refuses a stale
   * answer anyway. Stores whose reads are local ignore it.
   */
  readonly cached?: boolean;
}

export interface AppendResult {
  readonly streamVersion: number;
  readonly eventIds: readonly string[];
  /** Global positions of the appended events (empty when nothing was appended). */
  readonly positions: readonly number[];
}

export interface EventQuery {
  readonly streamId?: string;
  readonly streamPrefix?: string;
  readonly types?: readonly string[];
  readonly afterPosition?: number;
  readonly limit: number;
  /** Events about this country: `data.iso3` or one of `data.countries`. */
  readonly country?: string;
  /** `data.campaignId` */
  readonly campaignId?: string;
  /** `data.missionId` */
  readonly missionId?: string;
  /** When it happened in the world, both ends included: a day (YYYY-MM-DD) or an instant. */
  readonly occurred?: TimeRange;
  /** When Demarche recorded it, both ends included: a day (all of it) or an instant. */
  readonly recorded?: TimeRange;
}

export interface TimeRange {
  readonly from?: string;
  readonly to?: string;
}

/** Whether a timestamp (a day or an instant) falls in a range whose ends may be days or instants. */
export function inTimeRange(value: string, range: TimeRange | undefined): boolean {
  if (!range) return true;
  const day = value.slice(0, 10);
  if (range.from !== undefined && (range.from.length === 10 ? day < range.from : value < range.from)) return false;
  if (range.to !== undefined && (range.to.length === 10 ? day > range.to : value > range.to)) return false;
  return true;
}

/** The fields by which analysts filter events, read from an event's payload. */
export function eventKeys(data: unknown): { countries: string[]; campaignId?: string; missionId?: string } {
  const d = (data ?? {}) as { iso3?: unknown; countries?: unknown; campaignId?: unknown; missionId?: unknown };
  const countries = [...(typeof d.iso3 === 'string' ? [d.iso3] : []), ...(Array.isArray(d.countries) ? d.countries.filter((c): c is string => typeof c === 'string') : [])];
  return {
    countries: [...new Set(countries)],
    ...(typeof d.campaignId === 'string' ? { campaignId: d.campaignId } : {}),
    ...(typeof d.missionId === 'string' ? { missionId: d.missionId } : {}),
  };
}

/**
 * The log of every fact. Streams are the units of consistency (one aggregate each); the
 * global order lets projectors, relays and analysts follow everything from a checkpoint.
 */
export interface EventStore {
  /** Appends atomically or not at all; a version mismatch throws {@link ConcurrencyError}. */
  append(streamId: string, expectedVersion: ExpectedVersion, events: readonly NewEvent[], options?: AppendOptions): Promise<AppendResult>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** Up to `limit` events after `afterPosition`, in global order, with no gaps skipped over. */
  readAll(afterPosition: number, limit: number): Promise<RecordedEvent[]>;
  /**
   * The log after `afterPosition` as successive pages of at most `pageSize` events, for
   * readers that go through a long stretch of it (replays, rebuilds, a relay that is behind):
   * a store may serve them all from one server cursor instead of one query per page.
   *
   * The same visibility rules as `readAll`: every page is what `readAll` could have returned
   * from the end of the previous one, so the iteration never passes a position that a commit
   * still on its way could fill. It ends at the end of the log as the store sees it (a page
   * may then be short), or before such a position; the caller polls again from the last event
   * it handled. Events appended while it runs may or may not be included. Stopping early
   * (`break`, `return()` of the iterator) or an error releases what the store holds for it.
   */
  readAllPages(afterPosition: number, pageSize: number): AsyncIterable<RecordedEvent[]>;
  query(query: EventQuery): Promise<RecordedEvent[]>;
  /** The position of the last stored event (0 when empty). */
  headPosition(): Promise<number>;
  /** Calls `listener` after each append in this process (a wake-up, not a delivery guarantee). */
  onAppended(listener: () => void): () => void;
  close(): Promise<void>;
}

/**
 * `readAllPages` for stores whose `readAll` is cheap per call (an index range from a position,
 * as on SQLite or in memory): page after page until one is short, i.e. the end of the log.
 */
export async function* pagesOfReadAll(
  readAll: (afterPosition: number, limit: number) => Promise<RecordedEvent[]>,
  afterPosition: number,
  pageSize: number,
): AsyncGenerator<RecordedEvent[]> {
  if (pageSize <= 0) return;
  for (let after = afterPosition; ; ) {
    const page = await readAll(after, pageSize);
    if (page.length) yield page;
    if (page.length < pageSize) return;
    after = page[page.length - 1]!.position;
  }
}

/**
 * The history after `afterPosition` that matches `filters`, page by page, for exports. Unfiltered,
 * it is the whole log: one `readAllPages` iteration, which a store may serve from one cursor.
 * Filtered, it pages through `query`, which a store can narrow by its indexes. Ends at the end
 * of what the store lets readers see, as `readAll` does.
 */
export async function* historyPages(store: EventStore, filters: Omit<EventQuery, 'limit' | 'afterPosition'>, afterPosition: number, pageSize: number): AsyncGenerator<RecordedEvent[]> {
  if (!Object.values(filters).some((f) => f !== undefined)) {
    yield* store.readAllPages(afterPosition, pageSize);
    return;
  }
  yield* pagesOfReadAll((after, limit) => store.query({ ...filters, afterPosition: after, limit }), afterPosition, pageSize);
}

export { ConcurrencyError } from '../../kernel/index.js';
