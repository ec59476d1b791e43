import { randomUUID } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { allPages, newEvent } from '../contracts/event-store.contract.js';
import type { RecordedEvent } from '../../libs/kernel/index.js';
import type { EventStore, NewEvent } from '../../libs/event-store/application/event-store.port.js';
import { insertCommit } from './earlier-release-log.js';
import { connectMongo, MongoEventStore, type MongoEventStoreOptions } from '../../libs/event-store/infrastructure/mongo-event-store.js';

// Needs a MongoDB-wire server: `npm run infra:up` (FerretDB) or `docker compose up -d --wait`.
export const MONGO_URL = process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017';

export const newDbName = () => `demarche_test_es_${randomUUID().replace(/-/g, '')}`;
export const streams = (events: readonly RecordedEvent[]) => events.map((e) => e.streamId);

/** A monotonic clock that moves only when a test says so, for the store's timeouts and throttles. */
export function manualClock(start = 1_000_000) {
  let now = start;
  return { monotonicMs: () => now, advance: (ms: number) => void (now += ms) };
}

/**
 * MongoDB event stores for one test file, each test in a database of its own, dropped
 * afterwards through a separate admin connection opened before the file's tests.
 */
export function mongoTestStores() {
  let admin: Connection;
  beforeAll(async () => {
    admin = await connectMongo(MONGO_URL, 'admin');
  });
  afterAll(() => admin.close());

  const databases = new Map<EventStore, string>();
  const dbOf = (store: EventStore) => admin.getClient().db(databases.get(store)!);

  async function openStore(options: MongoEventStoreOptions = {}, name = newDbName()): Promise<MongoEventStore> {
    const store = await MongoEventStore.connect(MONGO_URL, name, options);
    databases.set(store, name);
    return store;
  }
  /** Closes every store opened on the same database as `store`, then drops it. */
  async function dropAndClose(store: EventStore): Promise<void> {
    const name = databases.get(store)!;
    for (const [s, n] of [...databases]) {
      if (n !== name) continue;
      await s.close();
      databases.delete(s);
    }
    await admin.getClient().db(name).dropDatabase();
  }
  /** A store on `name` (opened and indexed) whose connection then shows every command it sends to `onCommand`. */
  async function openWatched(name: string, options: MongoEventStoreOptions, onCommand: (command: Record<string, unknown>) => void): Promise<MongoEventStore> {
    const connection = mongoose.createConnection(MONGO_URL, { dbName: name, monitorCommands: true, serverMonitoringMode: 'poll', ignoreUndefined: true });
    await connection.asPromise();
    const opened = new MongoEventStore(connection, options);
    databases.set(opened, name);
    await opened.ensureIndexes();
    connection.getClient().on('commandStarted', (e) => onCommand(e.command));
    return opened;
  }

  /**
   * Stores a commit the way a writer of an earlier release did: its positions taken from a
   * counter before the insert, so it may land after a hole, or fill one late.
   */
  async function legacyCommit(store: MongoEventStore, first: number, streamId: string, types: readonly string[], data?: unknown): Promise<NewEvent[]> {
    const events = types.map((type) => newEvent(type, data));
    await insertCommit(dbOf(store), first, streamId, events);
    return events;
  }

  /** The commits and tombstones as stored, in position order. */
  const stored = async (store: MongoEventStore) =>
    dbOf(store).collection<{ _id: number; lastPosition: number; tombstone?: boolean; abandoned?: boolean }>('commits').find({}, { sort: { _id: 1 }, projection: { lastPosition: 1, tombstone: 1, abandoned: 1 } }).toArray();

  /** Every position from 1 is in exactly one document: the chain has neither holes nor overlaps. */
  async function expectChain(store: MongoEventStore): Promise<void> {
    const docs = await stored(store);
    docs.forEach((d, i) => expect(d._id).toBe(i === 0 ? 1 : docs[i - 1]!.lastPosition + 1));
  }

  return { openStore, dropAndClose, openWatched, dbOf, databaseOf: (store: EventStore) => databases.get(store), legacyCommit, stored, expectChain };
}

/** The two ways of reading the global log, which must stop at and pass holes alike. */
export const logReaders: [string, (store: MongoEventStore, after: number) => Promise<RecordedEvent[]>][] = [
  ['readAll', (store, after) => store.readAll(after, 10)],
  ['readAllPages', async (store, after) => (await allPages(store, after, 1)).flat()],
];
