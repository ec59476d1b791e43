import { createServer } from 'node:net';
import { eventFilterContract, eventStoreContract, newEvent } from '../../../tests/contracts/event-store.contract.js';
import type { RecordedEvent } from '../../kernel/index.js';
import { ConcurrencyError, type ExpectedVersion } from '../application/event-store.port.js';
import { MongoEventStore } from './mongo-event-store.js';
import { manualClock, mongoTestStores, newDbName, streams } from '../../../tests/support/mongo-test-stores.js';

// Writing and storing: the chain of commits, concurrent writers, the stored form, connecting.
// Reading the log (holes, the head, earlier layouts) is in mongo-log-reading.int.test.ts.
const { openStore, dropAndClose, openWatched, dbOf, databaseOf, expectChain, stored } = mongoTestStores();

eventStoreContract('MongoDB', () => openStore(), dropAndClose, { openCursors: (s) => (s as MongoEventStore).openCursors });
eventFilterContract('MongoDB', () => openStore(), dropAndClose);

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
        await new Promise((resolve) => setTimeout(resolve, 10)); // the writers' turn
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
    const clock = manualClock();
    store = await openStore({ monotonicMs: clock.monotonicMs });
    await store.append('h', 0, [newEvent('A'), newEvent('B')]);
    const last = await store.append('h', 2, [newEvent('C')]);
    clock.advance(1_100); // the horizon is recorded at most once a second
    expect(await store.headPosition()).toBe(last.positions[0]);
    expect(await dbOf(store).collection('counters').findOne({ _id: 'readable' as never })).toMatchObject({ position: last.positions[0] });
    const fresh = await openStore({}, databaseOf(store));
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
