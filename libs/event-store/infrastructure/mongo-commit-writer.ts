import mongoose from 'mongoose';
import { ConcurrencyError, type AppendOptions, type AppendResult, type ExpectedVersion, type NewEvent } from '../application/event-store.port.js';
import type { EventIdClaims } from './mongo-event-id-claims.js';
import type { LogHorizon } from './mongo-log-horizon.js';
import { bucketOf, resultOf, storedCommit, type Collection, type CommitDoc } from './mongo-log-layout.js';
import type { MongoLogReader } from './mongo-log-reader.js';
import type { MongoStreamCache, RecentCommits } from './mongo-stream-cache.js';

// Appends, as one commit document each, at the end of a chain that never has a hole: a commit
// takes `_id` = the last commit's `lastPosition` + 1, and the unique `_id` lets only one start
// there (no counter: FerretDB 1.24 applies `$inc` without atomicity; docs/adr/0001). A stream's
// commits cover contiguous version ranges: a commit starts right after the head its writer
// read, and the unique (stream, first version) index refuses one that would overlap, since it
// could only start where an existing range starts.

/** How often an append retries by itself when retrying cannot change its meaning (see `append`). */
const MAX_ATTEMPTS = 10;
/** How often an append may lose its positions to writers of other processes before it gives up. */
const MAX_MOVES = 100;
/** Most appends, and events, written by one group commit. */
const MAX_GROUP_COMMITS = 256;
const MAX_GROUP_EVENTS = 10_000;

type Attempt = { readonly result: AppendResult } | { readonly conflict: 'version' | 'event' | 'positions' };

/** A commit without its positions yet: what an append hands to the group commit. */
type UnplacedCommit = Omit<CommitDoc, '_id' | 'bucket' | 'lastPosition'> & { streamId: string; firstVersion: number; lastVersion: number };

/** An append waiting in the group commit. */
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

/** What the writer works with, besides the commits. */
export interface CommitWriterParts {
  readonly claims: EventIdClaims;
  readonly reader: MongoLogReader;
  readonly horizon: LogHorizon;
  readonly streams: MongoStreamCache;
  readonly recent: RecentCommits;
  /** Resolves once the instance may write (see `MongoEventStore`). */
  readonly ready: () => Promise<void>;
  readonly now: () => Date;
  /** Called after each commit an append of this process stored. */
  readonly appended: () => void;
}

export class MongoCommitWriter {
  /** Appends waiting for the group commit, and whether one is being written. */
  private readonly queue: Pending[] = [];
  private flushing = false;
  /** Whether this instance walked to the end of the chain before its first commit. */
  private placed = false;

  constructor(
    private readonly commits: Collection<CommitDoc>,
    private readonly parts: CommitWriterParts,
  ) {}

  /**
   * Retries by itself only where that cannot change what the caller asked for: a lost race
   * under `'any'` (the head is read again), or positions another writer took first. A
   * `commitId` stored before (a unique index) answers with that commit's result.
   */
  async append(streamId: string, expected: ExpectedVersion, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const { commitId } = options;
    const { streams } = this.parts;
    for (let attempt = 1; ; ) {
      // A remembered head can only be behind, and a stream's first commit starts at version 1:
      // either way a stale start hits the unique index, so no read is needed.
      let head = streams.head(streamId) ?? (expected === 0 && events.length ? 0 : await streams.readHead(streamId));
      if (expected !== 'any' && expected !== head) {
        head = await streams.readHead(streamId);
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
          ...storedCommit(events, this.parts.now().toISOString()),
        },
        events.map((e) => e.id),
      );
      if ('result' in outcome) {
        streams.remember(streamId, outcome.result.streamVersion);
        this.parts.appended();
        return outcome.result;
      }
      streams.forgetHead(streamId);
      if (outcome.conflict === 'version' && commitId !== undefined) {
        const previous = await this.commits.findOne({ commitId });
        if (previous) return resultOf(previous);
      }
      const retry = outcome.conflict === 'version' && expected === 'any';
      if (!retry || ++attempt > MAX_ATTEMPTS) throw new ConcurrencyError(streamId, expected, await streams.readHead(streamId));
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
   * Writes the waiting appends a group at a time, each group while the next one gathers. A
   * group that fails for another reason than a refused commit (the server went away) fails
   * every append of it that has no answer yet.
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

  /**
   * One insert of the group's event id claims, then one ordered insert of its commits, one
   * after the other in the chain. The ordered insert stops at the first commit refused, so
   * none after it is stored out of the chain: they go again at the new end.
   */
  private async commitGroup(group: readonly Pending[]): Promise<void> {
    const { claims, reader, horizon, streams, recent } = this.parts;
    await this.parts.ready();
    const refused = await claims.claim(group.filter((p) => !p.claimed));
    for (const p of group) {
      if (refused.has(p)) settle(p, { conflict: 'event' });
      else p.claimed = true;
    }
    const placing = group.filter((p) => !p.settled);
    if (!placing.length) return;
    // The end of the chain as this instance knows it; a fresh instance first walks to it.
    if (!this.placed) await reader.headPosition();
    this.placed = true;
    let end = horizon.position;
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
    recent.keep(docs.slice(0, landed));
    for (const [i, doc] of docs.slice(0, landed).entries()) {
      streams.extendStream(doc);
      settle(placing[i]!, { result: resultOf(doc, placing[i]!.eventIds) });
    }
    if (landed) {
      horizon.extendChain(docs[landed - 1]!.lastPosition);
      void horizon.persist();
    }
    if (landed === docs.length) return;
    // The commit at `landed` was refused: another commit holds its first position (a writer
    // of another process was first), or its stream's version or its commitId.
    const taken = await this.commits.findOne({ _id: docs[landed]!._id }, { projection: { lastPosition: 1 } });
    const again = placing.slice(taken ? landed : landed + 1);
    if (taken) {
      horizon.extendChain(taken.lastPosition);
      // Other commits may follow it: walk to the end of the chain before trying again.
      await reader.headPosition();
    } else {
      settle(placing[landed]!, { conflict: 'version' });
    }
    for (const p of again) p.moves++;
    for (const p of again.filter((p) => p.moves > MAX_MOVES)) settle(p, { conflict: 'positions' });
    this.queue.unshift(...again.filter((p) => !p.settled));
  }
}

function settle(pending: Pending, attempt: Attempt): void {
  pending.settled = true;
  pending.resolve(attempt);
}

function fail(pending: Pending, error: unknown): void {
  pending.settled = true;
  pending.reject(error);
}
