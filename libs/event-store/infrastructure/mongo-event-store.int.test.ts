import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import mongoose, { type Connection } from 'mongoose';
import { allPages, eventFilterContract, eventStoreContract, newEvent } from '../../../tests/contracts/event-store.contract.js';
import type { RecordedEvent } from '../../kernel/index.js';
import { ConcurrencyError, type EventStore, type ExpectedVersion } from '../application/event-store.port.js';
import { connectMongo, MongoEventStore, type MongoEventStoreOptions } from './mongo-event-store.js';
import { eventually } from '../../../tests/support/eventually.js';

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
const dbOf = (store: EventStore) => admin.getClient().db(databases.get(store)!);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

eventStoreContract('MongoDB', () => openStore(), dropAndClose, { openCursors: (s) => (s as MongoEventStore).openCursors });
eventFilterContract('MongoDB', () => openStore(), dropAndClose);

/** Plays a slow writer: once armed, the next append that takes positions stops until released. */
function slowWriter() {
  let armed = false;
  let block: [number, number] | undefined;
  let allocated!: () => void;
  let release!: () => void;
  let allocatedP = Promise.resolve();
  let releaseP = Promise.resolve();
  return {
    afterAllocate: async (first: number, last: number) => {
      if (!armed) return;
      armed = false;
      block = [first, last];
      allocated();
      await releaseP;
    },
    arm() {
      armed = true;
      allocatedP = new Promise<void>((r) => (allocated = r));
      releaseP = new Promise<void>((r) => (release = r));
    },
    allocated: () => allocatedP,
    release: () => release(),
    block: () => block!,
  };
}

const streams = (events: readonly RecordedEvent[]) => events.map((e) => e.streamId);

/** The two ways of reading the global log, which must stop at and pass holes alike. */
const readers: [string, (store: MongoEventStore, after: number) => Promise<RecordedEvent[]>][] = [
  ['readAll', (store, after) => store.readAll(after, 10)],
  ['readAllPages', async (store, after) => (await allPages(store, after, 1)).flat()],
];

describe.each(readers)('MongoDB event store: holes in the global order, read with %s', (_name, read) => {
  let store: MongoEventStore;
  afterEach(async () => {
    expect(store.openCursors).toBe(0);
    await dropAndClose(store);
  });

  it('stops before a position a slow writer holds, and returns both commits in order once it lands', async () => {
    const slow = slowWriter();
    store = await openStore({ gapTimeoutMs: 60_000, afterAllocate: slow.afterAllocate });
    const before = await store.append('before', 0, [newEvent()]);
    slow.arm();
    const late = store.append('slow', 0, [newEvent('Slow'), newEvent('Slow')]);
    await slow.allocated();
    const fast = await store.append('fast', 0, [newEvent('Fast')]);
    const [first, last] = slow.block();
    expect(fast.positions[0]).toBeGreaterThan(last);

    expect(streams(await read(store, 0))).toEqual(['before']);
    expect(await read(store, before.positions[0]!)).toEqual([]);
    expect(await store.headPosition()).toBe(before.positions[0]);
    expect(streams(await store.query({ limit: 10 }))).toEqual(['before']);
    const other = await openStore({ gapTimeoutMs: 60_000 }, databases.get(store));
    expect(streams(await read(other, 0))).toEqual(['before']);

    slow.release();
    expect((await late).positions).toEqual([first, last]);
    const all = await read(store, 0);
    expect(streams(all)).toEqual(['before', 'slow', 'slow', 'fast']);
    expect(all.map((e) => e.position)).toEqual([before.positions[0], first, last, fast.positions[0]]);
    expect(streams(await read(other, 0))).toEqual(['before', 'slow', 'slow', 'fast']);
    expect(await store.headPosition()).toBe(fast.positions[0]);
    expect(store.skippedGaps).toBe(0);
  });

  it('skips a hole nobody fills after gapTimeoutMs, and fences it for every reader', async () => {
    store = await openStore({ gapTimeoutMs: 200 });
    const before = await store.append('before', 0, [newEvent()]);
    // A writer that took two positions and died before storing its commit.
    const counter = await dbOf(store).collection<{ _id: string; next: number }>('counters').findOneAndUpdate({ _id: 'events' }, { $inc: { next: 2 } }, { returnDocument: 'after' });
    const abandoned = [counter!.next - 1, counter!.next];
    const after = await store.append('after', 0, [newEvent()]);

    expect(streams(await read(store, 0))).toEqual(['before']);
    expect(await store.headPosition()).toBe(before.positions[0]);
    await sleep(100);
    expect(streams(await read(store, 0))).toEqual(['before']);
    expect(store.skippedGaps).toBe(0);
    await sleep(150);
    const all = await read(store, 0);
    expect(streams(all)).toEqual(['before', 'after']);
    expect(all[1]!.position).toBe(after.positions[0]);
    expect(await store.headPosition()).toBe(after.positions[0]);
    expect(store.skippedGaps).toBe(1);

    // The hole is now covered by tombstones, so a reader that never waited passes it at once.
    const fences = await dbOf(store).collection('commits').find({ abandoned: true }).sort({ _id: 1 }).toArray();
    expect(fences.map((f) => f._id)).toEqual(abandoned);
    const other = await openStore({ gapTimeoutMs: 60_000 }, databases.get(store));
    expect(streams(await read(other, 0))).toEqual(['before', 'after']);
    expect(await other.headPosition()).toBe(after.positions[0]);
    expect(other.skippedGaps).toBe(0);
  });

  it('starts the clock of a hole that opens at the head from the position counter, without waiting for a range query', async () => {
    store = await openStore({ gapTimeoutMs: 200 });
    const before = await store.append('before', 0, [newEvent()]);
    expect(streams(await read(store, 0))).toEqual(['before']); // its first look past the head is a range query
    await sleep(150);
    // Then a writer takes two positions and dies; a later commit lands behind them.
    await dbOf(store).collection<{ _id: string; next: number }>('counters').findOneAndUpdate({ _id: 'events' }, { $inc: { next: 2 } });
    const after = await store.append('after', 0, [newEvent()]);
    expect(await read(store, before.positions[0]!)).toEqual([]);
    await sleep(300);
    // The next range query over the log is 2 s away (ten gap timeouts); the counter was enough.
    expect(streams(await read(store, before.positions[0]!))).toEqual(['after']);
    expect(store.skippedGaps).toBe(1);
    expect(await store.headPosition()).toBe(after.positions[0]);
  });

  it('retries a writer whose positions were fenced off at new ones: its events are read once, never behind the cursor', async () => {
    const slow = slowWriter();
    store = await openStore({ gapTimeoutMs: 200, afterAllocate: slow.afterAllocate });
    await store.append('before', 0, [newEvent()]);
    slow.arm();
    const late = store.append('slow', 0, [newEvent('Slow')]);
    await slow.allocated();
    const fast = await store.append('fast', 0, [newEvent()]);
    expect(streams(await read(store, 0))).toEqual(['before']); // the clock starts when the hole is seen
    await sleep(250);
    const firstRead = await read(store, 0);
    expect(streams(firstRead)).toEqual(['before', 'fast']);
    expect(store.skippedGaps).toBe(1);

    slow.release();
    const result = await late;
    expect(result.streamVersion).toBe(1);
    expect(result.positions[0]).toBeGreaterThan(fast.positions[0]!);
    expect(streams(await read(store, firstRead[1]!.position))).toEqual(['slow']);
    expect(streams(await read(store, 0))).toEqual(['before', 'fast', 'slow']);
    expect(await store.readStream('slow')).toHaveLength(1);
  });

  it('leaves a tombstone when an append loses a race, so readers pass its positions at once', async () => {
    const slow = slowWriter();
    store = await openStore({ gapTimeoutMs: 60_000, afterAllocate: slow.afterAllocate });
    const loserEvent = newEvent('Lost');
    slow.arm();
    const loser = store.append('x', 0, [loserEvent]);
    await slow.allocated();
    const winner = await store.append('x', 0, [newEvent('Won')]);
    expect(await read(store, 0)).toEqual([]); // the loser's position comes first and is pending
    slow.release();
    await expect(loser).rejects.toBeInstanceOf(ConcurrencyError);

    const [first, last] = slow.block();
    expect(await dbOf(store).collection('commits').findOne({ _id: first as never })).toMatchObject({ tombstone: true, lastPosition: last, events: [] });
    const all = await read(store, 0);
    expect(all.map((e) => [e.type, e.position])).toEqual([['Won', winner.positions[0]]]);
    expect(await store.headPosition()).toBe(winner.positions[0]);
    expect(store.skippedGaps).toBe(0);
    // The failed append's event id is free again, and a duplicate id elsewhere still conflicts.
    await expect(store.append('x', 1, [loserEvent])).resolves.toMatchObject({ streamVersion: 2 });
    await expect(store.append('y', 0, [loserEvent])).rejects.toBeInstanceOf(ConcurrencyError);
    const next = await store.append('y', 0, [newEvent('After')]);
    expect((await read(store, 0)).map((e) => e.type)).toEqual(['Won', 'Lost', 'After']);
    expect(await store.headPosition()).toBe(next.positions[0]);
  });
});

describe('MongoDB event store: holes in the global order, read through readAllPages', () => {
  let store: MongoEventStore;
  afterEach(() => dropAndClose(store));
  const paged = async (s: MongoEventStore, after = 0, pageSize = 1) => (await allPages(s, after, pageSize)).flat();

  it('stops an open iteration at a hole that opened after it started, without passing it', async () => {
    const slow = slowWriter();
    store = await openStore({ gapTimeoutMs: 60_000, afterAllocate: slow.afterAllocate });
    for (let i = 0; i < 3; i++) await store.append(`before-${i}`, 0, [newEvent()]);
    const iterator = store.readAllPages(0, 1)[Symbol.asyncIterator]();
    expect(streams((await iterator.next()).value as RecordedEvent[])).toEqual(['before-0']);
    slow.arm();
    const late = store.append('slow', 0, [newEvent('Slow')]);
    await slow.allocated();
    await store.append('fast', 0, [newEvent('Fast')]);
    const rest: RecordedEvent[] = [];
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) rest.push(...r.value);
    // It may or may not see the commits stored after it started, but never one behind the hole.
    expect(streams(rest)).toEqual(['before-1', 'before-2']);
    expect(store.openCursors).toBe(0);
    slow.release();
    await late;
    expect(streams(await paged(store, rest[1]!.position))).toEqual(['slow', 'fast']);
  });

  it('records the horizon it reached for instances that start later', async () => {
    store = await openStore({ gapTimeoutMs: 60_000 });
    for (let i = 0; i < 4; i++) await store.append(`s-${i}`, 0, [newEvent(), newEvent()]);
    // At most once a second (best effort, as readAll): the first page records where it got.
    expect(await paged(store, 0, 8)).toHaveLength(8);
    const mark = await dbOf(store).collection<{ _id: string; position: number }>('counters').findOne({ _id: 'readable' });
    expect(mark?.position).toBe(8);
  });
});

describe('MongoDB event store: positions handed out twice', () => {
  let store: MongoEventStore;
  afterEach(() => dropAndClose(store));

  // FerretDB 1.24 applies `$inc` as read-then-write, so concurrent increments get lost and the
  // counter can hand out positions again. Winding it back by hand plays that deterministically.
  it('never lets two commits share a position when the counter goes back', async () => {
    store = await openStore({ gapTimeoutMs: 60_000 });
    const a = await store.append('a', 0, [newEvent('A1'), newEvent('A2'), newEvent('A3')]);
    await dbOf(store).collection<{ _id: string; next: number }>('counters').updateOne({ _id: 'events' }, { $set: { next: a.positions[0]! - 1 } });
    const b = await store.append('b', 0, [newEvent('B1'), newEvent('B2')]);
    expect(b.positions[0]).toBeGreaterThan(a.positions[2]!);
    const c = await store.append('c', 0, [newEvent('C1')]);
    const all = await store.readAll(0, 10);
    expect(all.map((e) => e.type)).toEqual(['A1', 'A2', 'A3', 'B1', 'B2', 'C1']);
    expect(all.map((e) => e.position)).toEqual([...a.positions, ...b.positions, ...c.positions]);
    expect(await store.headPosition()).toBe(c.positions[0]);
    const docs = await dbOf(store).collection<{ _id: number; lastPosition: number }>('commits').find().sort({ _id: 1 }).toArray();
    docs.slice(1).forEach((d, i) => expect(d._id).toBe(docs[i]!.lastPosition + 1)); // contiguous, no overlap
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
  }, 90_000);
});

describe('MongoDB event store: a reader at the head', () => {
  let store: MongoEventStore;
  afterEach(() => dropAndClose(store));

  // FerretDB pushes an equality down to PostgreSQL but answers a range with a sort by fetching
  // and decoding every commit, so a relay that polled with one paid a scan of the log per poll.
  /** A store whose reads of the log are recorded: `finds` (filters), `ranges()`, and `counterReads`. */
  async function watchedStore(options: MongoEventStoreOptions) {
    const name = newDbName();
    const connection = mongoose.createConnection(MONGO_URL, { dbName: name, monitorCommands: true, serverMonitoringMode: 'poll', ignoreUndefined: true });
    await connection.asPromise();
    const opened = new MongoEventStore(connection, options);
    databases.set(opened, name);
    await opened.ensureIndexes();
    const watch = { store: opened, finds: [] as Record<string, unknown>[], counterReads: 0, ranges: () => watch.finds.filter((f) => !('_id' in f) && !('bucket' in f)).length };
    connection.getClient().on('commandStarted', (e) => {
      const command = e.command as { find?: string; filter?: Record<string, unknown> };
      // The log's reads only, not the appends' look at their stream's head.
      if (command.find === 'commits' && !('streamId' in (command.filter ?? {}))) watch.finds.push(command.filter ?? {});
      if (command.find === 'counters' && command.filter?._id === 'events') watch.counterReads++;
    });
    return watch;
  }

  it('finds new commits by equality, a bucket of positions at a time, and looks for a possible hole in the background: at the position counter once a second, with a range query rarely', async () => {
    const watch = await watchedStore({ gapTimeoutMs: 60_000 });
    store = watch.store;
    const { finds, ranges } = watch;

    for (let i = 0; i < 3; i++) await store.append(`s-${i}`, 0, [newEvent(), newEvent()]);
    expect(streams(await store.readAll(0, 100))).toEqual(['s-0', 's-0', 's-1', 's-1', 's-2', 's-2']);
    // Three commits with one query of their bucket, then the bucket again for position 7; at the
    // miss, one range query in the background: is anything behind a hole?
    expect(finds.slice(0, 2)).toEqual([{ bucket: 0 }, { bucket: 0 }]);
    await sleep(100);
    expect(ranges()).toBe(1);

    const next = await store.append('s-3', 0, [newEvent()]);
    expect(streams(await store.readAll(6, 100))).toEqual(['s-3']);
    expect(await store.readAll(next.positions[0]!, 100)).toEqual([]);
    expect(await store.headPosition()).toBe(next.positions[0]);
    await sleep(100);
    expect(ranges()).toBe(1);

    // A second later a reader with nothing new looks again, at the position counter only.
    watch.counterReads = 0;
    await sleep(1_000);
    expect(await store.readAll(next.positions[0]!, 100)).toEqual([]);
    await sleep(100);
    expect(watch.counterReads).toBe(1);
    expect(ranges()).toBe(1);
    // From the middle of a commit there is no _id to look up: a range query, as before.
    expect(streams(await store.readAll(1, 100))).toEqual(['s-0', 's-1', 's-1', 's-2', 's-2', 's-3']);
    expect(ranges()).toBe(2);
  });

  it('finds a hole the position counter lost, bucket by bucket, without a range query over the log', async () => {
    const watch = await watchedStore({ gapTimeoutMs: 200 });
    store = watch.store;
    const before = await store.append('before', 0, [newEvent()]);
    expect(streams(await store.readAll(0, 100))).toEqual(['before']);
    await sleep(100);
    expect(watch.ranges()).toBe(1); // a fresh instance's first look
    // A writer takes 70 positions (into the next bucket) and dies; a later commit lands behind
    // them; then a lost `$inc` takes the counter back, so it no longer shows the hole.
    const counters = dbOf(store).collection<{ _id: string; next: number }>('counters');
    await counters.updateOne({ _id: 'events' }, { $inc: { next: 70 } });
    const after = await store.append('after', 0, [newEvent()]);
    expect(after.positions[0]).toBe(before.positions[0]! + 71);
    await counters.updateOne({ _id: 'events' }, { $set: { next: before.positions[0]! } });
    // Within ten gap timeouts, a look at the next buckets by equality finds the commit behind the hole.
    const read = await eventually(async () => {
      const found = await store.readAll(before.positions[0]!, 100);
      return found.length ? found : undefined;
    }, 'the commit behind the lost hole', 5_000);
    expect(streams(read)).toEqual(['after']);
    expect(store.skippedGaps).toBe(1);
    // Range queries: the first look, and the one that fences the hole once it expired (found by
    // equality: the next one that would have found it was 100 gap timeouts away).
    expect(watch.ranges()).toBe(2);
    expect(watch.finds).toContainEqual({ bucket: 1 });
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
