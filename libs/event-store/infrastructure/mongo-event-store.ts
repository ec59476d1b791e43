import { performance } from 'node:perf_hooks';
import { Logger } from '@nestjs/common';
import mongoose, { type Connection } from 'mongoose';
import type { RecordedEvent } from '../../kernel/index.js';
import { matchesQuery } from './event-query.js';
import { watchServerMonitors } from './mongo-monitor-watchdog.js';
import {
  ConcurrencyError,
  eventKeys,
  storedFields,
  type AppendOptions,
  type AppendResult,
  type EventQuery,
  type EventStore,
  type ExpectedVersion,
  type NewEvent,
} from '../application/event-store.port.js';

type Collection<T extends mongoose.mongo.Document> = mongoose.mongo.Collection<T>;
type Filter<T> = mongoose.mongo.Filter<T>;

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
const DEFAULT_GAP_TIMEOUT_MS = 3_000;
/** How often an append retries by itself when retrying cannot change its meaning (see `append`). */
const MAX_ATTEMPTS = 10;
/** Retries after losing positions to another writer (only FerretDB's non-atomic `$inc` does that). */
const MAX_ALLOCATIONS = 100;
const HEAD_SCAN_BATCH = 1_000;
const MAX_SCAN_BATCH = 500;
const PERSIST_EVERY_MS = 1_000;
/**
 * A reader at the head (within this many positions of the horizon) looks for the next commits
 * by equality, at most `WALK_STEPS` of them, before it opens a cursor (see `covered`).
 */
const WALK_NEAR_POSITIONS = 1_000;
const WALK_STEPS = 256;
/**
 * Commits are grouped by their first position into buckets of this many positions, so that a
 * reader at the head gets all the commits of a bucket with one equality (see `covered`).
 */
const WALK_BUCKET = 64;
const bucketOf = (position: number) => Math.floor((position - 1) / WALK_BUCKET);
/** Last positions of commits recently read, where a walk by `_id` may start (see `covered`). */
const MAX_KNOWN_BOUNDARIES = 4_096;
/** A reader that found nothing new by `_id` looks for a possible hole, in the background, at most this often. */
const MAX_RANGE_SCAN_INTERVAL_MS = 1_000;
/** ... past the position counter, bucket by bucket, at most this often (see `lookPast`) ... */
const SAFETY_SCAN_INTERVAL_MS = 30_000;
/** ... over this many buckets after the reader's ... */
const SAFETY_PROBE_BUCKETS = 16;
/** ... and with a range query over the whole log at most this often. */
const RANGE_SAFETY_SCAN_INTERVAL_MS = 600_000;
/** The server's error code for a cursor it no longer has (timed out, or killed). */
const CURSOR_NOT_FOUND = 43;
/** Stream heads remembered per process (see `heads`). */
const MAX_CACHED_HEADS = 50_000;

/**
 * Opens a mongoose connection that fails within `timeoutMs` instead of buffering forever,
 * with an error that names the server and says what to do. Shared by the Mongo adapters.
 */
export async function connectMongo(url: string, dbName: string, timeoutMs = DEFAULT_CONNECT_TIMEOUT_MS): Promise<Connection> {
  const connection = mongoose.createConnection(url, {
    dbName,
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
    // Polling heartbeats: with the streaming protocol (the default) the driver's monitor stayed
    // stuck after the server's connections dropped mid-heartbeat, and the process never saw the
    // server come back; polling finds it within a heartbeat (tests/e2e/observability.test.ts).
    serverMonitoringMode: 'poll',
    // `undefined` fields vanish, as they do in the JSON the other adapters store.
    ignoreUndefined: true,
  });
  try {
    await connection.asPromise();
  } catch (error) {
    await connection.close(true).catch(() => undefined);
    const where = redact(url);
    const reason = error instanceof Error ? error.message : String(error);
    const seconds = Math.round(timeoutMs / 100) / 10;
    const message =
      error instanceof Error && error.name === 'MongooseServerSelectionError'
        ? `MongoDB at ${where} did not answer within ${seconds} s (${reason}): start it (npm run infra:up, or docker compose up -d --wait) or set MONGO_URL to a server that runs.`
        : `Cannot connect to MongoDB at ${where} (${reason}): check MONGO_URL.`;
    throw new Error(message, { cause: error });
  }
  watchServerMonitors(connection.getClient(), { warn: (message) => driverLogger.warn(message) });
  return connection;
}

const driverLogger = new Logger('MongoDB');

/** The URL without its password, fit for error messages and logs. */
function redact(url: string): string {
  return url.replace(/^([a-z+]+:\/\/[^:@/]*):[^@/]*@/i, '$1:***@');
}

export const isDuplicateKey = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === 11000;

/** One event inside a commit document. `data` is JSON text: see the class comment. */
interface StoredEvent {
  id: string;
  type: string;
  schemaVersion: number;
  occurredAt: string;
  recordedAt: string;
  actor: string;
  correlationId: string;
  causationId: string;
  data: string;
  /** The analysts' filter keys, read from `data` when stored (see `eventKeys`). */
  countries?: string[];
  campaignId?: string;
  missionId?: string;
}

/**
 * One commit, or a tombstone: positions `_id`..`lastPosition` that hold no events (a writer
 * that failed after taking them, or a hole a reader declared abandoned).
 */
interface CommitDoc {
  _id: number;
  lastPosition: number;
  streamId?: string;
  firstVersion?: number;
  lastVersion?: number;
  commitId?: string;
  tombstone?: true;
  /** Set on tombstones written by readers for a hole nobody filled within the gap timeout. */
  abandoned?: true;
  /** `bucketOf(_id)`; missing on commits stored before buckets, which readers find by `_id`. */
  bucket?: number;
  events: StoredEvent[];
}

/** `{_id: 'events', next}`: the position counter; `{_id: 'readable', position}`: see `bootstrap`. */
interface CounterDoc {
  _id: string;
  /** The last position handed out. */
  next?: number;
  position?: number;
}

/** Claims a global position for whoever inserted it first (see the class comment). */
interface PositionDoc {
  _id: number;
}

/**
 * The k-th claim of an event id (`_id` = `${eventId}#${k}`), for the commit that starts at
 * `position`. A later claim is made only when the commit of the latest one can never land.
 */
interface EventIdDoc {
  _id: string;
  eventId: string;
  k: number;
  position: number;
}

/** How `covered` reads the commits. */
interface CoveredScan {
  /** Documents per query (`limit`), or per round trip of the one cursor (`batchSize`). */
  readonly batch: number;
  /** One cursor over everything after the start instead of one query of `batch` per round. */
  readonly oneCursor?: boolean;
  readonly projection?: mongoose.mongo.Document;
}

interface Hole {
  readonly from: number;
  /** The last position it may cover: what the counter had handed out, or the position before the next commit. */
  to: number;
  /** performance.now() when this instance first saw it. */
  readonly since: number;
  skipped: boolean;
}

export interface MongoEventStoreOptions {
  readonly now?: () => Date;
  /** How long a hole in the global order is waited for before it is skipped as abandoned. */
  readonly gapTimeoutMs?: number;
  /** Server selection timeout of `connect` (default 5 s). */
  readonly connectTimeoutMs?: number;
  /**
   * Test seam: called after an append took its positions and before it stores its commit,
   * to play a slow writer. Not for production use.
   */
  readonly afterAllocate?: (firstPosition: number, lastPosition: number) => Promise<void> | void;
}

class DuplicateEventId extends Error {
  constructor(readonly eventId: string) {
    super(`Event ${eventId} is already stored`);
  }
}

type Attempt = { readonly result: AppendResult } | { readonly conflict: 'version' | 'event' | 'fenced' | 'positions' };

const resultOf = (doc: CommitDoc): AppendResult => ({
  streamVersion: doc.lastVersion!,
  eventIds: doc.events.map((e) => e.id),
  positions: doc.events.map((_, i) => doc._id + i),
});

const toEvent = (doc: CommitDoc, e: StoredEvent, i: number): RecordedEvent => ({
  id: e.id,
  type: e.type,
  schemaVersion: e.schemaVersion,
  streamId: doc.streamId!,
  streamVersion: doc.firstVersion! + i,
  position: doc._id + i,
  occurredAt: e.occurredAt,
  recordedAt: e.recordedAt,
  actor: e.actor,
  correlationId: e.correlationId,
  causationId: e.causationId,
  data: JSON.parse(e.data),
});

/** Maximal runs of consecutive numbers in an ascending list, as [from, to] pairs. */
function runs(sorted: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const n of sorted) {
    const last = out[out.length - 1];
    if (last && n === last[1] + 1) last[1] = n;
    else out.push([n, n]);
  }
  return out;
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The distributed profile's event store on MongoDB (or FerretDB 1.x): no multi-document
 * transactions, so every guarantee rests on single-document atomicity and unique indexes.
 *
 * - `commits`: ONE document per append, `_id` = its first global position. A commit is
 *   atomic because it is one document. `bucket` groups commits by first position (64
 *   positions a bucket) so that a reader at the head reads on with equalities only, which
 *   FerretDB hands to PostgreSQL (see `covered`).
 * - Optimistic concurrency: the writer reads the stream head (the commit with the highest
 *   `firstVersion`), rejects a mismatch, and inserts with `firstVersion = head + 1` under a
 *   unique index on (streamId, firstVersion). Why that index suffices: a stream's commits
 *   partition its versions into contiguous ranges [1..v1], [v1+1..v2], ... Every writer
 *   starts its range right after a version it read as the head, which is always a range
 *   boundary (boundaries never go away: commits are never deleted). So a commit that would
 *   overlap an existing range starts at exactly that range's `firstVersion` and hits the
 *   index; one that does not collide starts right after the current head and keeps the
 *   ranges contiguous. No (streamId, version) index per event is needed. The index is sparse
 *   so tombstones (no streamId) stay out of it on real MongoDB, where missing fields would
 *   otherwise collide as nulls.
 * - Global positions: a block of n is taken from `counters` with `$inc` BEFORE the commit
 *   is inserted, so commits can land out of order or never (see `readAll` for how readers
 *   cope). FerretDB 1.24 on SQLite does not apply `$inc` atomically (it reads, then writes:
 *   concurrent increments are lost and two writers can get overlapping blocks), so a writer
 *   then claims each position of its block in `positions` (`_id` = position, unique by
 *   construction). It goes on only if it won every claim and its block lies after every
 *   commit that existed when it started (so a stream's versions and anything the writer
 *   could have read come earlier in the global order, as a working counter guarantees);
 *   otherwise it tombstones the positions it did win and takes a new block. On MongoDB
 *   neither check ever fails. Every document in `commits` covers positions its writer
 *   owns, and documents never overlap.
 * - Event ids: FerretDB 1.24 accepts a unique multikey index on `events.id` but does not
 *   enforce it across documents (tested), and on MongoDB the empty `events` of tombstones
 *   would collide in it. So each event id is claimed in `event_ids` by an insert, before
 *   the commit. Claims are never updated or deleted (FerretDB's updates are not atomic):
 *   a claim whose commit can never land (a tombstone holds its position) is superseded by
 *   inserting the next generation `${eventId}#${k + 1}`; two writers racing for it cannot
 *   both win.
 * - `commitId`: unique sparse index; a repeat returns the first commit's result.
 * - Event `data` is stored as JSON text: FerretDB rejects keys with `.` or a leading `$`
 *   and nested arrays, which event payloads may contain; text round-trips exactly like the
 *   SQLite adapter. Dates stay ISO strings.
 */
export class MongoEventStore implements EventStore {
  /** Holes this instance declared abandoned after `gapTimeoutMs` and skipped (a metric). */
  get skippedGaps(): number {
    return this.skipped;
  }

  private skipped = 0;
  private cursors = 0;
  private readonly listeners = new Set<() => void>();
  private readonly holes: Hole[] = [];
  /** Every position up to `position` is covered by a commit or tombstone; `lastEvent` is the last event among them. */
  private visible = { position: 0, lastEvent: 0 };
  private bootstrapped?: Promise<void>;
  /**
   * The last version this process read or wrote per stream. Commits are never deleted, so a
   * remembered head can only be behind, never ahead; an append that trusts a stale one
   * starts at a version another commit already starts at and hits the unique index, and the
   * conflict path reads the real head. This saves a read of the stream's commits per command
   * (the runner reads the stream just before): a round trip, and on a bare FerretDB (without
   * deploy/infra's equality indexes) a scan of the commits.
   */
  private readonly heads = new Map<string, number>();
  private persisted = 0;
  private persistedAt = -Infinity;
  /** When this instance last looked past the head, with a range query or at all, and whether it still is (see `lookPast`). */
  private rangeScannedAt = -Infinity;
  private probedAt = -Infinity;
  private lookedAt = -Infinity;
  private looking = false;
  /** Positions that end a commit, as last read: a reader there finds the next commit at `_id` = position + 1. */
  private readonly boundaries = new Set<number>();
  private readonly commits: Collection<CommitDoc>;
  private readonly counters: Collection<CounterDoc>;
  private readonly positions: Collection<PositionDoc>;
  private readonly eventIds: Collection<EventIdDoc>;
  private readonly now: () => Date;
  private readonly gapTimeoutMs: number;
  private readonly afterAllocate?: (first: number, last: number) => Promise<void> | void;
  /**
   * The appends of this process take their positions one after the other. On FerretDB,
   * whose `$inc` loses concurrent updates, concurrent appends were mostly handed the same
   * block, lost their claims to each other, tombstoned them and went to the slow path (a
   * scan of the claims), over and over: the fault test logged about 1,500 lost claims a
   * minute, and the playbook's appends starved behind the api's. Taking turns costs two round
   * trips per append; only appends of different processes can still collide.
   */
  private allocating: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly connection: Connection,
    options: MongoEventStoreOptions = {},
  ) {
    const db = connection.db;
    if (!db) throw new Error('MongoEventStore needs an open connection (await connectMongo(...) first).');
    this.commits = db.collection<CommitDoc>('commits');
    this.counters = db.collection<CounterDoc>('counters');
    this.positions = db.collection<PositionDoc>('positions');
    this.eventIds = db.collection<EventIdDoc>('event_ids');
    this.now = options.now ?? (() => new Date());
    this.gapTimeoutMs = options.gapTimeoutMs ?? DEFAULT_GAP_TIMEOUT_MS;
    this.afterAllocate = options.afterAllocate;
  }

  /** Connects (failing within `connectTimeoutMs`, 5 s by default) and makes sure the indexes exist. */
  static async connect(url: string, dbName: string, options: MongoEventStoreOptions = {}): Promise<MongoEventStore> {
    const connection = await connectMongo(url, dbName, options.connectTimeoutMs);
    const store = new MongoEventStore(connection, options);
    try {
      await store.ensureIndexes();
    } catch (error) {
      await connection.close(true).catch(() => undefined);
      throw error;
    }
    return store;
  }

  /** Idempotent; the unique indexes are what make appends safe, so `connect` calls it. */
  async ensureIndexes(): Promise<void> {
    await this.commits.createIndex({ streamId: 1, firstVersion: 1 }, { name: 'stream_version', unique: true, sparse: true });
    await this.commits.createIndex({ commitId: 1 }, { name: 'commit_id', unique: true, sparse: true });
    await this.commits.createIndex({ lastPosition: 1 }, { name: 'last_position' });
    await this.commits.createIndex({ bucket: 1 }, { name: 'bucket' });
    await this.commits.createIndex({ 'events.type': 1, lastPosition: 1 }, { name: 'event_type' });
    await this.eventIds.createIndex({ eventId: 1, k: -1 }, { name: 'event_id_claims' });
  }

  /**
   * Appends as one commit document. Retries by itself only where that cannot change what the
   * caller asked for: a lost race under `'any'`, or positions a reader fenced off because
   * this writer was too slow (the head is re-checked against `expected` each time).
   */
  async append(streamId: string, expected: ExpectedVersion, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const { commitId } = options;
    for (let attempt = 1, allocations = 0; ; ) {
      let head = this.heads.get(streamId) ?? (await this.streamHead(streamId));
      if (expected !== 'any' && expected !== head) {
        head = await this.streamHead(streamId);
        if (expected !== head) {
          // A retry of a commit that landed finds the head moved on: answer with the first result.
          const previous = commitId !== undefined ? await this.commits.findOne({ commitId }) : null;
          if (previous) return resultOf(previous);
          throw new ConcurrencyError(streamId, expected, head);
        }
      }
      if (!events.length) return { streamVersion: head, eventIds: [], positions: [] };
      if (new Set(events.map((e) => e.id)).size !== events.length) throw new ConcurrencyError(streamId, expected, head);
      const outcome = await this.tryCommit(streamId, head, events, commitId, allocations > 0);
      if ('result' in outcome) {
        this.remember(streamId, outcome.result.streamVersion);
        this.listeners.forEach((listener) => listener());
        return outcome.result;
      }
      this.heads.delete(streamId);
      if (outcome.conflict === 'positions' && ++allocations < MAX_ALLOCATIONS) continue;
      const retry = outcome.conflict === 'fenced' || (outcome.conflict === 'version' && expected === 'any');
      if (!retry || ++attempt > MAX_ATTEMPTS) throw new ConcurrencyError(streamId, expected, await this.streamHead(streamId));
    }
  }

  private async tryCommit(streamId: string, head: number, events: readonly NewEvent[], commitId: string | undefined, counterLags: boolean): Promise<Attempt> {
    // Everything stored before this append started (the stream's head included) must come
    // before it in the global order. A working `$inc` guarantees that; with FerretDB's, the
    // claims do: blocks always start at most one past the highest claimed position, so the
    // claimed positions are 1..top without a hole, every commit lies within them, and a block
    // whose every claim is won lies above all of them.
    const { first, last, won } = await this.oneAtATime(async () => {
      const last = await this.allocate(events.length, counterLags);
      const first = last - events.length + 1;
      return { first, last, won: await this.claimPositions(first, last) };
    });
    if (won.length !== events.length) {
      // Positions another writer holds (a counter that lost an update, or went back): give
      // back (tombstone) the positions we won, so readers need not wait for them, and take a
      // new block.
      for (const [from, to] of runs(won)) await this.cover(from, to);
      return { conflict: 'positions' };
    }
    await this.afterAllocate?.(first, last);
    const recordedAt = this.now().toISOString();
    const doc: CommitDoc = {
      _id: first,
      bucket: bucketOf(first),
      lastPosition: last,
      streamId,
      firstVersion: head + 1,
      lastVersion: head + events.length,
      ...(commitId !== undefined ? { commitId } : {}),
      events: events.map((e) => ({ ...storedFields(e, recordedAt), ...eventKeys(e.data) })),
    };
    try {
      await this.claimEventIds(doc.events.map((e) => e.id), first);
      await this.commits.insertOne(doc);
      return { result: resultOf(doc) };
    } catch (error) {
      const settled = await this.settle(doc, error);
      if (settled === 'committed') return { result: resultOf(doc) };
      if (error instanceof DuplicateEventId) return { conflict: 'event' };
      if (!isDuplicateKey(error)) throw error;
      if (settled === 'fenced') return { conflict: 'fenced' };
      if (commitId !== undefined) {
        const previous = await this.commits.findOne({ commitId });
        if (previous) return { result: resultOf(previous) };
      }
      return { conflict: 'version' };
    }
  }

  /**
   * After a failed commit insert (or event id claim), makes sure the commit's positions end
   * up covered so readers need not wait for them: a tombstone at the first position, which
   * also guarantees the commit can no longer land later (same `_id`). If that `_id` is
   * taken, it is either our own commit (the insert did land, e.g. the reply was lost) or a
   * reader's fence for a hole we were too slow to fill.
   */
  private async settle(doc: CommitDoc, cause: unknown): Promise<'committed' | 'aborted' | 'fenced'> {
    try {
      const there = await this.commits.findOne({ _id: doc._id }, { projection: { tombstone: 1 } });
      // We own this position, so a commit at it is ours.
      if (there && !there.tombstone) return 'committed';
      return (await this.cover(doc._id, doc.lastPosition)) ? 'fenced' : 'aborted';
    } catch (error) {
      // The server is unreachable: readers skip the hole after their gap timeout, fencing it
      // so this commit cannot land late; the event ids claimed stay recognisably stale.
      throw isDuplicateKey(cause) || cause instanceof DuplicateEventId ? error : cause;
    }
  }

  /**
   * Tombstones positions `from`..`to`, which this writer owns, as one document, stepping
   * over single positions readers fenced meanwhile (they fence in order, one position per
   * document). Returns whether it met such a fence.
   */
  private async cover(from: number, to: number): Promise<boolean> {
    let fenced = false;
    for (let position = from; position <= to; ) {
      try {
        await this.commits.insertOne({ _id: position, bucket: bucketOf(position), lastPosition: to, tombstone: true, events: [] });
        break;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        const there = await this.commits.findOne({ _id: position }, { projection: { lastPosition: 1 } });
        if (!there) throw error;
        fenced = true;
        position = there.lastPosition + 1;
      }
    }
    return fenced;
  }

  private oneAtATime<T>(work: () => Promise<T>): Promise<T> {
    const turn = this.allocating.then(work, work);
    this.allocating = turn.catch(() => undefined);
    return turn;
  }

  /** Claims positions `first`..`last`; returns the ones won. */
  private async claimPositions(first: number, last: number): Promise<number[]> {
    const wanted = Array.from({ length: last - first + 1 }, (_, i) => first + i);
    try {
      await this.positions.insertMany(wanted.map((p) => ({ _id: p })), { ordered: false });
      return wanted;
    } catch (error) {
      if (!(error instanceof mongoose.mongo.MongoBulkWriteError)) throw error;
      const failed = ([] as mongoose.mongo.WriteError[]).concat(error.writeErrors);
      if (!failed.length || failed.some((e) => e.code !== 11000)) throw error;
      const lost = new Set(failed.map((e) => e.index));
      return wanted.filter((_, i) => !lost.has(i));
    }
  }

  /** Claims every event id for the commit at `position`, or throws {@link DuplicateEventId}. */
  private async claimEventIds(ids: readonly string[], position: number): Promise<void> {
    try {
      await this.eventIds.insertMany(ids.map((eventId) => ({ _id: `${eventId}#0`, eventId, k: 0, position })), { ordered: false });
      return;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    for (const id of ids) await this.claimEventId(id, position);
  }

  private async claimEventId(eventId: string, position: number): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const latest = await this.eventIds.findOne({ eventId }, { sort: { k: -1 } });
      if (latest?.position === position) return; // ours: we own `position`
      if (latest) {
        // Superseded only if its commit can never land: a tombstone holds its position.
        const owner = await this.commits.findOne({ _id: latest.position }, { projection: { tombstone: 1 } });
        if (!owner?.tombstone) throw new DuplicateEventId(eventId);
      }
      const k = latest ? latest.k + 1 : 0;
      try {
        await this.eventIds.insertOne({ _id: `${eventId}#${k}`, eventId, k, position });
        return;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
    }
    throw new DuplicateEventId(eventId);
  }

  /**
   * Takes a block of n positions and returns its last. Normally one `$inc`. After losing
   * positions (FerretDB only: its `$inc` loses concurrent updates, so the counter lags
   * behind the positions already claimed) the next block starts right after the highest
   * claim instead, and the counter is pushed up to it (best effort) for the writers after.
   */
  private async allocate(n: number, counterLags = false): Promise<number> {
    if (counterLags) {
      const top = (await this.positions.findOne({}, { sort: { _id: -1 } }))?._id ?? 0;
      await this.counters.updateOne({ _id: 'events' }, { $max: { next: top + n } });
      return top + n;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const counter = await this.counters.findOneAndUpdate({ _id: 'events' }, { $inc: { next: n } }, { upsert: true, returnDocument: 'after' });
        if (counter?.next === undefined) throw new Error('The position counter was not returned by findOneAndUpdate');
        return counter.next;
      } catch (error) {
        // Two first-ever upserts can race on the counter's _id; the loser just tries again.
        if (isDuplicateKey(error) && attempt < 3) continue;
        throw error;
      }
    }
  }

  private async streamHead(streamId: string): Promise<number> {
    const head = (await this.commits.findOne({ streamId }, { sort: { firstVersion: -1 }, projection: { lastVersion: 1 } }))?.lastVersion ?? 0;
    this.remember(streamId, head);
    return head;
  }

  async readStream(streamId: string): Promise<RecordedEvent[]> {
    const docs = await this.commits.find({ streamId }, { sort: { firstVersion: 1 } }).toArray();
    this.remember(streamId, docs.at(-1)?.lastVersion ?? 0);
    return docs.flatMap((doc) => doc.events.map((e, i) => toEvent(doc, e, i)));
  }

  private remember(streamId: string, version: number): void {
    if ((this.heads.get(streamId) ?? -1) >= version) return;
    this.heads.delete(streamId);
    if (this.heads.size >= MAX_CACHED_HEADS) this.heads.delete(this.heads.keys().next().value!);
    this.heads.set(streamId, version);
  }

  /**
   * Events after `afterPosition` in position order, stopping before the first position that
   * is neither committed nor known never to be: positions are taken before commits land, so
   * a later position can be visible while an earlier one is still on its way.
   */
  async readAll(afterPosition: number, limit: number): Promise<RecordedEvent[]> {
    // Queries bounded by `limit`: a page costs one query whatever the log holds beyond it.
    for await (const page of this.pages(afterPosition, limit, false)) return page;
    return [];
  }

  /**
   * `readAll`'s pages through one server cursor: FerretDB answers every query by scanning
   * the commits, so paging with `readAll` would scan the log once per page.
   */
  readAllPages(afterPosition: number, pageSize: number): AsyncIterable<RecordedEvent[]> {
    return this.pages(afterPosition, pageSize, true);
  }

  /** Open server cursors of `readAll`, `readAllPages` and `headPosition` (a metric; tests check none leaks). */
  get openCursors(): number {
    return this.cursors;
  }

  private async *pages(afterPosition: number, pageSize: number, oneCursor: boolean): AsyncGenerator<RecordedEvent[]> {
    if (pageSize <= 0) return;
    let page: RecordedEvent[] = [];
    try {
      for await (const doc of this.covered(afterPosition, { batch: Math.min(pageSize, MAX_SCAN_BATCH), oneCursor })) {
        for (const [i, e] of doc.events.entries()) {
          if (doc._id + i <= afterPosition) continue;
          page.push(toEvent(doc, e, i));
          if (page.length < pageSize) continue;
          await this.persistVisible();
          yield page;
          page = [];
        }
      }
      if (page.length) yield page;
    } finally {
      await this.persistVisible();
    }
  }

  async query(query: EventQuery): Promise<RecordedEvent[]> {
    const after = query.afterPosition ?? 0;
    // Same horizon as readAll: a cursor taken from a query must not jump over a pending commit.
    await this.headPosition();
    const ceiling = this.visible.position;
    if (query.limit <= 0 || ceiling <= after) return [];
    const and: Filter<CommitDoc>[] = [{ lastPosition: { $gt: after, $lte: ceiling } }, { tombstone: { $ne: true } }];
    if (query.streamId !== undefined) and.push({ streamId: query.streamId });
    if (query.streamPrefix !== undefined) and.push({ streamId: { $regex: `^${escapeRegex(query.streamPrefix)}` } });
    const types = query.types?.length ? new Set(query.types) : undefined;
    if (types) and.push({ 'events.type': { $in: [...types] } });
    // Narrow the commits by the filter keys; each event is then checked exactly below.
    if (query.country !== undefined) and.push({ 'events.countries': query.country });
    if (query.campaignId !== undefined) and.push({ 'events.campaignId': query.campaignId });
    if (query.missionId !== undefined) and.push({ 'events.missionId': query.missionId });
    const exact = query.country !== undefined || query.campaignId !== undefined || query.missionId !== undefined || query.occurred !== undefined || query.recorded !== undefined;
    const out: RecordedEvent[] = [];
    const cursor = this.commits.find({ $and: and }, { sort: { lastPosition: 1 }, batchSize: Math.min(query.limit, MAX_SCAN_BATCH) });
    try {
      for await (const doc of cursor) {
        for (const [i, e] of doc.events.entries()) {
          if (doc._id + i <= after || (types && !types.has(e.type))) continue;
          const event = toEvent(doc, e, i);
          if (exact && !matchesQuery(event, query)) continue;
          out.push(event);
          if (out.length >= query.limit) return out;
        }
      }
    } finally {
      await cursor.close();
    }
    return out;
  }

  /** The last event readers may see: consistent with `readAll`, so never beyond a pending hole. */
  async headPosition(): Promise<number> {
    const scan = this.covered('horizon', { batch: HEAD_SCAN_BATCH, oneCursor: true, projection: { _id: 1, lastPosition: 1, tombstone: 1 } });
    // covered() advances this.visible as it goes.
    for await (const doc of scan) void doc;
    await this.persistVisible();
    return this.visible.lastEvent;
  }

  /**
   * The commits and tombstones after `from` (a position, or this instance's horizon) in
   * position order, as far as the positions are contiguous. At a hole it stops, unless the hole has been open for `gapTimeoutMs` (as
   * seen by this instance): then it fences the hole's first position with a tombstone, one
   * position at a time, and goes on. The fence is an insert at that `_id`, so it fails if
   * the late commit landed meanwhile (then it is read), and once it succeeds the late
   * commit can never land (its insert hits the same `_id`): no reader, in this process or
   * another, can ever see an event behind a position it has already passed. Fencing single
   * positions keeps documents from overlapping: an abandoned block may end where another,
   * still pending, block begins, and only its writer knows where.
   *
   * A reader at the head walks by equality first (see below). With `oneCursor` the rest is read
   * through one cursor (one scan on FerretDB) rather than one query per `batch`; stopping
   * early, by a hole or by the consumer, closes it.
   */
  private async *covered(from: number | 'horizon', scan: CoveredScan): AsyncGenerator<CommitDoc> {
    await (this.bootstrapped ??= this.bootstrap().catch((error: unknown) => {
      this.bootstrapped = undefined;
      throw error;
    }));
    const after = from === 'horizon' ? this.visible.position : from;
    let reached = after;
    let lastEvent = 0;
    const advance = (to: number, tombstone: boolean) => {
      reached = to;
      this.boundaries.add(to);
      if (this.boundaries.size > MAX_KNOWN_BOUNDARIES) this.boundaries.delete(this.boundaries.values().next().value!);
      if (!tombstone) lastEvent = to;
      // Positions up to `after` are covered if `after` was, and we cover the rest ourselves.
      if (after <= this.visible.position && reached > this.visible.position) {
        this.visible = { position: reached, lastEvent: Math.max(this.visible.lastEvent, lastEvent) };
        this.pruneHoles();
      }
    };
    const { batch, oneCursor = false, projection } = scan;
    // At the head, walk: the next commit starts at the position after the last one. FerretDB
    // hands an equality on a field to PostgreSQL, while a range with a sort makes it fetch and
    // decode every commit of the log, so a follower's poll would cost a scan of the whole
    // history. One equality on `bucket` brings every commit that starts in the next
    // WALK_BUCKET positions; one on `_id` finds a commit stored before buckets. Only a reader
    // that is behind (a replay, a catch-up) opens a cursor at once, and a walk that keeps
    // finding commits goes on with one.
    if ((reached === 0 || this.boundaries.has(reached)) && this.visible.position - reached <= WALK_NEAR_POSITIONS) {
      const found = new Map<number, CommitDoc>();
      let walked = 0;
      for (; walked < WALK_STEPS; walked++) {
        const want = reached + 1;
        if (!found.has(want)) {
          const docs = await this.commits.find({ bucket: bucketOf(want) }, projection ? { projection } : {}).toArray();
          for (const d of docs) found.set(d._id, d);
          if (!docs.length) {
            const old = await this.commits.findOne({ _id: want }, projection ? { projection } : {});
            if (old) found.set(old._id, old);
          }
        }
        const doc = found.get(want);
        if (!doc) {
          // Commits that start after the next position in its bucket: a hole, whose clock starts now.
          const beyond = Math.min(...[...found.keys()].filter((id) => id > want));
          if (Number.isFinite(beyond)) this.noteHole(want, beyond - 1);
          break;
        }
        advance(doc.lastPosition, doc.tombstone === true);
        yield doc;
      }
      if (walked < WALK_STEPS) {
        // Nothing at the next position: nothing new, or a commit still on its way, or a hole
        // a writer abandoned. None can be passed before its timeout, so the reader goes on at
        // once and a range query in the background looks whether commits wait behind it, to
        // start that hole's clock. Only an expired hole is worth a range query here: it fences.
        const hole = this.holeAt(reached + 1);
        if (!hole || performance.now() - hole.since < this.gapTimeoutMs) {
          this.lookPast(reached);
          return;
        }
      }
    }
    for (;;) {
      this.rangeScannedAt = performance.now();
      const cursor = this.commits.find(
        { lastPosition: { $gt: reached } },
        { sort: { lastPosition: 1 }, ...(oneCursor ? { batchSize: batch } : { limit: batch }), ...(projection ? { projection } : {}) },
      );
      this.cursors++;
      let seen = 0;
      // A late commit landed in a hole: the open cursor may not see it, so ask again from there.
      let lookAgain = false;
      try {
        docs: for await (const doc of cursor) {
          seen++;
          while (doc._id > reached + 1) {
            const hole = await this.passHole(reached + 1, doc._id - 1);
            if (hole === 'wait') return;
            if (hole === 'filled') {
              lookAgain = true;
              break docs;
            }
            advance(reached + 1, true);
          }
          advance(doc.lastPosition, doc.tombstone === true);
          yield doc;
        }
      } catch (error) {
        // The server dropped a cursor its reader left idle too long (a slow rebuild batch, say):
        // everything up to `reached` was read, so a new one goes on from there.
        if (!oneCursor || (error as { code?: unknown } | null)?.code !== CURSOR_NOT_FOUND) throw error;
        lookAgain = true;
      } finally {
        this.cursors--;
        await cursor.close();
      }
      if (!lookAgain && (oneCursor || seen < batch)) return;
    }
  }

  /**
   * In the background, at most every MAX_RANGE_SCAN_INTERVAL_MS: were positions after
   * `reached` handed out? Then they are a hole (a commit on its way, or one that never
   * comes) and its clock starts now (see `passHole`). Usually the position counter tells,
   * one small document. FerretDB's lossy `$inc` can take positions back from it, so every
   * SAFETY_SCAN_INTERVAL_MS the look asks the next SAFETY_PROBE_BUCKETS buckets instead,
   * one equality each, and every RANGE_SAFETY_SCAN_INTERVAL_MS it asks the whole log with a
   * range query, which FerretDB answers by decoding every commit (1.2 s at 20,000 events on
   * two cores; run every 30 s it stalled everyone's queries behind it). Commits stored
   * before buckets are found by that range query only. Best effort: a failure waits for the
   * next look.
   */
  private lookPast(reached: number): void {
    const now = performance.now();
    if (this.looking || now - this.lookedAt < Math.min(MAX_RANGE_SCAN_INTERVAL_MS, this.gapTimeoutMs / 2)) return;
    this.looking = true;
    this.lookedAt = now;
    const from = reached + 1;
    const look = async () => {
      if (now - this.rangeScannedAt >= Math.min(RANGE_SAFETY_SCAN_INTERVAL_MS, this.gapTimeoutMs * 100)) {
        this.rangeScannedAt = now;
        this.probedAt = now;
        const next = await this.commits.findOne({ lastPosition: { $gt: reached } }, { sort: { lastPosition: 1 }, projection: { _id: 1 } });
        if (next) this.noteHole(from, next._id - 1);
        return;
      }
      if (now - this.probedAt >= Math.min(SAFETY_SCAN_INTERVAL_MS, this.gapTimeoutMs * 10)) {
        this.probedAt = now;
        for (let bucket = bucketOf(from); bucket < bucketOf(from) + SAFETY_PROBE_BUCKETS; bucket++) {
          const ids = (await this.commits.find({ bucket }, { projection: { _id: 1 } }).toArray()).map((d) => d._id).filter((id) => id >= from);
          if (ids.length) return this.noteHole(from, Math.min(...ids) - 1);
        }
        return;
      }
      const counter = await this.counters.findOne({ _id: 'events' });
      if (counter?.next !== undefined) this.noteHole(from, counter.next);
    };
    void look()
      .catch(() => undefined)
      .finally(() => (this.looking = false));
  }

  /** Starts the clock of a hole from `from` to `to` (positions handed out, no commit seen), unless one is known there. */
  private noteHole(from: number, to: number): void {
    if (to >= from && !this.holeAt(from)) this.holes.push({ from, to, since: performance.now(), skipped: false });
  }

  /** The hole this instance knows that covers `position`, if any. */
  private holeAt(position: number): Hole | undefined {
    return this.holes.find((h) => h.from <= position && position <= h.to);
  }

  private async passHole(from: number, to: number): Promise<'wait' | 'filled' | 'fenced'> {
    const now = performance.now();
    let hole = this.holeAt(from);
    if (!hole) {
      hole = { from, to, since: now, skipped: false };
      this.holes.push(hole);
    }
    // A hole known from the counter may reach past a commit seen since: it ends before it.
    hole.to = Math.min(hole.to, to);
    if (now - hole.since < this.gapTimeoutMs) return 'wait';
    try {
      await this.commits.insertOne({ _id: from, bucket: bucketOf(from), lastPosition: from, tombstone: true, abandoned: true, events: [] });
    } catch (error) {
      if (isDuplicateKey(error)) return 'filled';
      throw error;
    }
    if (!hole.skipped) {
      hole.skipped = true;
      this.skipped++;
    }
    return 'fenced';
  }

  /**
   * A fresh instance starts its horizon where any instance last recorded one (`readable`):
   * positions once covered stay covered (documents are never deleted), so it need not scan
   * the whole log before its first `headPosition`.
   */
  private async bootstrap(): Promise<void> {
    const mark = await this.counters.findOne({ _id: 'readable' });
    const position = mark?.position ?? 0;
    if (position <= this.visible.position) return;
    // The mark is always a document boundary, so the last event at or before it ends a commit.
    const last = await this.commits.findOne({ lastPosition: { $lte: position }, tombstone: { $ne: true } }, { sort: { lastPosition: -1 }, projection: { lastPosition: 1 } });
    if (position > this.visible.position) this.visible = { position, lastEvent: Math.max(this.visible.lastEvent, last?.lastPosition ?? 0) };
  }

  /** Records the horizon for instances that start later; at most once a second, best effort. */
  private async persistVisible(): Promise<void> {
    const { position } = this.visible;
    if (position <= this.persisted || performance.now() - this.persistedAt < PERSIST_EVERY_MS) return;
    this.persistedAt = performance.now();
    try {
      await this.counters.updateOne({ _id: 'readable' }, { $max: { position } }, { upsert: true });
      this.persisted = position;
    } catch {
      // Only an optimisation: the next call tries again.
    }
  }

  private pruneHoles(): void {
    for (let i = this.holes.length - 1; i >= 0; i--) if (this.holes[i]!.to <= this.visible.position) this.holes.splice(i, 1);
  }

  /** In-process wake-up only: appends by other processes are found by polling `readAll`. */
  onAppended(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}
