import type { RecordedEvent } from '../../kernel/index.js';
import {
  ConcurrencyError,
  pagesOfReadAll,
  type AppendOptions,
  type AppendResult,
  type EventQuery,
  type EventStore,
  type ExpectedVersion,
  type NewEvent,
} from '../application/event-store.port.js';
import { matchesQuery } from './event-query.js';

/** The event store for unit tests and what-if sandboxes: same contract, nothing on disk. */
export class InMemoryEventStore implements EventStore {
  private readonly events: RecordedEvent[] = [];
  private readonly streams = new Map<string, RecordedEvent[]>();
  private readonly commits = new Map<string, AppendResult>();
  private readonly eventIds = new Set<string>();
  private readonly listeners = new Set<() => void>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  async append(streamId: string, expected: ExpectedVersion, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    if (options.commitId && this.commits.has(options.commitId)) return this.commits.get(options.commitId)!;
    const actual = this.streams.get(streamId)?.length ?? 0;
    if (expected !== 'any' && expected !== actual) throw new ConcurrencyError(streamId, expected, actual);
    const duplicate = events.find((e) => this.eventIds.has(e.id));
    if (duplicate) throw new ConcurrencyError(streamId, expected, actual);
    const recordedAt = this.now().toISOString();
    const stored = events.map((e, i): RecordedEvent => ({
      id: e.id,
      type: e.type,
      schemaVersion: e.schemaVersion,
      streamId,
      streamVersion: actual + i + 1,
      position: this.events.length + i + 1,
      occurredAt: e.occurredAt,
      recordedAt,
      ...e.metadata,
      data: structuredClone(e.data),
    }));
    this.events.push(...stored);
    stored.forEach((e) => this.eventIds.add(e.id));
    const stream = this.streams.get(streamId) ?? [];
    stream.push(...stored);
    this.streams.set(streamId, stream);
    const result: AppendResult = { streamVersion: actual + events.length, eventIds: stored.map((e) => e.id), positions: stored.map((e) => e.position) };
    if (options.commitId) this.commits.set(options.commitId, result);
    if (stored.length) this.listeners.forEach((l) => l());
    return result;
  }

  async readStream(streamId: string): Promise<RecordedEvent[]> {
    return [...(this.streams.get(streamId) ?? [])];
  }

  async readAll(afterPosition: number, limit: number): Promise<RecordedEvent[]> {
    return this.events.slice(afterPosition, afterPosition + limit);
  }

  readAllPages(afterPosition: number, pageSize: number): AsyncIterable<RecordedEvent[]> {
    return pagesOfReadAll((after, limit) => this.readAll(after, limit), afterPosition, pageSize);
  }

  async query(query: EventQuery): Promise<RecordedEvent[]> {
    return this.events.filter((e) => matchesQuery(e, query)).slice(0, query.limit);
  }

  async headPosition(): Promise<number> {
    return this.events.length;
  }

  onAppended(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {}
}
