import { allPages, newEvent } from '../../../tests/contracts/event-store.contract.js';
import type { RecordedEvent } from '../../kernel/index.js';
import { ConcurrencyError } from '../application/event-store.port.js';
import type { MongoEventStore, MongoEventStoreOptions } from './mongo-event-store.js';
import { writeEarlierReleaseLog } from '../../../tests/support/earlier-release-log.js';
import { logReaders as readers, manualClock, mongoTestStores, newDbName, streams } from '../../../tests/support/mongo-test-stores.js';

// Reading the global log and streams: holes, the horizon, the head, logs of earlier releases.
const { openStore, dropAndClose, openWatched, dbOf, databaseOf, legacyCommit, stored, expectChain } = mongoTestStores();

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
    const other = await openStore({ gapTimeoutMs: 60_000 }, databaseOf(store));
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
    const clock = manualClock();
    store = await openStore({ gapTimeoutMs: 200, monotonicMs: clock.monotonicMs });
    const before = await store.append('before', 0, [newEvent()]);
    const at = before.positions[0]!;
    await legacyCommit(store, at + 3, 'after', ['After']);

    expect(streams(await read(store, 0))).toEqual(['before']);
    expect(await store.headPosition()).toBe(at);
    clock.advance(100);
    expect(streams(await read(store, 0))).toEqual(['before']);
    expect(store.skippedGaps).toBe(0);
    // A reader at the head looks past a position it finds empty every gapTimeoutMs / 2 at most:
    // the hole's clock starts then, and the hole is skipped gapTimeoutMs later.
    let elapsed = 100;
    let all: RecordedEvent[] = [];
    while (all.length < 2 && elapsed < 1_000) {
      clock.advance(50);
      elapsed += 50;
      all = await read(store, 0);
    }
    expect(elapsed).toBeGreaterThanOrEqual(200);
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
    const other = await openStore({ gapTimeoutMs: 60_000 }, databaseOf(store));
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
    const clock = manualClock();
    store = await openStore({ gapTimeoutMs: 60_000, monotonicMs: clock.monotonicMs });
    for (let i = 0; i < 4; i++) await store.append(`s-${i}`, 0, [newEvent(), newEvent()]);
    // At most once a second (best effort, as readAll; the appends recorded it too): a page
    // read more than a second later records where it got.
    clock.advance(1_100);
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
    const clock = manualClock();
    const watch = await watchedStore({ gapTimeoutMs: 60_000, monotonicMs: clock.monotonicMs });
    store = watch.store;
    const { finds, ranges } = watch;
    // Another process writes; this one reads (and found its horizon before anything was written).
    expect(await store.headPosition()).toBe(0);
    const writer = await openStore({}, databaseOf(store));
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
    clock.advance(1_100);
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
    const later = await openStore({ gapTimeoutMs: 60_000 }, databaseOf(store));
    expect(streams(await later.readAll(0, 100))).toEqual(['old-0', 'old-0', 'old-1', 'old-1', 'old-2', 'old-2']);
    await later.append('new', 0, [newEvent()]);
    expect(streams(await later.readAll(6, 100))).toEqual(['new']);
    expect(await later.headPosition()).toBe(7);
  });
});

