import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import mongoose, { type Connection } from 'mongoose';
import { ProjectionVersions } from '../index.js';
import { MongoReadModelStore } from './mongo-read-model-store.js';
import { connectMongo } from '../../platform/persistence/mongo-connection.js';
import { ProjectionWriter } from './projection-writer.js';
import { counted, streamCounter as counter, type Count } from '../../../tests/support/stream-counter.js';

// Real Redis and a real MongoDB-wire server: `npm run infra:up`.
const MONGO_URL = process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * A projector member: its own connections, and what it asks of the counts (any version):
 * documents by id (`reads`), and whether the collection is empty (`looks`).
 */
async function member(dbName: string, prefix: string) {
  const connection: Connection = mongoose.createConnection(MONGO_URL, { dbName, monitorCommands: true, serverMonitoringMode: 'poll', ignoreUndefined: true });
  await connection.asPromise();
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const readModels = new MongoReadModelStore(connection);
  const watch = { reads: 0, looks: 0 };
  connection.getClient().on('commandStarted', (e) => {
    const command = e.command as { find?: string; filter?: { _id?: unknown } };
    if (!command.find?.startsWith('rm_counts')) return;
    if (command.filter?._id === undefined) watch.looks++;
    else watch.reads++;
  });
  return { writer: new ProjectionWriter(redis, prefix, readModels), readModels, watch, redis, close: async () => (await connection.close(), redis.disconnect()) };
}

describe('ProjectionWriter: projector members taking turns at a projection', () => {
  const dbName = `demarche_test_writer_${randomUUID().replace(/-/g, '')}`;
  const prefix = `demarche-test-${randomUUID()}`;
  let admin: Connection;
  let a: Awaited<ReturnType<typeof member>>;
  let b: Awaited<ReturnType<typeof member>>;
  beforeAll(async () => {
    admin = await connectMongo(MONGO_URL, dbName);
    a = await member(dbName, prefix);
    b = await member(dbName, prefix);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await admin.db!.dropDatabase();
    await admin.close();
  });
  const versionsOf = async (stream: string) => (await a.readModels.get<Count>('counts', stream))?.versions;

  it('reads a document again only when another member wrote the projection since its own last turn', async () => {
    // The read model is new: the first member finds it empty, and needs to read nothing.
    await a.writer.apply(counter, [counted('s', 1)]);
    expect(a.watch).toEqual({ looks: 1, reads: 0 });
    // Its own turn again: what it wrote last is what the store holds.
    await a.writer.apply(counter, [counted('s', 2), counted('r', 1)]);
    expect(a.watch).toEqual({ looks: 1, reads: 0 });
    // Another member's first turn: the read model is not empty, so it reads what it needs.
    await b.writer.apply(counter, [counted('s', 3)]);
    expect(b.watch).toEqual({ looks: 1, reads: 1 });
    // Then the first member's turn: it reads again, and sees the other's change; a stream
    // it never saw is read too, as the other member may have written it.
    await a.writer.apply(counter, [counted('s', 4), counted('q', 1)]);
    expect(a.watch).toEqual({ looks: 1, reads: 2 });
    expect(await versionsOf('s')).toEqual([1, 2, 3, 4]);
    expect(await versionsOf('r')).toEqual([1]);
    expect(await versionsOf('q')).toEqual([1]);
  });

  it('reads again after Redis lost the count of writes, and after a rebuild switched the version', async () => {
    await a.writer.apply(counter, [counted('t', 1)]);
    const before = a.watch.reads;
    await a.redis.del(`${prefix}:writes:stream-counter`);
    await a.writer.apply(counter, [counted('t', 2)]);
    expect(a.watch.reads).toBe(before + 1);
    await a.writer.apply(counter, [counted('t', 3)]);
    expect(a.watch.reads).toBe(before + 1);

    // Version 2 holds its own copy of the documents (as a rebuild would have filled it).
    const versions = new ProjectionVersions(a.readModels);
    await versions.pinned(2).commit('stream-counter', [{ collection: 'counts', id: 't', doc: { stream: 't', count: 3, versions: [1, 2, 3], _seen: { t: 3 } } }]);
    await versions.save({ projection: 'stream-counter', active: 2 });
    const looked = a.watch.looks;
    await a.writer.apply(counter, [counted('t', 4)]);
    expect(a.watch.reads).toBe(before + 2);
    expect(a.watch.looks).toBe(looked + 1);
    expect((await versions.pinned(2).get<Count>('counts', 't'))?.versions).toEqual([1, 2, 3, 4]);
  });
});
