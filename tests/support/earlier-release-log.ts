import type mongoose from 'mongoose';
import { eventKeys, storedFields, type NewEvent } from '../../libs/event-store/index.js';
import { newEvent } from '../contracts/event-store.contract.js';

/**
 * Writes into `db` the log an earlier release left after a writer was killed twice: positions
 * 1..9 taken from its counter (and claimed), commits at 1 (A), 2-3 (B1, B2) and 6 (C), each
 * event a sub-document with its payload as text; 4-5 and 7-9 never landed.
 */
export async function writeEarlierReleaseLog(db: mongoose.mongo.Db): Promise<void> {
  const recordedAt = new Date().toISOString();
  await db.collection('counters').insertOne({ _id: 'events', next: 9 } as never);
  await db.collection('positions').insertMany(Array.from({ length: 9 }, (_, i) => ({ _id: i + 1 }) as never));
  const commits: [number, string, string[]][] = [
    [1, 'a', ['A']],
    [2, 'b', ['B1', 'B2']],
    [6, 'c', ['C']],
  ];
  for (const [first, streamId, types] of commits) await insertCommit(db, first, streamId, types.map((type) => newEvent(type)), recordedAt);
}

/** Inserts a commit of `events` (versions from 1) at position `first`, as a writer of an earlier release stored it. */
export async function insertCommit(db: mongoose.mongo.Db, first: number, streamId: string, events: readonly NewEvent[], recordedAt = new Date().toISOString()): Promise<void> {
  await db.collection('commits').insertOne({
    _id: first,
    bucket: Math.floor((first - 1) / 64),
    lastPosition: first + events.length - 1,
    streamId,
    firstVersion: 1,
    lastVersion: events.length,
    events: events.map((e) => ({ ...storedFields(e, recordedAt), ...eventKeys(e.data) })),
  } as never);
}
