import { performance } from 'node:perf_hooks';
import { Logger } from '@nestjs/common';
import mongoose, { type Connection } from 'mongoose';
import type { RecordedEvent } from '../../kernel/index.js';
import { matchesQuery } from './event-query.js';
import { connectMongo, isDuplicateKey } from './mongo-connection.js';
import {
  ConcurrencyError,
  eventKeys,
  type AppendOptions,
  type AppendResult,
  type EventQuery,
  type EventStore,
  type ExpectedVersion,
  type NewEvent,
  type ReadStreamOptions,
} from '../application/event-store.port.js';

export { connectMongo, isDuplicateKey } from './mongo-connection.js';

type Collection<T extends mongoose.mongo.Document> = mongoose.mongo.Collection<T>;
type Filter<T> = mongoose.mongo.Filter<T>;

const DEFAULT_GAP_TIMEOUT_MS = 3_000;
/** How often an append retries by itself when retrying cannot change its meaning (see `append`). */
const MAX_ATTEMPTS = 10;
/** How often an append may lose its positions to writers of other processes before it gives up. */
const MAX_MOVES = 100;
/** Most appends, and events, written by one group commit (see `flush`). */
const MAX_GROUP_COMMITS = 256;
const MAX_GROUP_EVENTS = 10_000;
const HEAD_SCAN_BATCH = 1_000;
const MAX_SCAN_BATCH = 500;
/**
 * Events that one round trip of a long reader's cursor should bring (see `covered`): its
 * batch size is in commits, and a commit may hold one event or thousands, so it is chosen
 * from the size of the commits. Past `MAX_BATCH_EVENTS` the cursor is opened again with a
 * smaller batch: that bounds a reader's memory whatever the commits hold.
 */
const EVENTS_PER_ROUND_TRIP = 5_000;
const MAX_BATCH_EVENTS = 20_000;
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
/** Commits a reader in the middle of a bucket looks up by `_id`, one at a time, before it reads the bucket. */
const WALK_BY_ID = 4;
/** A reader that finds nothing new by `_id` looks at the whole bucket at most this often (or every half gap timeout), for holes. */
const HOLE_LOOK_INTERVAL_MS = 5_000;
const bucketOf = (position: number) => Math.floor((position - 1) / WALK_BUCKET);
/** Last positions of commits recently read, where a walk by `_id` may start (see `covered`). */
const MAX_KNOWN_BOUNDARIES = 4_096;
/** The server's error code for a cursor it no longer has (timed out, or killed). */
const CURSOR_NOT_FOUND = 43;
/** Stream heads remembered per process (see `heads`). */
const MAX_CACHED_HEADS = 50_000;
/** Events of recently read streams kept per process (see `readStream`). */
const MAX_CACHED_STREAM_EVENTS = 50_000;
/** Events in the commits kept for readers at the head (see `recent`). */
const MAX_RECENT_EVENTS = 20_000;

const upgradeLogger = new Logger('MongoEventStore');

/** One event of a commit, as its JSON text holds it (see the class comment): the commit has its stream, versions and positions. */
interface StoredEvent {
  id: string;
  type: string;
  schemaVersion: number;
  occurredAt: string;
  recordedAt: string;
  actor: string;
  correlationId: string;
  causationId: string;
  data: unknown;
}

/** One event of a commit stored by an earlier release: a sub-document, its payload as JSON text, its filter keys beside it. */
interface LegacyStoredEvent extends Omit<StoredEvent, 'data'> {
  data: string;
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
  /** The events as JSON text of a `StoredEvent[]`; an array of sub-documents in commits of earlier releases, `[]` in tombstones. */
  events: string | LegacyStoredEvent[];
  /** The analysts' filter keys of the events (see `eventKeys`), for `query`; commits of earlier releases have them in each event. */
  types?: string[];
  countries?: string[];
  campaignIds?: string[];
  missionIds?: string[];
}

/**
 * `{_id: 'readable', position}`: see `bootstrap`; `{_id: 'layout', chainFrom}`: see
 * `upgradeLayout`; `{_id: 'events', next}`: the position counter of earlier releases.
 */
interface CounterDoc {
  _id: string;
  /** The last position an earlier release handed out. */
  next?: number;
  position?: number;
  /** Every position after this one was taken by a commit at the end of the chain. */
  chainFrom?: number;
}

/** A position an earlier release claimed (see `upgradeLayout`). */
interface PositionDoc {
  _id: number;
}

/**
 * The k-th claim of an event id (`_id` = `${eventId}#${k}`), for the commit of stream
 * `streamId` that starts at `version`. A later claim is made only when that version was
 * taken by a commit without the event. (Claims by earlier releases name the commit's first
 * position instead, and are superseded when a tombstone holds it.)
 */
interface EventIdDoc {
  _id: string;
  eventId: string;
  k: number;
  streamId?: string;
  version?: number;
  position?: number;
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
  /** The last position it may cover: the position before the next commit seen. */
  to: number;
  /** performance.now() when this instance first saw it. */
  readonly since: number;
  skipped: boolean;
}

export interface MongoEventStoreOptions {
  readonly now?: () => Date;
  /** How long a hole in the global order (left by an earlier release) is waited for before it is skipped as abandoned. */
  readonly gapTimeoutMs?: number;
  /** Server selection timeout of `connect` (default 5 s). */
  readonly connectTimeoutMs?: number;
}

class DuplicateEventId extends Error {
  constructor(readonly eventId: string) {
    super(`Event ${eventId} is already stored`);
  }
}

type Attempt = { readonly result: AppendResult } | { readonly conflict: 'version' | 'event' | 'positions' };

/** A commit without its positions yet: what an append hands to the group commit. */
type UnplacedCommit = Omit<CommitDoc, '_id' | 'bucket' | 'lastPosition'> & { streamId: string; firstVersion: number; lastVersion: number };

/** An append waiting in the group commit (see `flush`). */
interface Pending {
  readonly commit: UnplacedCommit;
  readonly eventIds: readonly string[];
  /** Its event ids are claimed for it already (it was moved to later positions). */
  claimed: boolean;
  /** How often it lost its positions to another writer. */
  moves: number;
  settled: boolean;
  readonly resolve: (attempt: Attempt) => void;
  readonly reject: (error: unknown) => void;
}

const resultOf = (doc: CommitDoc, eventIds: readonly string[] = eventsOf(doc).map((e) => e.id)): AppendResult => ({
  streamVersion: doc.lastVersion!,
  eventIds,
  positions: eventIds.map((_, i) => doc._id + i),
});

/** Events in a commit (none in a tombstone). */
const sizeOf = (doc: CommitDoc) => (doc.tombstone ? 0 : doc.lastPosition - doc._id + 1);

/** The events of a commit, of this release or an earlier one, in version order. */
function eventsOf(doc: CommitDoc): RecordedEvent[] {
  if (doc.tombstone) return [];
  const stored: StoredEvent[] = typeof doc.events === 'string' ? JSON.parse(doc.events) : doc.events.map((e) => ({ ...e, data: JSON.parse(e.data) }));
  return stored.map((e, i) => ({
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
    data: e.data,
  }));
}

/** A commit's events as stored (see the class comment), with the filter keys of all of them. */
function storedCommit(events: readonly NewEvent[], recordedAt: string): Pick<CommitDoc, 'events' | 'types' | 'countries' | 'campaignIds' | 'missionIds'> {
  const stored = events.map(
    (e): StoredEvent => ({ id: e.id, type: e.type, schemaVersion: e.schemaVersion, occurredAt: e.occurredAt, recordedAt, actor: e.metadata.actor, correlationId: e.metadata.correlationId, causationId: e.metadata.causationId, data: e.data }),
  );
  const keys = events.map((e) => eventKeys(e.data));
  const distinct = (values: (string | undefined)[]) => [...new Set(values.filter((v): v is string => v !== undefined))];
  return {
    events: JSON.stringify(stored),
    types: distinct(events.map((e) => e.type)),
    countries: distinct(keys.flatMap((k) => k.countries)),
    campaignIds: distinct(keys.map((k) => k.campaignId)),
    missionIds: distinct(keys.map((k) => k.missionId)),
  };
}

function settle(pending: Pending, attempt: Attempt): void {
  pending.settled = true;
  pending.resolve(attempt);
}

function fail(pending: Pending, error: unknown): void {
  pending.settled = true;
  pending.reject(error);
}


/** Freezes a value and everything in it, so that no reader can change what another will be given. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
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
 * - Global positions: the commits form a chain. A writer puts its commit right after the
 *   end of the last commit it knows (`_id` = that `lastPosition` + 1); if another commit
 *   holds that `_id`, the insert fails on the unique `_id`, and the writer reads where that
 *   one ends and tries after it. A commit can start only where another ends, and only one
 *   can start there, so commits never overlap and never leave a hole: a reader never waits
 *   for a position that a commit still on its way may fill, and a commit lands after every
 *   commit that existed when it was inserted (a stream's earlier versions, and anything its
 *   writer read, come earlier in the global order). No counter is needed: FerretDB 1.24
 *   applies neither `$inc` nor updates atomically, and the counter with claims that earlier
 *   releases used cost two round trips per append, one at a time per process.
 * - Group commit: the appends of a process that wait while a group is written go together
 *   in the next one: one insert of all their event id claims, one ordered insert of all
 *   their commits, one after the other in the chain. An ordered insert stops at the first
 *   commit that fails (its version taken, or its position), so the ones after it are never
 *   stored out of the chain: they go again at the new end.
 * - Event ids: FerretDB 1.24 accepts a unique multikey index on `events.id` but does not
 *   enforce it across documents (tested), and on MongoDB the empty `events` of tombstones
 *   would collide in it. So each event id is claimed in `event_ids` by an insert, before
 *   the commit, for its stream and first version. Claims are never updated or deleted
 *   (FerretDB's updates are not atomic): a claim whose version was taken by a commit without
 *   the event is superseded by inserting the next generation `${eventId}#${k + 1}`; two
 *   writers racing for it cannot both win. A claim whose writer died before its commit
 *   holds the id until another commit takes that version of the stream; Demarche draws a
 *   fresh random id for every event it records, so no writer asks for it again.
 * - `commitId`: unique sparse index; a repeat returns the first commit's result.
 * - Logs of earlier releases: they took positions from a counter before inserting, so their
 *   commits could land out of order or never. Readers still wait at such a hole for
 *   `gapTimeoutMs` and then fence it (see `covered`), and the first writer of this release
 *   fences every hole and takes the chain from there (see `upgradeLayout`). Stop every api
 *   and worker of an earlier release before starting this one.
 * - A commit's events are stored as one JSON text (`events`), with the analysts' filter keys
 *   of all of them beside it (`types`, `countries`, `campaignIds`, `missionIds`) for `query`.
 *   FerretDB decodes every field of every document it returns, and commits of 100 events as
 *   sub-documents took it six times as long to read and three and a half times as long to
 *   store as the same events in one string (measured on 20,000 events). Text also keeps
 *   payloads exact: FerretDB rejects keys with `.` or a leading `$` and nested arrays, which
 *   payloads may contain. Commits of earlier releases, with one sub-document per event and
 *   its payload as text, are read alike.
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
  /** Streams read lately, with every event in version order, oldest read first (see `readStream`). */
  private readonly streams = new Map<string, RecordedEvent[]>();
  private streamEvents = 0;
  /**
   * Commits this instance wrote or read at the head lately, by first position. Readers at the
   * head in one process (the relay, the playbook) find them here instead of asking the server
   * again, each of them, for what the process itself just wrote or another reader just read.
   */
  private readonly recent = new Map<number, CommitDoc>();
  private recentEvents = 0;
  /** When a reader at the head last asked for a whole bucket (see `covered`). */
  private bucketLookedAt = -Infinity;
  private persisted = 0;
  private persistedAt = -Infinity;
  /** Positions that end a commit, as last read: a reader there finds the next commit at `_id` = position + 1. */
  private readonly boundaries = new Set<number>();
  private readonly commits: Collection<CommitDoc>;
  private readonly counters: Collection<CounterDoc>;
  private readonly positions: Collection<PositionDoc>;
  private readonly eventIds: Collection<EventIdDoc>;
  private readonly now: () => Date;
  private readonly gapTimeoutMs: number;
  /** Appends waiting for the group commit, and whether one is being written (see `flush`). */
  private readonly queue: Pending[] = [];
  private flushing = false;
  /** Whether this instance walked to the end of the chain before its first commit. */
  private placed = false;

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
    await this.commits.createIndex({ types: 1, lastPosition: 1 }, { name: 'types' });
    await this.eventIds.createIndex({ eventId: 1, k: -1 }, { name: 'event_id_claims' });
  }

  /**
   * Appends as one commit document, at the end of the chain (see the class comment). Retries
   * by itself only where that cannot change what the caller asked for: a lost race under
   * `'any'` (the head is read again), or positions another writer took first.
   */
  async append(streamId: string, expected: ExpectedVersion, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const { commitId } = options;
    for (let attempt = 1; ; ) {
      // A stream's first commit starts at version 1, so `expected` 0 is always a range
      // boundary (see the class comment) and a commit needs no read: the unique index refuses
      // it if the stream exists.
      let head = this.heads.get(streamId) ?? (expected === 0 && events.length ? 0 : await this.streamHead(streamId));
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
      const outcome = await this.commit(
        {
          streamId,
          firstVersion: head + 1,
          lastVersion: head + events.length,
          ...(commitId !== undefined ? { commitId } : {}),
          ...storedCommit(events, this.now().toISOString()),
        },
        events.map((e) => e.id),
      );
      if ('result' in outcome) {
        this.remember(streamId, outcome.result.streamVersion);
        this.listeners.forEach((listener) => listener());
        return outcome.result;
      }
      this.heads.delete(streamId);
      if (outcome.conflict === 'version' && commitId !== undefined) {
        const previous = await this.commits.findOne({ commitId });
        if (previous) return resultOf(previous);
      }
      const retry = outcome.conflict === 'version' && expected === 'any';
      if (!retry || ++attempt > MAX_ATTEMPTS) throw new ConcurrencyError(streamId, expected, await this.streamHead(streamId));
    }
  }

  /** Hands a commit to the group commit of this process; resolves once it is stored or refused. */
  private commit(commit: UnplacedCommit, eventIds: readonly string[]): Promise<Attempt> {
    return new Promise((resolve, reject) => {
      this.queue.push({ commit, eventIds, claimed: false, moves: 0, settled: false, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  /**
   * Writes the waiting appends, a group at a time: each group goes to the server while the
   * next one gathers. A group that fails for another reason than a refused commit (the
   * server went away) fails every append of it that has no answer yet.
   */
  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length) {
        const group: Pending[] = [];
        for (let events = 0; this.queue.length && group.length < MAX_GROUP_COMMITS && (!group.length || events + this.queue[0]!.eventIds.length <= MAX_GROUP_EVENTS); ) {
          const next = this.queue.shift()!;
          events += next.eventIds.length;
          group.push(next);
        }
        try {
          await this.commitGroup(group);
        } catch (error) {
          for (const p of group) if (!p.settled) fail(p, error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private async commitGroup(group: readonly Pending[]): Promise<void> {
    await this.ready();
    const refused = await this.claimEventIds(group.filter((p) => !p.claimed));
    for (const p of group) {
      if (refused.has(p)) settle(p, { conflict: 'event' });
      else p.claimed = true;
    }
    const placing = group.filter((p) => !p.settled);
    if (!placing.length) return;
    // The end of the chain as this instance knows it; a fresh instance first walks to it.
    if (!this.placed) await this.headPosition();
    this.placed = true;
    let end = this.visible.position;
    const docs = placing.map(({ commit, eventIds }): CommitDoc => {
      const first = end + 1;
      end += eventIds.length;
      return { _id: first, bucket: bucketOf(first), lastPosition: end, ...commit };
    });
    let landed = docs.length;
    try {
      await this.commits.insertMany(docs, { ordered: true });
    } catch (error) {
      const failed = error instanceof mongoose.mongo.MongoBulkWriteError ? ([] as mongoose.mongo.WriteError[]).concat(error.writeErrors) : [];
      if (failed.length !== 1 || failed[0]!.code !== 11000) throw error;
      landed = failed[0]!.index;
    }
    this.keepRecent(docs.slice(0, landed));
    for (const [i, doc] of docs.slice(0, landed).entries()) {
      this.extendStream(doc);
      settle(placing[i]!, { result: resultOf(doc, placing[i]!.eventIds) });
    }
    if (landed) {
      this.extendChain(docs[landed - 1]!.lastPosition);
      void this.persistVisible();
    }
    if (landed === docs.length) return;
    // The commit at `landed` was refused: another commit holds its first position (a writer
    // of another process was first), or its stream's version or its commitId. The ones after
    // it were not stored and go again at the new end, first in line.
    const taken = await this.commits.findOne({ _id: docs[landed]!._id }, { projection: { lastPosition: 1 } });
    const again = placing.slice(taken ? landed : landed + 1);
    if (taken) {
      this.extendChain(taken.lastPosition);
      // Other commits may follow it: walk to the end of the chain before trying again.
      await this.headPosition();
    } else {
      settle(placing[landed]!, { conflict: 'version' });
    }
    for (const p of again) p.moves++;
    for (const p of again.filter((p) => p.moves > MAX_MOVES)) settle(p, { conflict: 'positions' });
    this.queue.unshift(...again.filter((p) => !p.settled));
  }

  /** Positions up to `position`, the end of a commit, are all taken (the chain has no holes). */
  private extendChain(position: number): void {
    this.noteBoundary(position);
    if (position > this.visible.position) {
      this.visible = { position, lastEvent: Math.max(this.visible.lastEvent, position) };
      this.pruneHoles();
    }
  }

  /**
   * Makes the log one this release can extend, once per database: an earlier release took
   * positions from a counter (and claims in `positions`) before inserting, so its log may
   * have holes, positions taken whose commit never landed. Every hole up to the highest
   * position it ever took is fenced with a tombstone, so the chain goes on from there; then
   * `layout` records it. Assumes no writer of an earlier release runs any more.
   */
  private async upgradeLayout(): Promise<void> {
    if (await this.counters.findOne({ _id: 'layout' })) return;
    const [counter, claim, last] = await Promise.all([
      this.counters.findOne({ _id: 'events' }),
      this.positions.findOne({}, { sort: { _id: -1 } }),
      this.commits.findOne({}, { sort: { lastPosition: -1 }, projection: { lastPosition: 1 } }),
    ]);
    const top = Math.max(counter?.next ?? 0, claim?._id ?? 0, last?.lastPosition ?? 0);
    const fenced = top ? await this.fenceHoles(top) : 0;
    try {
      await this.counters.insertOne({ _id: 'layout', chainFrom: top });
      if (top) upgradeLogger.log(`The event log was written by an earlier release: every position up to ${top} is now a commit or a tombstone (${fenced} holes fenced); commits go on at the end of the chain.`);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }

  /** Tombstones every run of positions up to `top` that no commit covers; returns how many. */
  private async fenceHoles(top: number): Promise<number> {
    for (;;) {
      const holes: [number, number][] = [];
      let reached = 0;
      // One cursor over the log (one scan on FerretDB), once per database.
      for await (const doc of this.commits.find({}, { sort: { _id: 1 }, projection: { lastPosition: 1 }, batchSize: HEAD_SCAN_BATCH })) {
        if (doc._id > reached + 1) holes.push([reached + 1, doc._id - 1]);
        reached = Math.max(reached, doc.lastPosition);
      }
      if (reached < top) holes.push([reached + 1, top]);
      try {
        for (const [from, to] of holes) await this.commits.insertOne({ _id: from, bucket: bucketOf(from), lastPosition: to, tombstone: true, abandoned: true, events: [] });
        return holes.length;
      } catch (error) {
        // A reader fenced a position meanwhile, or another process upgrades too: look again.
        if (!isDuplicateKey(error)) throw error;
      }
    }
  }

  /**
   * Claims the event ids of the commits, all in one insert; the commits whose claims are
   * refused because the event is stored (or on its way) come back.
   */
  private async claimEventIds(pending: readonly Pending[]): Promise<Set<Pending>> {
    const refused = new Set<Pending>();
    const owners = pending.flatMap((p) => p.eventIds.map((eventId) => ({ p, eventId })));
    if (!owners.length) return refused;
    const claims = owners.map(({ p, eventId }) => ({ _id: `${eventId}#0`, eventId, k: 0, streamId: p.commit.streamId, version: p.commit.firstVersion }));
    try {
      await this.eventIds.insertMany(claims, { ordered: false });
      return refused;
    } catch (error) {
      if (!(error instanceof mongoose.mongo.MongoBulkWriteError)) throw error;
      const failed = ([] as mongoose.mongo.WriteError[]).concat(error.writeErrors);
      if (!failed.length || failed.some((e) => e.code !== 11000)) throw error;
      for (const { p, eventId } of failed.map((e) => owners[e.index]!)) {
        if (refused.has(p)) continue;
        try {
          await this.claimEventId(eventId, p.commit);
        } catch (claimError) {
          if (!(claimError instanceof DuplicateEventId)) throw claimError;
          refused.add(p);
        }
      }
    }
    return refused;
  }

  /** Claims an event id whose first claim exists, or throws {@link DuplicateEventId}. */
  private async claimEventId(eventId: string, commit: UnplacedCommit): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const latest = await this.eventIds.findOne({ eventId }, { sort: { k: -1 } });
      if (latest && !(await this.superseded(latest, commit))) throw new DuplicateEventId(eventId);
      const k = latest ? latest.k + 1 : 0;
      try {
        await this.eventIds.insertOne({ _id: `${eventId}#${k}`, eventId, k, streamId: commit.streamId, version: commit.firstVersion });
        return;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
    }
    throw new DuplicateEventId(eventId);
  }

  /** Whether a claim can no longer lead to a stored event, so that `commit` may claim the id anew. */
  private async superseded(claim: EventIdDoc, commit: UnplacedCommit): Promise<boolean> {
    if (claim.position !== undefined) {
      // An earlier release's claim: its commit can never land once a tombstone holds its position.
      return (await this.commits.findOne({ _id: claim.position }, { projection: { tombstone: 1 } }))?.tombstone === true;
    }
    // Our own claim, from an attempt at the same version that has not been decided yet: the
    // unique (stream, version) index lets only one of them land.
    if (claim.streamId === commit.streamId && claim.version === commit.firstVersion) return true;
    const holder = await this.commits.findOne({ streamId: claim.streamId, firstVersion: claim.version });
    return holder !== null && !eventsOf(holder).some((e) => e.id === claim.eventId);
  }

  private async streamHead(streamId: string): Promise<number> {
    const head = (await this.commits.findOne({ streamId }, { sort: { firstVersion: -1 }, projection: { lastVersion: 1 } }))?.lastVersion ?? 0;
    this.remember(streamId, head);
    return head;
  }

  /**
   * A stream read before is read on from where it was: its next commit, if any, starts right
   * after the version read (see the class comment), and one equality on stream and first
   * version asks for exactly that. FerretDB decodes every commit a query returns, and a
   * command reads its whole stream just to check that nothing new came: the stream read was
   * the largest share of FerretDB's work per command (16 commits on average in the lag figure).
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

  /** Adds a commit to its stream's kept events, if they end right before it. */
  private extendStream(doc: CommitDoc): void {
    const kept = this.streams.get(doc.streamId!);
    if (kept?.at(-1)?.streamVersion !== doc.firstVersion! - 1) return;
    this.keepStream(doc.streamId!, [...kept, ...eventsOf(doc)]);
  }

  /** Keeps commits read or written at the head, within MAX_RECENT_EVENTS, oldest first out. */
  private keepRecent(docs: readonly CommitDoc[]): void {
    for (const doc of docs) {
      if (this.recent.has(doc._id)) continue;
      this.recent.set(doc._id, doc);
      this.recentEvents += sizeOf(doc);
    }
    for (const [id, doc] of this.recent) {
      if (this.recentEvents <= MAX_RECENT_EVENTS) break;
      this.recent.delete(id);
      this.recentEvents -= sizeOf(doc);
    }
  }

  private forgetStream(streamId: string, kept = this.streams.get(streamId)): void {
    if (!kept) return;
    this.streams.delete(streamId);
    this.streamEvents -= kept.length;
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
        for (const event of eventsOf(doc)) {
          if (event.position <= afterPosition) continue;
          page.push(event);
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
    // Narrow the commits by the filter keys (in each event of commits of earlier releases);
    // each event is then checked exactly below.
    if (types) and.push({ $or: [{ types: { $in: [...types] } }, { 'events.type': { $in: [...types] } }] });
    if (query.country !== undefined) and.push({ $or: [{ countries: query.country }, { 'events.countries': query.country }] });
    if (query.campaignId !== undefined) and.push({ $or: [{ campaignIds: query.campaignId }, { 'events.campaignId': query.campaignId }] });
    if (query.missionId !== undefined) and.push({ $or: [{ missionIds: query.missionId }, { 'events.missionId': query.missionId }] });
    const exact = query.country !== undefined || query.campaignId !== undefined || query.missionId !== undefined || query.occurred !== undefined || query.recorded !== undefined;
    const out: RecordedEvent[] = [];
    const cursor = this.commits.find({ $and: and }, { sort: { lastPosition: 1 }, batchSize: Math.min(query.limit, MAX_SCAN_BATCH) });
    try {
      for await (const doc of cursor) {
        for (const event of eventsOf(doc)) {
          if (event.position <= after || (types && !types.has(event.type))) continue;
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
    await this.ready();
    const after = from === 'horizon' ? this.visible.position : from;
    let reached = after;
    let lastEvent = 0;
    const advance = (to: number, tombstone: boolean) => {
      reached = to;
      this.noteBoundary(to);
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
      const options = projection ? { projection } : {};
      let walked = 0;
      for (let byId = 0; walked < WALK_STEPS; walked++) {
        const want = reached + 1;
        if (!found.has(want) && !this.recent.has(want)) {
          // FerretDB decodes every commit an equality returns. A reader that polls at the head
          // in the middle of a bucket has read most of that bucket's commits already, so it asks
          // for the next one by `_id`; for the whole bucket only at its first position (where
          // all it holds is new) or after WALK_BY_ID commits found that way (a backlog).
          // A miss by `_id` looks at the bucket too, once in a while: a writer of an earlier
          // release may have left a hole there with commits behind it (see `noteHole`).
          let byBucket = (want - 1) % WALK_BUCKET === 0 || byId >= WALK_BY_ID;
          if (!byBucket) {
            byId++;
            const next = await this.commits.findOne({ _id: want }, options);
            if (next) found.set(next._id, next);
            if (next && !projection) this.keepRecent([next]);
            byBucket = !next && performance.now() - this.bucketLookedAt >= Math.min(HOLE_LOOK_INTERVAL_MS, this.gapTimeoutMs / 2);
          }
          if (byBucket) {
            this.bucketLookedAt = performance.now();
            byId = 0;
            const docs = await this.commits.find({ bucket: bucketOf(want) }, options).toArray();
            for (const d of docs) found.set(d._id, d);
            if (!projection) this.keepRecent(docs);
            if (!docs.length) {
              // Commits stored before buckets have none.
              const old = await this.commits.findOne({ _id: want }, options);
              if (old) found.set(old._id, old);
            }
          }
        }
        const doc = found.get(want) ?? this.recent.get(want);
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
        // Nothing at the next position: the end of the chain. Only a hole that a writer of an
        // earlier release left can stop a walk with commits beyond it in view, and once its
        // timeout is over the range query below fences it.
        const hole = this.holeAt(reached + 1);
        if (!hole || performance.now() - hole.since < this.gapTimeoutMs) return;
      }
    }
    // Whole commits through one cursor: as many a round trip as make EVENTS_PER_ROUND_TRIP,
    // judging by the next commit, and fewer if later ones turn out bigger (see below).
    const sized = oneCursor && !projection;
    let commits = sized ? await this.commitsPerRoundTrip(reached + 1, batch) : batch;
    for (;;) {
      const cursor = this.commits.find(
        { lastPosition: { $gt: reached } },
        { sort: { lastPosition: 1 }, ...(oneCursor ? { batchSize: commits } : { limit: commits }), ...(projection ? { projection } : {}) },
      );
      this.cursors++;
      let seen = 0;
      let events = 0;
      // A late commit landed in a hole: the open cursor may not see it, so ask again from there.
      let lookAgain = false;
      try {
        docs: for await (const doc of cursor) {
          seen++;
          events += Math.max(1, sizeOf(doc));
          if (sized && seen % commits === 0) {
            // The driver asks for the next batch once this one is used up. If batches of these
            // commits hold too many events, a new cursor goes on with fewer commits a batch (on
            // FerretDB a new cursor costs a scan, hence only past MAX_BATCH_EVENTS).
            const perCommit = events / seen;
            if (perCommit * commits > MAX_BATCH_EVENTS) {
              commits = Math.max(1, Math.floor(EVENTS_PER_ROUND_TRIP / perCommit));
              lookAgain = true;
            }
          }
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
          if (lookAgain) break;
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
      if (!lookAgain && (oneCursor || seen < commits)) return;
    }
  }

  /**
   * Commits a cursor from `position` should bring per round trip (at most `most`): enough to
   * make EVENTS_PER_ROUND_TRIP at the size of the commit there, found by `_id`, an equality
   * FerretDB answers through its index.
   */
  private async commitsPerRoundTrip(position: number, most: number): Promise<number> {
    const next = await this.commits.findOne({ _id: position }, { projection: { _id: 1, lastPosition: 1, tombstone: 1 } });
    const perCommit = next ? Math.max(1, sizeOf(next)) : 1;
    return Math.max(1, Math.min(most, Math.floor(EVENTS_PER_ROUND_TRIP / perCommit)));
  }

  private noteBoundary(position: number): void {
    this.boundaries.add(position);
    if (this.boundaries.size > MAX_KNOWN_BOUNDARIES) this.boundaries.delete(this.boundaries.values().next().value!);
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
    // A hole noted by a walk may reach past a commit seen since: it ends before it.
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

  /** Before its first read or write, an instance upgrades the log if needed and finds its horizon. */
  private ready(): Promise<void> {
    return (this.bootstrapped ??= (async () => {
      await this.upgradeLayout();
      await this.bootstrap();
    })().catch((error: unknown) => {
      this.bootstrapped = undefined;
      throw error;
    }));
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
