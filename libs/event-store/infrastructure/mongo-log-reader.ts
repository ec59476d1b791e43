import type mongoose from 'mongoose';
import type { RecordedEvent } from '../../kernel/index.js';
import type { EventQuery } from '../application/event-store.port.js';
import { matchesQuery } from './event-query.js';
import { isDuplicateKey } from '../../platform/persistence/mongo-connection.js';
import { HorizonScan, type LogHorizon } from './mongo-log-horizon.js';
import { BUCKET_POSITIONS, bucketOf, commitsMatching, eventsOf, sizeOf, tombstone, type Collection, type CommitDoc } from './mongo-log-layout.js';
import type { RecentCommits } from './mongo-stream-cache.js';

// The global log as readers see it: in position order, never past a position that a commit
// may still fill. Commits of this release leave no hole (see `MongoCommitWriter`); a hole a
// writer of an earlier release left is waited for `gapTimeoutMs`, then fenced with tombstones,
// after which no commit can land there and every reader, in any process, passes it.

const HEAD_SCAN_BATCH = 1_000;
const MAX_SCAN_BATCH = 500;
/**
 * Events one round trip of a long reader's cursor should bring: its batch size is counted in
 * commits, so it is chosen from their size, and past `MAX_BATCH_EVENTS` the cursor is opened
 * again with a smaller batch. That bounds a reader's memory whatever the commits hold.
 */
const EVENTS_PER_ROUND_TRIP = 5_000;
const MAX_BATCH_EVENTS = 20_000;
/** A reader within this many positions of the horizon walks by equality, at most `WALK_STEPS` commits, before it opens a cursor. */
const WALK_NEAR_POSITIONS = 1_000;
const WALK_STEPS = 256;
/** Commits a reader in the middle of a bucket looks up by `_id`, one at a time, before it reads the bucket. */
const WALK_BY_ID = 4;
/** A reader that finds nothing new by `_id` looks at the whole bucket at most this often (or every half gap timeout), for holes. */
const HOLE_LOOK_INTERVAL_MS = 5_000;
/** The server's error code for a cursor it no longer has (timed out, or killed). */
const CURSOR_NOT_FOUND = 43;

/** How `covered` reads the commits. */
interface CoveredScan {
  /** Documents per query (`limit`), or per round trip of the one cursor (`batchSize`). */
  readonly batch: number;
  /** One cursor over everything after the start instead of one query of `batch` per round. */
  readonly oneCursor?: boolean;
  readonly projection?: mongoose.mongo.Document;
}

export class MongoLogReader {
  private skipped = 0;
  private cursors = 0;
  /** When a reader at the head last asked for a whole bucket. */
  private bucketLookedAt = -Infinity;

  constructor(
    private readonly commits: Collection<CommitDoc>,
    private readonly horizon: LogHorizon,
    private readonly recent: RecentCommits,
    private readonly gapTimeoutMs: number,
    /** Resolves once the instance may read (see `MongoEventStore`). */
    private readonly ready: () => Promise<void>,
    private readonly monotonicMs: () => number,
  ) {}

  /** Holes this instance fenced after `gapTimeoutMs` and skipped. */
  get skippedGaps(): number {
    return this.skipped;
  }

  /** Open server cursors of `readAll`, `readAllPages` and `headPosition`. */
  get openCursors(): number {
    return this.cursors;
  }

  /** Events after `afterPosition` in position order, stopping before a hole until it is filled or fenced. */
  async readAll(afterPosition: number, limit: number): Promise<RecordedEvent[]> {
    // Queries bounded by `limit`: a page costs one query whatever the log holds beyond it.
    for await (const page of this.pages(afterPosition, limit, false)) return page;
    return [];
  }

  /** `readAll`'s pages through one server cursor: FerretDB answers a range query by scanning the commits, once per query. */
  readAllPages(afterPosition: number, pageSize: number): AsyncIterable<RecordedEvent[]> {
    return this.pages(afterPosition, pageSize, true);
  }

  /** The last event readers may see: consistent with `readAll`, so never beyond a hole. */
  async headPosition(): Promise<number> {
    const scan = this.covered('horizon', { batch: HEAD_SCAN_BATCH, oneCursor: true, projection: { _id: 1, lastPosition: 1, tombstone: 1 } });
    // The scan moves the horizon as it goes.
    for await (const doc of scan) void doc;
    await this.horizon.persist();
    return this.horizon.lastEvent;
  }

  async query(query: EventQuery): Promise<RecordedEvent[]> {
    const after = query.afterPosition ?? 0;
    // Same horizon as readAll: a cursor taken from a query must not jump over a hole.
    await this.headPosition();
    const ceiling = this.horizon.position;
    if (query.limit <= 0 || ceiling <= after) return [];
    const types = query.types?.length ? new Set(query.types) : undefined;
    // The commits narrowed by their filter keys, each event then checked exactly. On FerretDB
    // a range with `$in` decodes every commit: this serves analysts, off the hot paths.
    const exact = query.country !== undefined || query.campaignId !== undefined || query.missionId !== undefined || query.occurred !== undefined || query.recorded !== undefined;
    const out: RecordedEvent[] = [];
    const cursor = this.commits.find(commitsMatching(query, after, ceiling), { sort: { lastPosition: 1 }, batchSize: Math.min(query.limit, MAX_SCAN_BATCH) });
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

  private async *pages(afterPosition: number, pageSize: number, oneCursor: boolean): AsyncGenerator<RecordedEvent[]> {
    if (pageSize <= 0) return;
    let page: RecordedEvent[] = [];
    try {
      for await (const doc of this.covered(afterPosition, { batch: Math.min(pageSize, MAX_SCAN_BATCH), oneCursor })) {
        for (const event of eventsOf(doc)) {
          if (event.position <= afterPosition) continue;
          page.push(event);
          if (page.length < pageSize) continue;
          await this.horizon.persist();
          yield page;
          page = [];
        }
      }
      if (page.length) yield page;
    } finally {
      await this.horizon.persist();
    }
  }

  /**
   * The commits and tombstones after `from` (a position, or the horizon) in position order,
   * as far as the positions are contiguous. A reader at the head walks by equality first; the
   * rest comes through range queries of `batch`, or with `oneCursor` through one cursor (one
   * scan on FerretDB), which stopping early closes.
   */
  private async *covered(from: number | 'horizon', how: CoveredScan): AsyncGenerator<CommitDoc> {
    await this.ready();
    const scan = new HorizonScan(this.horizon, from === 'horizon' ? this.horizon.position : from);
    const { batch, oneCursor = false, projection } = how;
    if ((scan.reached === 0 || this.horizon.isBoundary(scan.reached)) && this.horizon.position - scan.reached <= WALK_NEAR_POSITIONS) {
      if (!(yield* this.walk(scan, projection))) return;
    }
    // Whole commits through one cursor: as many a round trip as make EVENTS_PER_ROUND_TRIP,
    // judging by the next commit, and fewer if later ones turn out bigger.
    const sized = oneCursor && !projection;
    let commits = sized ? await this.commitsPerRoundTrip(scan.reached + 1, batch) : batch;
    for (;;) {
      const cursor = this.commits.find(
        { lastPosition: { $gt: scan.reached } },
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
            // The driver asks for the next batch once this one is used up; a new cursor goes on
            // with fewer commits a batch (on FerretDB a new cursor costs a scan).
            const perCommit = events / seen;
            if (perCommit * commits > MAX_BATCH_EVENTS) {
              commits = Math.max(1, Math.floor(EVENTS_PER_ROUND_TRIP / perCommit));
              lookAgain = true;
            }
          }
          while (doc._id > scan.reached + 1) {
            const hole = await this.passHole(scan.reached + 1, doc._id - 1);
            if (hole === 'wait') return;
            if (hole === 'filled') {
              lookAgain = true;
              break docs;
            }
            scan.advance(scan.reached + 1, true);
          }
          scan.advance(doc.lastPosition, doc.tombstone === true);
          yield doc;
          if (lookAgain) break;
        }
      } catch (error) {
        // The server dropped a cursor its reader left idle too long (a slow rebuild batch):
        // everything up to `scan.reached` was read, so a new one goes on from there.
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
   * The walk of a reader at the head: the next commit starts at the position after the last
   * one, found by equalities only, which FerretDB hands to PostgreSQL where a range with a
   * sort makes it decode the whole log (docs/adr/0004). Returns whether a cursor is to read on.
   */
  private async *walk(scan: HorizonScan, projection: mongoose.mongo.Document | undefined): AsyncGenerator<CommitDoc, boolean> {
    const found = new Map<number, CommitDoc>();
    const options = projection ? { projection } : {};
    let walked = 0;
    for (let byId = 0; walked < WALK_STEPS; walked++) {
      const want = scan.reached + 1;
      if (!found.has(want) && !this.recent.has(want)) {
        // The whole bucket at its first position (all of it is new) or after WALK_BY_ID commits
        // found by `_id` (a backlog); otherwise by `_id`, and after a miss at the bucket once in
        // a while: a writer of an earlier release may have left a hole with commits behind it.
        let byBucket = (want - 1) % BUCKET_POSITIONS === 0 || byId >= WALK_BY_ID;
        if (!byBucket) {
          byId++;
          const next = await this.commits.findOne({ _id: want }, options);
          if (next) found.set(next._id, next);
          if (next && !projection) this.recent.keep([next]);
          byBucket = !next && this.monotonicMs() - this.bucketLookedAt >= Math.min(HOLE_LOOK_INTERVAL_MS, this.gapTimeoutMs / 2);
        }
        if (byBucket) {
          this.bucketLookedAt = this.monotonicMs();
          byId = 0;
          const docs = await this.commits.find({ bucket: bucketOf(want) }, options).toArray();
          for (const d of docs) found.set(d._id, d);
          if (!projection) this.recent.keep(docs);
          if (!docs.length) {
            // Commits stored before buckets have none.
            const old = await this.commits.findOne({ _id: want }, options);
            if (old) found.set(old._id, old);
          }
        }
      }
      const doc = found.get(want) ?? this.recent.at(want);
      if (!doc) {
        // Commits that start after the next position in its bucket: a hole, whose clock starts now.
        const beyond = Math.min(...[...found.keys()].filter((id) => id > want));
        if (Number.isFinite(beyond)) this.horizon.noteHole(want, beyond - 1);
        break;
      }
      scan.advance(doc.lastPosition, doc.tombstone === true);
      yield doc;
    }
    if (walked === WALK_STEPS) return true;
    // Nothing at the next position: the end of the chain, or a hole whose timeout, once over,
    // lets the range query fence it.
    const hole = this.horizon.holeAt(scan.reached + 1);
    return hole !== undefined && this.monotonicMs() - hole.since >= this.gapTimeoutMs;
  }

  /** Commits a cursor from `position` should bring per round trip (at most `most`), judging by the commit there, found by `_id`. */
  private async commitsPerRoundTrip(position: number, most: number): Promise<number> {
    const next = await this.commits.findOne({ _id: position }, { projection: { _id: 1, lastPosition: 1, tombstone: 1 } });
    const perCommit = next ? Math.max(1, sizeOf(next)) : 1;
    return Math.max(1, Math.min(most, Math.floor(EVENTS_PER_ROUND_TRIP / perCommit)));
  }

  /**
   * Once a hole has been open for `gapTimeoutMs` (as this instance saw it), fences its first
   * position with a tombstone. The insert fails if the late commit landed meanwhile (it is
   * then read), and once it succeeds the late commit never can. One position at a time, so
   * that documents never overlap: only the writer of a pending block knows where it ends.
   */
  private async passHole(from: number, to: number): Promise<'wait' | 'filled' | 'fenced'> {
    const hole = this.horizon.holeFrom(from, to);
    if (this.monotonicMs() - hole.since < this.gapTimeoutMs) return 'wait';
    try {
      await this.commits.insertOne(tombstone(from, from));
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
}
