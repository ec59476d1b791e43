import mongoose from 'mongoose';
import { isDuplicateKey } from '../../platform/persistence/mongo-connection.js';
import { eventsOf, type Collection, type CommitDoc, type EventIdDoc } from './mongo-log-layout.js';

// An event id is stored at most once in the log. Each is claimed in `event_ids` by an insert
// before its commit, for the stream and first version of that commit, since FerretDB does not
// enforce a unique index on `events.id` across commits (docs/adr/0002). Claims are only ever
// inserted (FerretDB's updates are not atomic): a claim whose version went to a commit without
// the event is superseded by the next generation `${eventId}#${k + 1}`, which one writer wins.

/** How often a claim is tried again after another writer's claim of the same generation. */
const MAX_ATTEMPTS = 10;

/** The stream and first version a commit is to take: what its claims name. */
export interface ClaimedFor {
  readonly streamId: string;
  readonly firstVersion: number;
}

class DuplicateEventId extends Error {
  constructor(readonly eventId: string) {
    super(`Event ${eventId} is already stored`);
  }
}

export class EventIdClaims {
  constructor(
    private readonly eventIds: Collection<EventIdDoc>,
    private readonly commits: Collection<CommitDoc>,
  ) {}

  /**
   * Claims the event ids of the commits, all in one insert; returns the commits whose claims
   * are refused because the event is stored (or on its way).
   */
  async claim<T extends { readonly commit: ClaimedFor; readonly eventIds: readonly string[] }>(pending: readonly T[]): Promise<Set<T>> {
    const refused = new Set<T>();
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
          await this.claimAgain(eventId, p.commit);
        } catch (claimError) {
          if (!(claimError instanceof DuplicateEventId)) throw claimError;
          refused.add(p);
        }
      }
    }
    return refused;
  }

  /** Claims an event id whose first claim exists, or throws {@link DuplicateEventId}. */
  private async claimAgain(eventId: string, commit: ClaimedFor): Promise<void> {
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

  /**
   * Whether a claim can no longer lead to a stored event, so that `commit` may claim the id
   * anew. A claim whose writer died before its commit holds the id until another commit takes
   * that version: Demarche draws a fresh id for every event, so nobody asks for it again.
   */
  private async superseded(claim: EventIdDoc, commit: ClaimedFor): Promise<boolean> {
    if (claim.position !== undefined) {
      // An earlier release's claim: its commit can never land once a tombstone holds its position.
      return (await this.commits.findOne({ _id: claim.position }, { projection: { tombstone: 1 } }))?.tombstone === true;
    }
    // Our own claim, from an attempt at the same version not decided yet: the unique
    // (stream, version) index lets only one of them land.
    if (claim.streamId === commit.streamId && claim.version === commit.firstVersion) return true;
    const holder = await this.commits.findOne({ streamId: claim.streamId, firstVersion: claim.version });
    return holder !== null && !eventsOf(holder).some((e) => e.id === claim.eventId);
  }
}
