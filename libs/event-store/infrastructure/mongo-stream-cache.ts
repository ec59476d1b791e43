import type { RecordedEvent } from '../../kernel/index.js';
import type { ReadStreamOptions } from '../application/event-store.port.js';
import { eventsOf, sizeOf, type Collection, type CommitDoc } from './mongo-log-layout.js';

// What one process keeps of streams and of the commits at the head of the log. Commits are
// never changed or deleted, so what is kept can be behind the log but never wrong: a writer
// that trusts a stale stream head meets the unique (stream, version) index, and a stream
// kept is read on from its last version.

/** Stream heads remembered per process. */
const MAX_CACHED_HEADS = 50_000;
/** Events of recently read streams kept per process. */
const MAX_CACHED_STREAM_EVENTS = 50_000;
/** Events in the commits kept for readers at the head. */
const MAX_RECENT_EVENTS = 20_000;

/** The streams this process read or wrote lately: their heads, and their events. */
export class MongoStreamCache {
  /** The last version this process read or wrote per stream; it saves a read per command (the runner reads the stream just before). */
  private readonly heads = new Map<string, number>();
  /** Streams read lately, with every event in version order, oldest read first. */
  private readonly streams = new Map<string, RecordedEvent[]>();
  private streamEvents = 0;

  constructor(private readonly commits: Collection<CommitDoc>) {}

  /** The stream's head as last seen here, if it was. */
  head(streamId: string): number | undefined {
    return this.heads.get(streamId);
  }

  /** The stream's head as the server has it. */
  async readHead(streamId: string): Promise<number> {
    const head = (await this.commits.findOne({ streamId }, { sort: { firstVersion: -1 }, projection: { lastVersion: 1 } }))?.lastVersion ?? 0;
    this.remember(streamId, head);
    return head;
  }

  /**
   * A stream read before is read on from where it was: its next commit, if any, starts right
   * after the version read, and one equality on stream and first version asks for exactly
   * that (FerretDB decodes every commit a query returns).
   */
  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const cached = this.streams.get(streamId);
    if (cached && options.cached) {
      this.remember(streamId, cached.at(-1)!.streamVersion);
      return [...cached];
    }
    if (!cached) {
      const docs = await this.commits.find({ streamId }, { sort: { firstVersion: 1 } }).toArray();
      this.remember(streamId, docs.at(-1)?.lastVersion ?? 0);
      const events = docs.flatMap(eventsOf);
      if (docs.length) this.keepStream(streamId, events);
      return events;
    }
    for (let next = await this.commits.findOne({ streamId, firstVersion: cached.at(-1)!.streamVersion + 1 }); next; ) {
      this.extendStream(next);
      next = await this.commits.findOne({ streamId, firstVersion: next.lastVersion! + 1 });
    }
    const events = this.streams.get(streamId) ?? [];
    this.remember(streamId, events.at(-1)?.streamVersion ?? 0);
    return [...events];
  }

  /** Adds a commit to its stream's kept events, if they end right before it. */
  extendStream(doc: CommitDoc): void {
    const kept = this.streams.get(doc.streamId!);
    if (kept?.at(-1)?.streamVersion !== doc.firstVersion! - 1) return;
    this.keepStream(doc.streamId!, [...kept, ...eventsOf(doc)]);
  }

  remember(streamId: string, version: number): void {
    if ((this.heads.get(streamId) ?? -1) >= version) return;
    this.heads.delete(streamId);
    if (this.heads.size >= MAX_CACHED_HEADS) this.heads.delete(this.heads.keys().next().value!);
    this.heads.set(streamId, version);
  }

  /** Drops a head that an append found stale. */
  forgetHead(streamId: string): void {
    this.heads.delete(streamId);
  }

  /** Keeps a stream's events (frozen: readers share them) as the latest read, within MAX_CACHED_STREAM_EVENTS. */
  private keepStream(streamId: string, events: RecordedEvent[]): void {
    this.forgetStream(streamId);
    for (const e of events) deepFreeze(e);
    this.streams.set(streamId, events);
    this.streamEvents += events.length;
    for (const [oldest, kept] of this.streams) {
      if (this.streamEvents <= MAX_CACHED_STREAM_EVENTS || oldest === streamId) break;
      this.forgetStream(oldest, kept);
    }
  }

  private forgetStream(streamId: string, kept = this.streams.get(streamId)): void {
    if (!kept) return;
    this.streams.delete(streamId);
    this.streamEvents -= kept.length;
  }
}

/**
 * Commits this process wrote or read at the head lately, by first position: the readers at
 * the head in one process (the relay, the playbook) find them here instead of each asking
 * the server again.
 */
export class RecentCommits {
  private readonly commits = new Map<number, CommitDoc>();
  private events = 0;

  at(position: number): CommitDoc | undefined {
    return this.commits.get(position);
  }

  has(position: number): boolean {
    return this.commits.has(position);
  }

  /** Keeps commits within MAX_RECENT_EVENTS, oldest first out. */
  keep(docs: readonly CommitDoc[]): void {
    for (const doc of docs) {
      if (this.commits.has(doc._id)) continue;
      this.commits.set(doc._id, doc);
      this.events += sizeOf(doc);
    }
    for (const [id, doc] of this.commits) {
      if (this.events <= MAX_RECENT_EVENTS) break;
      this.commits.delete(id);
      this.events -= sizeOf(doc);
    }
  }
}

/** Freezes a value and everything in it, so that no reader can change what another will be given. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
