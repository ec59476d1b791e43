import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import mongoose, { type Connection } from 'mongoose';
import { allPages, eventFilterContract, eventStoreContract, newEvent } from '../../../tests/contracts/event-store.contract.js';
import type { RecordedEvent } from '../../kernel/index.js';
import { ConcurrencyError, eventKeys, storedFields, type EventStore, type ExpectedVersion, type NewEvent } from '../application/event-store.port.js';
import { connectMongo, MongoEventStore, type MongoEventStoreOptions } from './mongo-event-store.js';
import { eventually } from '../../../tests/support/eventually.js';
import { writeEarlierReleaseLog } from '../../../tests/support/earlier-release-log.js';

// Needs a MongoDB-wire server: `npm run infra:up` (FerretDB) or `docker compose up -d --wait`.
const MONGO_URL = process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017';

// Every test works in its own database, dropped afterwards through a separate connection.
let admin: Connection;
beforeAll(async () => {
  admin = await connectMongo(MONGO_URL, 'admin');
});
afterAll(() => admin.close());

const newDbName = () => `demarche_test_es_${randomUUID().replace(/-/g, '')}`;
const databases = new Map<EventStore, string>();
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
const dbOf = (store: EventStore) => admin.getClient().db(databases.get(store)!);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

eventStoreContract('MongoDB', () => openStore(), dropAndClose, { openCursors: (s) => (s as MongoEventStore).openCursors });
eventFilterContract('MongoDB', () => openStore(), dropAndClose);

const streams = (events: readonly RecordedEvent[]) => events.map((e) => e.streamId);

/**
 * Stores a commit the way a writer of an earlier release did: its positions taken from a
 * counter before the insert, so it may land after a hole, or fill one late.
 */
async function legacyCommit(store: MongoEventStore, first: number, streamId: string, types: readonly string[], data?: unknown): Promise<NewEvent[]> {
  const events = types.map((type) => newEvent(type, data));
  const recordedAt = new Date().toISOString();
  await dbOf(store)
    .collection('commits')
    .insertOne({
      _id: first,
      bucket: Math.floor((first - 1) / 64),
      lastPosition: first + events.length - 1,
      streamId,
      firstVersion: 1,
      lastVersion: events.length,
      events: events.map((e) => ({ ...storedFields(e, recordedAt), ...eventKeys(e.data) })),
    } as never);
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

/** The two ways of reading the global log, which must stop at and pass holes alike. */
const readers: [string, (store: MongoEventStore, after: number) => Promise<RecordedEvent[]>][] = [
  ['readAll', (store, after) => store.readAll(after, 10)],
  ['readAllPages', async (store, after) => (await allPages(store, after, 1)).flat()],
];

// Commits of this release never leave a hole (see the chain below). A writer of an earlier
// release took positions before it stored its commit, so one still running could land a
// commit behind a hole, or fill one late: readers must not pass a hole before it is fenced.
describe.each(readers)('MongoDB event store: a hole a writer of an earlier release left, read with %s', (_name, read) => {
  let store: MongoEventStore;
  afterEach(async () => {
    expect(store.openCursors).toBe(0);
    await dropAndClose(store);
  });

  it('stops before it, and returns both commits in order once the late one lands', async () => {
    store = await openStore({ gapTimeoutMs: 60_000 });
    const before = await store.append('before', 0, [newEvent()]);
    const at = before.positions[0]!;
    await legacyCommit(store, at + 3, 'fast', ['Fast']);

    expect(streams(await read(store, 0))).toEqual(['before']);
    expect(await read(store, at)).toEqual([]);
    expect(await store.headPosition()).toBe(at);
    expect(streams(await store.query({ limit: 10 }))).toEqual(['before']);
    const other = await openStore({ gapTimeoutMs: 60_000 }, databases.get(store));
    expect(streams(await read(other, 0))).toEqual(['before']);

    await legacyCommit(store, at + 1, 'slow', ['Slow', 'Slow']);
    const all = await read(store, 0);
    expect(streams(all)).toEqual(['before', 'slow', 'slow', 'fast']);
    expect(all.map((e) => e.position)).toEqual([at, at + 1, at + 2, at + 3]);
    expect(streams(await read(other, 0))).toEqual(['before', 'slow', 'slow', 'fast']);
    expect(await store.headPosition()).toBe(at + 3);
    expect(store.skippedGaps).toBe(0);
  });

  it('skips it after gapTimeoutMs when nobody fills it, and fences it for every reader and writer', async () => {
    store = await openStore({ gapTimeoutMs: 200 });
    const before = await store.append('before', 0, [newEvent()]);
    const at = before.positions[0]!;
    await legacyCommit(store, at + 3, 'after', ['After']);

    expect(streams(await read(store, 0))).toEqual(['before']);
    expect(await store.headPosition()).toBe(at);
    await sleep(100);
    expect(streams(await read(store, 0))).toEqual(['before']);
    expect(store.skippedGaps).toBe(0);
    // A reader at the head looks past a position it finds empty every gapTimeoutMs / 2 at most:
    // the hole's clock starts then.
    const all = await eventually(async () => {
      const found = await read(store, 0);
      return found.length > 1 ? found : undefined;
    }, 'the reader passing the hole', 5_000);
    expect(streams(all)).toEqual(['before', 'after']);
    expect(all[1]!.position).toBe(at + 3);
    expect(await store.headPosition()).toBe(at + 3);
    expect(store.skippedGaps).toBe(1);

    // The hole is now covered by tombstones, one position each, so a reader that never waited passes it at once.
    const fences = (await stored(store)).filter((d) => d.abandoned);
    expect(fences.map((f) => [f._id, f.lastPosition])).toEqual([
      [at + 1, at + 1],
      [at + 2, at + 2],
    ]);
    const other = await openStore({ gapTimeoutMs: 60_000 }, databases.get(store));
    expect(streams(await read(other, 0))).toEqual(['before', 'after']);
    expect(await other.headPosition()).toBe(at + 3);
    expect(other.skippedGaps).toBe(0);
    // A late commit into a fenced position can never land, and the chain goes on after the last commit.
    await expect(legacyCommit(store, at + 1, 'late', ['Late'])).rejects.toMatchObject({ code: 11000 });
    expect((await other.append('next', 0, [newEvent()])).positions).toEqual([at + 4]);
    await expectChain(store);
  });
});

describe('MongoDB event store: holes in the global order, read through readAllPages', () => {
  let store: MongoEventStore;
  afterEach(() => dropAndClose(store));
  const paged = async (s: MongoEventStore, after = 0, pageSize = 1) => (await allPages(s, after, pageSize)).flat();

  it('stops an open iteration at a hole that opened after it started, without passing it', async () => {
    store = await openStore({ gapTimeoutMs: 60_000 });
    for (let i = 0; i < 3; i++) await store.append(`before-${i}`, 0, [newEvent()]);
    const iterator = store.readAllPages(0, 1)[Symbol.asyncIterator]();
    expect(streams((await iterator.next()).value as RecordedEvent[])).toEqual(['before-0']);
    await legacyCommit(store, 5, 'fast', ['Fast']);
    const rest: RecordedEvent[] = [];
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) rest.push(...r.value);
    // It may or may not see the commits stored after it started, but never one behind the hole.
    expect(streams(rest)).toEqual(['before-1', 'before-2']);
    expect(store.openCursors).toBe(0);
    await legacyCommit(store, 4, 'slow', ['Slow']);
    expect(streams(await paged(store, rest[1]!.position))).toEqual(['slow', 'fast']);
  });

  it('records the horizon it reached for instances that start later', async () => {
    store = await openStore({ gapTimeoutMs: 60_000 });
    for (let i = 0; i < 4; i++) await store.append(`s-${i}`, 0, [newEvent(), newEvent()]);
    // At most once a second (best effort, as readAll; the appends recorded it too): a page
    // read more than a second later records where it got.
    await sleep(1_100);
    expect(await paged(store, 0, 8)).toHaveLength(8);
    const mark = await dbOf(store).collection<{ _id: string; position: number }>('counters').findOne({ _id: 'readable' });
    expect(mark?.position).toBe(8);
  });
});

describe('MongoDB event store: a log written by an earlier release', () => {
  let store: MongoEventStore;
  afterEach(() => dropAndClose(store));

  it('is upgraded by the first instance that uses it: every hole fenced, the chain going on after the highest position ever taken', async () => {
    const name = newDbName();
    const seed = await openStore({}, name);
    // The earlier release's log, as a writer killed twice left it: positions 1..9 taken from
    // the counter (and claimed), commits at 1, 2-3 and 6; 4-5 and 7-9 never landed. Its
    // event id claims named the commit's first position.
    const db = dbOf(seed);
    await db.collection('counters').insertOne({ _id: 'events', next: 9 } as never);
    await db.collection('positions').insertMany(Array.from({ length: 9 }, (_, i) => ({ _id: i + 1 }) as never));
    const [a] = await legacyCommit(seed, 1, 'a', ['A']);
    await legacyCommit(seed, 2, 'b', ['B1', 'B2']);
    await legacyCommit(seed, 6, 'c', ['C'], { iso3: 'KEN', campaignId: 'x' });
    const lost = newEvent('Lost');
    await db.collection('event_ids').insertMany([{ _id: `${a!.id}#0`, eventId: a!.id, k: 0, position: 1 } as never, { _id: `${lost.id}#0`, eventId: lost.id, k: 0, position: 4 } as never]);

    store = await openStore({ gapTimeoutMs: 60_000 }, name);
    // Nothing to wait for: the holes are fenced before the first read.
    expect((await store.readAll(0, 10)).map((e) => [e.type, e.position])).toEqual([
      ['A', 1],
      ['B1', 2],
      ['B2', 3],
      ['C', 6],
    ]);
    expect(await store.headPosition()).toBe(6);
    expect((await stored(store)).filter((d) => d.tombstone).map((d) => [d._id, d.lastPosition])).toEqual([
      [4, 5],
      [7, 9],
    ]);
    expect(await db.collection('counters').findOne({ _id: 'layout' as never })).toMatchObject({ chainFrom: 9 });
    expect((await store.append('d', 0, [newEvent('D')])).positions).toEqual([10]);
    // An event whose earlier commit never landed (a tombstone holds its position) may be stored
    // now; one that was stored may not.
    expect((await store.append('e', 0, [lost])).positions).toEqual([11]);
    await expect(store.append('f', 0, [a!])).rejects.toBeInstanceOf(ConcurrencyError);
    await expectChain(store);
    expect(store.skippedGaps).toBe(0);
    // Commits of both layouts are read, and filtered, alike.
    await store.append('g', 0, [newEvent('C', { iso3: 'KEN', campaignId: 'y' }), newEvent('G', { iso3: 'NOR' })]);
    expect((await store.query({ types: ['C'], limit: 10 })).map((e) => e.streamId)).toEqual(['c', 'g']);
    expect((await store.query({ country: 'KEN', limit: 10 })).map((e) => e.streamId)).toEqual(['c', 'g']);
    expect((await store.query({ campaignId: 'x', limit: 10 })).map((e) => e.streamId)).toEqual(['c']);
    expect((await store.readStream('c')).map((e) => e.data)).toEqual([{ iso3: 'KEN', campaignId: 'x' }]);
  });

  it('is upgraded at once by migrateLog (demarche migrate-log), which then finds nothing to do', async () => {
    store = await openStore({ gapTimeoutMs: 60_000 });
    await writeEarlierReleaseLog(dbOf(store));
    expect(await store.migrateLog()).toEqual({ upgraded: true, chainFrom: 9, holesFenced: 2 });
    const tombstones = async () => (await stored(store)).filter((d) => d.tombstone).map((d) => [d._id, d.lastPosition]);
    expect(await tombstones()).toEqual([
      [4, 5],
      [7, 9],
    ]);
    expect(await store.migrateLog()).toEqual({ upgraded: false, chainFrom: 9, holesFenced: 0 });
    expect((await store.readAll(0, 10)).map((e) => [e.type, e.position])).toEqual([
      ['A', 1],
      ['B1', 2],
      ['B2', 3],
      ['C', 6],
    ]);
    expect((await store.append('d', 0, [newEvent('D')])).positions).toEqual([10]);
    expect(await tombstones()).toHaveLength(2);
  });

  it('is looked for once by an instance, before its first read or write, and never again by its appends', async () => {
    const name = newDbName();
    store = await openStore({}, name);
    await store.append('first', 0, [newEvent()]);
    const lookups: unknown[] = [];
    const watched = await openWatched(name, {}, (command) => {
      if (command.find === 'counters' || command.find === 'positions') lookups.push(command.filter);
    });
    for (let i = 0; i < 5; i++) await watched.append(`s-${i}`, 0, [newEvent()]);
    expect(await watched.readAll(0, 10)).toHaveLength(6);
    // The layout, then the horizon another instance recorded.
    expect(lookups).toEqual([{ _id: 'layout' }, { _id: 'readable' }]);
  });
});

describe('MongoDB event store: the chain of commits', () => {
  let stores: MongoEventStore[] = [];
  afterEach(async () => {
    if (stores.length) await dropAndClose(stores[0]!);
    stores = [];
  });

  /** A store on `name` whose inserts into `commits` are counted. */
  async function watchedWriter(name: string) {
    const watch = { commitInserts: 0 };
    const store = await openWatched(name, { gapTimeoutMs: 60_000 }, (command) => {
      if (command.insert === 'commits') watch.commitInserts++;
    });
    return Object.assign(watch, { store });
  }

  it('puts a commit after the last one, and after the commits another process put there first', async () => {
    const name = newDbName();
    stores = [await openStore({ gapTimeoutMs: 60_000 }, name), await openStore({ gapTimeoutMs: 60_000 }, name)];
    const [one, two] = stores as [MongoEventStore, MongoEventStore];
    expect((await one.append('a', 0, [newEvent('A')])).positions).toEqual([1]);
    expect((await two.append('b', 0, [newEvent('B1'), newEvent('B2')])).positions).toEqual([2, 3]);
    expect((await two.append('c', 0, [newEvent('C')])).positions).toEqual([4]);
    // `one` last saw the chain end at 1: its commit meets B at 2, then goes after C.
    expect((await one.append('d', 0, [newEvent('D')])).positions).toEqual([5]);
    expect((await one.readAll(0, 10)).map((e) => e.type)).toEqual(['A', 'B1', 'B2', 'C', 'D']);
    expect((await stored(one)).some((d) => d.tombstone)).toBe(false);
    await expectChain(one);
  });

  it('checks the expected version of an empty append against the streams other instances wrote', async () => {
    const name = newDbName();
    stores = [await openStore({ gapTimeoutMs: 60_000 }, name), await openStore({ gapTimeoutMs: 60_000 }, name)];
    const [one, two] = stores as [MongoEventStore, MongoEventStore];
    await one.append('x', 0, [newEvent('X1'), newEvent('X2')]);
    // `two` never saw `x`: nothing to insert means no index to refuse it, so it must read.
    await expect(two.append('x', 0, [])).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(two.append('x', 2, [])).resolves.toMatchObject({ streamVersion: 2, eventIds: [] });
    await expect(two.append('new', 0, [])).resolves.toMatchObject({ streamVersion: 0 });
    await expectChain(one);
  });

  it('writes the appends that wait together, one insert for many, each a contiguous block in the order they came', async () => {
    const watch = await watchedWriter(newDbName());
    stores = [watch.store];
    const results = await Promise.all(Array.from({ length: 32 }, (_, i) => watch.store.append(`g-${i}`, 0, Array.from({ length: 1 + (i % 3) }, () => newEvent()))));
    // The first append goes alone; those that queued meanwhile go in the next group or two.
    expect(watch.commitInserts).toBeLessThan(6);
    results.forEach((r) => expect(r.positions).toEqual(r.positions.map((_, k) => r.positions[0]! + k)));
    const positions = results.flatMap((r) => r.positions);
    expect(positions).toEqual(positions.map((_, i) => i + 1));
    const all = await watch.store.readAll(0, 1000);
    expect(all.map((e) => e.streamId)).toEqual(results.flatMap((r, i) => r.positions.map(() => `g-${i}`)));
    await expectChain(watch.store);
  });

  it('refuses one commit of a group without holding up the others or leaving a hole', async () => {
    const name = newDbName();
    stores = [await openStore({ gapTimeoutMs: 60_000 }, name), await openStore({ gapTimeoutMs: 60_000 }, name)];
    const [one, other] = stores as [MongoEventStore, MongoEventStore];
    await other.append('x', 0, [newEvent('X')]);
    // `one` does not know that `x` exists: its commit at version 1 is refused by the index
    // in the middle of a group, after others were placed behind it.
    const appends = [one.append('p', 0, [newEvent('P')]), one.append('q', 0, [newEvent('Q')]), one.append('x', 0, [newEvent('Lost')]), one.append('r', 0, [newEvent('R')]), one.append('s', 0, [newEvent('S')])];
    const outcomes = await Promise.allSettled(appends);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((outcomes[2] as PromiseRejectedResult).reason).toBeInstanceOf(ConcurrencyError);
    expect((await one.readAll(0, 10)).map((e) => e.type)).toEqual(['X', 'P', 'Q', 'R', 'S']);
    expect((await one.readStream('x')).map((e) => e.type)).toEqual(['X']);
    await expectChain(one);
  });

  it('frees the id of an event whose commit lost its version, and holds the id of one whose commit may still land', async () => {
    stores = [await openStore({ gapTimeoutMs: 60_000 })];
    const [store] = stores as [MongoEventStore];
    await store.append('taken', 0, [newEvent('First')]);
    const lostRace = newEvent('LostRace');
    const inFlight = newEvent('InFlight');
    // Claims as a writer leaves them: one for version 1 of `taken` (stored without the event),
    // one for version 1 of `pending`, whose writer has not stored its commit (yet).
    await dbOf(store)
      .collection('event_ids')
      .insertMany([{ _id: `${lostRace.id}#0`, eventId: lostRace.id, k: 0, streamId: 'taken', version: 1 } as never, { _id: `${inFlight.id}#0`, eventId: inFlight.id, k: 0, streamId: 'pending', version: 1 } as never]);
    expect((await store.append('elsewhere', 0, [lostRace])).streamVersion).toBe(1);
    await expect(store.append('elsewhere', 1, [inFlight])).rejects.toBeInstanceOf(ConcurrencyError);
    // Once stored, an id is never stored again, whatever the stream.
    await expect(store.append('third', 0, [lostRace])).rejects.toBeInstanceOf(ConcurrencyError);
    expect((await store.readAll(0, 10)).map((e) => e.type)).toEqual(['First', 'LostRace']);
  });
});

describe('MongoDB event store: many writers', () => {
  let stores: MongoEventStore[];
  afterEach(() => dropAndClose(stores[0]!));

  it('20 concurrent writers on 5 streams: every acknowledged event read once, versions contiguous, positions increasing', async () => {
    const name = newDbName();
    // Four instances on one database play four processes; the reader is a fifth.
    stores = [];
    for (let i = 0; i < 5; i++) stores.push(await openStore({ gapTimeoutMs: 10_000 }, name));
    const reader = stores[4]!;
    const acked = new Map<string, { streamId: string; position: number }>();
    let writersDone = false;

    const read: RecordedEvent[] = [];
    const readerLoop = (async () => {
      const deadline = Date.now() + 60_000;
      let cursor = 0;
      while (Date.now() < deadline) {
        const batch = await reader.readAll(cursor, 7);
        if (batch.length) {
          read.push(...batch);
          cursor = batch[batch.length - 1]!.position;
          continue;
        }
        if (writersDone && read.length >= acked.size) return;
        await sleep(10);
      }
    })();

    const writer = async (w: number) => {
      const store = stores[w % 4]!;
      const streamId = `s-${w % 5}`;
      for (let i = 0; i < 5; i++) {
        const events = Array.from({ length: 1 + ((w + i) % 3) }, () => newEvent('Written', { w, i }));
        for (let attempt = 0; ; attempt++) {
          const expected: ExpectedVersion = w % 2 ? 'any' : (await store.readStream(streamId)).length;
          try {
            const result = await store.append(streamId, expected, events);
            result.eventIds.forEach((id, k) => acked.set(id, { streamId, position: result.positions[k]! }));
            break;
          } catch (error) {
            if (!(error instanceof ConcurrencyError) || attempt > 100) throw error;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: 20 }, (_, w) => writer(w)));
    writersDone = true;
    await readerLoop;

    expect(acked.size).toBeGreaterThan(0);
    const ids = read.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(acked.keys()));
    read.forEach((e) => expect(e.position).toBe(acked.get(e.id)!.position));
    read.slice(1).forEach((e, i) => expect(e.position).toBeGreaterThan(read[i]!.position));
    for (let s = 0; s < 5; s++) {
      const inOrder = read.filter((e) => e.streamId === `s-${s}`).map((e) => e.streamVersion);
      expect(inOrder).toEqual(inOrder.map((_, i) => i + 1));
      const stream = await reader.readStream(`s-${s}`);
      expect(stream.map((e) => e.id)).toEqual(read.filter((e) => e.streamId === `s-${s}`).map((e) => e.id));
    }
    expect(await reader.headPosition()).toBe(read[read.length - 1]!.position);
    // Four writers racing for the end of the chain never leave a hole for readers to wait at.
    expect(read.map((e) => e.position)).toEqual(read.map((_, i) => i + 1));
    expect(reader.skippedGaps).toBe(0);
    await expectChain(reader);
  }, 90_000);
});

describe('MongoDB event store: a reader at the head', () => {
  let store: MongoEventStore;
  afterEach(() => dropAndClose(store));

  // FerretDB pushes an equality down to PostgreSQL but answers a range with a sort by fetching
  // and decoding every commit, so a relay that polled with one paid a scan of the log per poll.
  /** A store whose reads of the log are recorded: `finds` (filters) and `ranges()`. */
  async function watchedStore(options: MongoEventStoreOptions) {
    const finds: Record<string, unknown>[] = [];
    const store = await openWatched(newDbName(), options, (command) => {
      const filter = (command.filter ?? {}) as Record<string, unknown>;
      // The log's reads only, not the appends' look at their stream's head.
      if (command.find === 'commits' && !('streamId' in filter)) finds.push(filter);
    });
    return { store, finds, ranges: () => finds.filter((f) => 'lastPosition' in f).length };
  }

  it('finds new commits by equality, a bucket of positions at a time, and never asks the log with a range query', async () => {
    const watch = await watchedStore({ gapTimeoutMs: 60_000 });
    store = watch.store;
    const { finds, ranges } = watch;
    // Another process writes; this one reads (and found its horizon before anything was written).
    expect(await store.headPosition()).toBe(0);
    const writer = await openStore({}, databases.get(store));
    finds.length = 0;

    for (let i = 0; i < 3; i++) await writer.append(`s-${i}`, 0, [newEvent(), newEvent()]);
    expect(streams(await store.readAll(0, 100))).toEqual(['s-0', 's-0', 's-1', 's-1', 's-2', 's-2']);
    // Three commits with one query of their bucket, then position 7 by _id: in the middle of a
    // bucket, the bucket would bring back the three commits again.
    expect(finds).toEqual([{ bucket: 0 }, { _id: 7 }]);

    const next = await writer.append('s-3', 0, [newEvent()]);
    expect(streams(await store.readAll(6, 100))).toEqual(['s-3']);
    expect(await store.readAll(next.positions[0]!, 100)).toEqual([]);
    expect(await store.headPosition()).toBe(next.positions[0]);
    await sleep(1_100);
    expect(await store.readAll(next.positions[0]!, 100)).toEqual([]);
    expect(ranges()).toBe(0);
    // Polling at the head asks one _id at a time.
    finds.length = 0;
    await writer.append('s-4', 0, [newEvent()]);
    expect(streams(await store.readAll(next.positions[0]!, 100))).toEqual(['s-4']);
    expect(finds).toEqual([{ _id: 8 }, { _id: 9 }]);
    // What it read lately, and what it writes itself, its readers do not ask for again: only
    // whether something came after.
    finds.length = 0;
    await store.append('s-5', 0, [newEvent()]);
    // (its first append walked to the end of the chain: nothing after 8)
    expect(finds).toEqual([{ _id: 9 }]);
    finds.length = 0;
    expect(streams(await store.readAll(0, 100))).toEqual(['s-0', 's-0', 's-1', 's-1', 's-2', 's-2', 's-3', 's-4', 's-5']);
    expect(finds).toEqual([{ _id: 10 }]);
    // From the middle of a commit there is no _id to look up: a range query, as before.
    expect(streams(await store.readAll(1, 100))).toEqual(['s-0', 's-1', 's-1', 's-2', 's-2', 's-3', 's-4', 's-5']);
    expect(ranges()).toBe(1);
  });
});

describe('MongoDB event store: a stream read again', () => {
  let stores: MongoEventStore[] = [];
  afterEach(async () => {
    await dropAndClose(stores[0]!);
    stores = [];
  });

  it('is read on from the version read before, by equality, with the commits of other instances', async () => {
    const name = newDbName();
    const filters: Record<string, unknown>[] = [];
    const reader = await openWatched(name, {}, (command) => {
      const filter = command.filter as Record<string, unknown> | undefined;
      if (command.find === 'commits' && filter && 'streamId' in filter) filters.push(filter);
    });
    const writer = await openStore({}, name);
    stores = [reader, writer];

    await writer.append('s', 0, [newEvent('A'), newEvent('B')]);
    expect((await reader.readStream('s')).map((e) => e.type)).toEqual(['A', 'B']);
    expect((await reader.readStream('s')).map((e) => e.type)).toEqual(['A', 'B']);
    await writer.append('s', 2, [newEvent('C')]);
    await writer.append('s', 3, [newEvent('D'), newEvent('E')]);
    expect((await reader.readStream('s')).map((e) => [e.type, e.streamVersion])).toEqual([['A', 1], ['B', 2], ['C', 3], ['D', 4], ['E', 5]]);
    expect(filters).toEqual([{ streamId: 's' }, { streamId: 's', firstVersion: 3 }, { streamId: 's', firstVersion: 3 }, { streamId: 's', firstVersion: 4 }, { streamId: 's', firstVersion: 6 }]);
    // Its own appends are kept as it makes them; what it gives out is the same for every reader.
    await reader.append('s', 5, [newEvent('F')]);
    filters.length = 0;
    const events = await reader.readStream('s');
    expect(events.map((e) => e.type)).toEqual(['A', 'B', 'C', 'D', 'E', 'F']);
    expect(filters).toEqual([{ streamId: 's', firstVersion: 7 }]);
    expect(() => ((events[0]!.data as Record<string, unknown>).n = 1)).toThrow(TypeError);
    expect(await writer.readStream('s')).toEqual(events);
    // A writer may take it as last seen, without asking (its append at that version refuses a stale one).
    await writer.append('s', 6, [newEvent('G')]);
    filters.length = 0;
    expect((await reader.readStream('s', { cached: true })).map((e) => e.type)).toEqual(['A', 'B', 'C', 'D', 'E', 'F']);
    expect(filters).toEqual([]);
    await expect(reader.append('s', 6, [newEvent('H')])).rejects.toBeInstanceOf(ConcurrencyError);
    expect((await reader.readStream('s')).map((e) => e.type)).toEqual(['A', 'B', 'C', 'D', 'E', 'F', 'G']);
  });
});

describe('MongoDB event store: a long reader', () => {
  let store: MongoEventStore;
  afterEach(() => dropAndClose(store));

  it('asks for as many commits a round trip as make a few thousand events, and for fewer when the commits grow', async () => {
    const batches: { command: string; batchSize: number }[] = [];
    store = await openWatched(newDbName(), { gapTimeoutMs: 60_000 }, (command) => {
      if (command.find === 'commits' && typeof command.batchSize === 'number') batches.push({ command: 'find', batchSize: command.batchSize });
      if (command.getMore !== undefined && command.collection === 'commits') batches.push({ command: 'getMore', batchSize: command.batchSize as number });
    });
    // One small commit first, by which the reader judges the rest, then big ones.
    const written = [newEvent('Small')];
    await store.append('small', 0, written);
    for (let i = 0; i < 12; i++) {
      const big = Array.from({ length: 2_500 }, () => newEvent('Big'));
      written.push(...big);
      await store.append(`big-${i}`, 0, big);
    }
    batches.length = 0;
    const read: string[] = [];
    for await (const page of store.readAllPages(0, 10)) read.push(...page.map((e) => e.id));
    expect(read).toEqual(written.map((e) => e.id));
    // Ten commits a batch by the first commit's size (at most the page size); after those ten
    // (22,501 events) a new cursor asks for two at a time: 5,000 events at 2,250 a commit.
    expect(batches[0]).toEqual({ command: 'find', batchSize: 10 });
    const again = batches.findIndex((b, i) => i > 0 && b.command === 'find');
    expect(batches[again]).toEqual({ command: 'find', batchSize: 2 });
    expect(batches.slice(1, again).every((b) => b.command === 'getMore' && b.batchSize === 10)).toBe(true);
    expect(batches.slice(again + 1).every((b) => b.command === 'getMore' && b.batchSize === 2)).toBe(true);
  });

  it('asks for fewer commits a round trip when they are big from the start', async () => {
    const finds: number[] = [];
    store = await openWatched(newDbName(), { gapTimeoutMs: 60_000 }, (command) => {
      if (command.find === 'commits' && typeof command.batchSize === 'number') finds.push(command.batchSize);
    });
    for (let i = 0; i < 4; i++) await store.append(`s-${i}`, 0, Array.from({ length: 1_000 }, () => newEvent()));
    finds.length = 0;
    let events = 0;
    for await (const page of store.readAllPages(0, 1000)) events += page.length;
    expect(events).toBe(4_000);
    expect(finds).toEqual([5]);
  });
});

describe('MongoDB event store: commits stored before buckets', () => {
  let store: MongoEventStore;
  afterEach(() => dropAndClose(store));

  it('are found by _id by a reader at the head, before and among commits that have one', async () => {
    store = await openStore({ gapTimeoutMs: 60_000 });
    for (let i = 0; i < 3; i++) await store.append(`old-${i}`, 0, [newEvent(), newEvent()]);
    await dbOf(store).collection('commits').updateMany({}, { $unset: { bucket: '' } });
    expect(await dbOf(store).collection('commits').countDocuments({ bucket: { $exists: true } })).toBe(0);
    const later = await openStore({ gapTimeoutMs: 60_000 }, databases.get(store));
    expect(streams(await later.readAll(0, 100))).toEqual(['old-0', 'old-0', 'old-1', 'old-1', 'old-2', 'old-2']);
    await later.append('new', 0, [newEvent()]);
    expect(streams(await later.readAll(6, 100))).toEqual(['new']);
    expect(await later.headPosition()).toBe(7);
  });
});

describe('MongoDB event store: storage details', () => {
  let store: MongoEventStore;
  afterEach(() => dropAndClose(store));

  it('round-trips payloads exactly, including keys MongoDB cannot store and nested arrays', async () => {
    store = await openStore({ now: () => new Date('2026-02-03T04:05:06.789Z') });
    const data = {
      'a.b': { $set: 1, '': 'empty key', 'x.y.z': [[1, 2], [], [[3]]] },
      text: 'ü é 😀 \u0000 "quotes" \\ back',
      list: [1, -2.5, 1e21, true, false, null, { deep: { er: ['x'] } }],
      n: Number.MAX_SAFE_INTEGER,
      empty: {},
    };
    await store.append('data', 0, [newEvent('Data', data), newEvent('Scalar', 'just a string'), newEvent('Arr', [[1], ['a']])]);
    const [e1, e2, e3] = await store.readStream('data');
    expect(e1!.data).toEqual(data);
    expect(e2!.data).toBe('just a string');
    expect(e3!.data).toEqual([[1], ['a']]);
    expect(e1!.recordedAt).toBe('2026-02-03T04:05:06.789Z');
    expect((await store.readAll(0, 1))[0]!.data).toEqual(data);
    expect((await store.query({ types: ['Data'], limit: 1 }))[0]!.data).toEqual(data);
  });

  it('lets a fresh instance start from the horizon an earlier one recorded', async () => {
    store = await openStore();
    await store.append('h', 0, [newEvent('A'), newEvent('B')]);
    const last = await store.append('h', 2, [newEvent('C')]);
    await sleep(1_100); // the horizon is recorded at most once a second
    expect(await store.headPosition()).toBe(last.positions[0]);
    expect(await dbOf(store).collection('counters').findOne({ _id: 'readable' as never })).toMatchObject({ position: last.positions[0] });
    const fresh = await openStore({}, databases.get(store));
    expect(await fresh.headPosition()).toBe(last.positions[0]);
    expect((await fresh.query({ limit: 10 })).map((e) => e.type)).toEqual(['A', 'B', 'C']);
  });

  it('matches a stream prefix literally, even with regex characters in it', async () => {
    store = await openStore();
    await store.append('a.b(1', 0, [newEvent()]);
    await store.append('axb(2', 0, [newEvent()]);
    await store.append('za.b(3', 0, [newEvent()]);
    expect(streams(await store.query({ streamPrefix: 'a.b(', limit: 10 }))).toEqual(['a.b(1']);
    expect(streams(await store.query({ streamPrefix: '.*', limit: 10 }))).toEqual([]);
  });

  it('reads from the middle of a commit and pages through commits of several events', async () => {
    store = await openStore();
    await store.append('m', 0, [newEvent('A'), newEvent('B'), newEvent('C')]);
    await store.append('n', 0, [newEvent('D'), newEvent('E')]);
    const all = await store.readAll(0, 10);
    expect(all.map((e) => e.type)).toEqual(['A', 'B', 'C', 'D', 'E']);
    expect((await store.readAll(all[0]!.position, 2)).map((e) => e.type)).toEqual(['B', 'C']);
    expect((await store.readAll(all[1]!.position, 2)).map((e) => e.type)).toEqual(['C', 'D']);
    expect((await store.query({ afterPosition: all[3]!.position, limit: 5 })).map((e) => e.type)).toEqual(['E']);
    expect((await store.query({ types: ['B', 'E'], limit: 5 })).map((e) => [e.type, e.streamVersion])).toEqual([['B', 2], ['E', 2]]);
  });
});

describe('MongoDB event store: connecting', () => {
  it('fails fast, naming the URL and what to do, when nothing listens', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const url = `mongodb://127.0.0.1:${port}`;
    const started = Date.now();
    const failure = MongoEventStore.connect(url, 'never');
    await expect(failure).rejects.toThrow(`MongoDB at ${url} did not answer within 5 s`);
    await expect(failure).rejects.toThrow(/npm run infra:up.*MONGO_URL/);
    expect(Date.now() - started).toBeLessThan(8_000);
  }, 15_000);

  it('keeps passwords out of the message', async () => {
    await expect(MongoEventStore.connect('mongodb://demarche:s3cret@127.0.0.1:1', 'never', { connectTimeoutMs: 300 })).rejects.toThrow(
      'MongoDB at mongodb://demarche:***@127.0.0.1:1 did not answer within 0.3 s',
    );
  });
});

/**
 * The index an explained query used, on MongoDB (a stage of the winning plan) or on FerretDB
 * (which explains with PostgreSQL's plan), or undefined for a scan of the collection.
 */
function indexUsed(explained: Record<string, unknown>): string | undefined {
  const found: string[] = [];
  const walk = (node: unknown) => {
    if (!node || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    if (typeof n['Index Name'] === 'string') found.push(n['Index Name']);
    if (typeof n.stage === 'string' && /IXSCAN|IDHACK/.test(n.stage)) found.push(String(n.indexName ?? n.stage));
    Object.values(n).forEach(walk);
  };
  walk(explained.queryPlanner);
  return found[0];
}

describe('MongoDB event store: what the server does with its lookups', () => {
  // On FerretDB this holds only with deploy/infra's equality indexes (postgres/equality-indexes.sql).
  it('answers a stream read, a bucket and an _id through an index, not a scan of the log', async () => {
    const store = await openStore();
    try {
      for (let i = 0; i < 300; i++) await store.append(`s-${i % 30}`, 'any', [newEvent('A', { pad: 'x'.repeat(300) })]);
      const commits = dbOf(store).collection('commits');
      const some = (await commits.findOne({ streamId: 's-7' }))!;
      for (const filter of [{ streamId: 's-7' }, { bucket: some.bucket }, { _id: some._id }]) {
        const explained = (await commits.find(filter).explain()) as Record<string, unknown>;
        expect({ filter, index: indexUsed(explained) }).toEqual({ filter, index: expect.any(String) });
      }
    } finally {
      await dropAndClose(store);
    }
  }, 60_000);
});
