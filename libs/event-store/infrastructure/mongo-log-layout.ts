import type mongoose from 'mongoose';
import type { RecordedEvent } from '../../kernel/index.js';
import { eventKeys, type AppendResult, type EventQuery, type NewEvent } from '../application/event-store.port.js';

// The log's documents on MongoDB (or FerretDB 1.x, which has no multi-document transactions,
// so every guarantee rests on single-document atomicity and unique indexes): one document per
// commit, never changed or deleted once stored, `_id` = its first global position.

export type Collection<T extends mongoose.mongo.Document> = mongoose.mongo.Collection<T>;
export type Filter<T> = mongoose.mongo.Filter<T>;

/** Commits are grouped by first position into buckets of this many positions (see `MongoLogReader`). */
export const BUCKET_POSITIONS = 64;
export const bucketOf = (position: number) => Math.floor((position - 1) / BUCKET_POSITIONS);

/** One event of a commit, as its JSON text holds it: the commit has its stream, versions and positions. */
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
 * One commit, or a tombstone: positions `_id`..`lastPosition` that hold no events and never
 * will (a hole of an earlier release's log, fenced by the upgrade or by a reader).
 */
export interface CommitDoc {
  _id: number;
  lastPosition: number;
  streamId?: string;
  firstVersion?: number;
  lastVersion?: number;
  commitId?: string;
  tombstone?: true;
  /** Set on tombstones that fence a hole nobody filled. */
  abandoned?: true;
  /** `bucketOf(_id)`; missing on commits stored before buckets, which readers find by `_id`. */
  bucket?: number;
  /**
   * The events as the JSON text of a `StoredEvent[]` (docs/adr/0003); an array of
   * sub-documents in commits of earlier releases, `[]` in tombstones.
   */
  events: string | LegacyStoredEvent[];
  /** The analysts' filter keys of the events (see `eventKeys`), for `query`; commits of earlier releases have them in each event. */
  types?: string[];
  countries?: string[];
  campaignIds?: string[];
  missionIds?: string[];
}

/**
 * `{_id: 'readable', position}`: see `LogHorizon`; `{_id: 'layout', chainFrom}`: see
 * `mongo-log-migration.ts`; `{_id: 'events', next}`: the position counter of earlier releases.
 */
export interface CounterDoc {
  _id: string;
  /** The last position an earlier release handed out. */
  next?: number;
  position?: number;
  /** Every position after this one was taken by a commit at the end of the chain. */
  chainFrom?: number;
}

/** A position an earlier release claimed before inserting its commit. */
export interface PositionDoc {
  _id: number;
}

/**
 * The k-th claim of an event id (`_id` = `${eventId}#${k}`), for the commit of stream
 * `streamId` that starts at `version` (see `EventIdClaims`). Claims by earlier releases name
 * the commit's first position instead.
 */
export interface EventIdDoc {
  _id: string;
  eventId: string;
  k: number;
  streamId?: string;
  version?: number;
  position?: number;
}

/** The collections of one log. */
export interface LogCollections {
  readonly commits: Collection<CommitDoc>;
  readonly counters: Collection<CounterDoc>;
  readonly positions: Collection<PositionDoc>;
  readonly eventIds: Collection<EventIdDoc>;
}

export function logCollections(db: mongoose.mongo.Db): LogCollections {
  return {
    commits: db.collection<CommitDoc>('commits'),
    counters: db.collection<CounterDoc>('counters'),
    positions: db.collection<PositionDoc>('positions'),
    eventIds: db.collection<EventIdDoc>('event_ids'),
  };
}

/** Idempotent. The unique indexes are what make appends safe (see `MongoCommitWriter`). */
export async function ensureLogIndexes({ commits, eventIds }: LogCollections): Promise<void> {
  // Sparse, so that tombstones (no stream) stay out of it: MongoDB would see them collide as nulls.
  await commits.createIndex({ streamId: 1, firstVersion: 1 }, { name: 'stream_version', unique: true, sparse: true });
  await commits.createIndex({ commitId: 1 }, { name: 'commit_id', unique: true, sparse: true });
  await commits.createIndex({ lastPosition: 1 }, { name: 'last_position' });
  await commits.createIndex({ bucket: 1 }, { name: 'bucket' });
  await commits.createIndex({ types: 1, lastPosition: 1 }, { name: 'types' });
  await eventIds.createIndex({ eventId: 1, k: -1 }, { name: 'event_id_claims' });
}

/** Events in a commit (none in a tombstone). */
export const sizeOf = (doc: CommitDoc) => (doc.tombstone ? 0 : doc.lastPosition - doc._id + 1);

/** The events of a commit, of this release or an earlier one, in version order. */
export function eventsOf(doc: CommitDoc): RecordedEvent[] {
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

/** A commit's events as stored, with the filter keys of all of them. */
export function storedCommit(events: readonly NewEvent[], recordedAt: string): Pick<CommitDoc, 'events' | 'types' | 'countries' | 'campaignIds' | 'missionIds'> {
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

/** The commits between `after` and `ceiling` that may hold events `query` asks for, by their filter keys or, in commits of earlier releases, their events'. */
export function commitsMatching(query: EventQuery, after: number, ceiling: number): Filter<CommitDoc> {
  const and: Filter<CommitDoc>[] = [{ lastPosition: { $gt: after, $lte: ceiling } }, { tombstone: { $ne: true } }];
  if (query.streamId !== undefined) and.push({ streamId: query.streamId });
  if (query.streamPrefix !== undefined) and.push({ streamId: { $regex: `^${escapeRegex(query.streamPrefix)}` } });
  const types = query.types?.length ? [...new Set(query.types)] : undefined;
  if (types) and.push({ $or: [{ types: { $in: types } }, { 'events.type': { $in: types } }] });
  if (query.country !== undefined) and.push({ $or: [{ countries: query.country }, { 'events.countries': query.country }] });
  if (query.campaignId !== undefined) and.push({ $or: [{ campaignIds: query.campaignId }, { 'events.campaignId': query.campaignId }] });
  if (query.missionId !== undefined) and.push({ $or: [{ missionIds: query.missionId }, { 'events.missionId': query.missionId }] });
  return { $and: and };
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** What an append of `doc` answers. */
export const resultOf = (doc: CommitDoc, eventIds: readonly string[] = eventsOf(doc).map((e) => e.id)): AppendResult => ({
  streamVersion: doc.lastVersion!,
  eventIds,
  positions: eventIds.map((_, i) => doc._id + i),
});

/** A tombstone over `from`..`to`: those positions never hold an event. */
export const tombstone = (from: number, to: number): CommitDoc => ({ _id: from, bucket: bucketOf(from), lastPosition: to, tombstone: true, abandoned: true, events: [] });
