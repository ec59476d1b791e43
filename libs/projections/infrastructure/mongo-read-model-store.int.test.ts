import { randomUUID } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { readModelStoreContract } from '../../../tests/contracts/read-model-store.contract.js';
import { connectMongo } from '../../event-store/infrastructure/mongo-event-store.js';
import { DocumentCreatedElsewhere, type ReadModelStore } from '../application/read-model-store.port.js';
import { MAX_INSERTS_PER_COMMAND, MAX_WRITES_PER_COMMAND, MongoReadModelStore } from './mongo-read-model-store.js';

// Needs a MongoDB-wire server: `npm run infra:up` (FerretDB) or `docker compose up -d --wait`.
const MONGO_URL = process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017';

// Each store gets its own database, dropped through a separate connection afterwards.
let admin: Connection;
beforeAll(async () => {
  admin = await connectMongo(MONGO_URL, 'admin');
});
afterAll(() => admin.close());
const databases = new Map<ReadModelStore, string>();
async function open(): Promise<MongoReadModelStore> {
  const name = `demarche_test_rm_${randomUUID().replace(/-/g, '')}`;
  const store = await MongoReadModelStore.connect(MONGO_URL, name);
  databases.set(store, name);
  return store;
}
/** A store on a database of its own whose every command is shown to `listen` as it starts. */
async function openWatched(listen: (command: Record<string, unknown>) => void): Promise<MongoReadModelStore> {
  const name = `demarche_test_rm_${randomUUID().replace(/-/g, '')}`;
  const connection = mongoose.createConnection(MONGO_URL, { dbName: name, monitorCommands: true, serverMonitoringMode: 'poll' });
  await connection.asPromise();
  connection.getClient().on('commandStarted', (e) => listen(e.command));
  const store = new MongoReadModelStore(connection);
  databases.set(store, name);
  return store;
}
async function dropAndClose(store: ReadModelStore): Promise<void> {
  await (store as MongoReadModelStore).close();
  await admin.getClient().db(databases.get(store)).dropDatabase();
  databases.delete(store);
}

readModelStoreContract('MongoDB', open, dropAndClose);

describe('MongoDB read model store: specifics', () => {
  let store: MongoReadModelStore;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(() => dropAndClose(store));

  it('returns documents exactly as committed, bookkeeping and awkward keys included', async () => {
    const doc = {
      id: 'f.1',
      state: 'open',
      history: [{ type: 'FollowUpScheduled', at: '2026-01-01T00:00:00.000Z', actor: 'a' }],
      nested: { 'a.b': { $c: 1, '100%': 'ü 😀', '%2E': true }, list: [1, 'two', { x: null }], empty: {} },
      $top: 'dollar',
      'top.dot': 2,
      _id: 'the payload has its own _id',
      _seen: { 'follow-up-f.1': 3, 'country-KEN': 1 },
    };
    await store.commit('p', [{ collection: 'follow-ups', id: 'f.1', doc }], 4);
    expect(await store.get('follow-ups', 'f.1')).toEqual(doc);
    expect(await store.find('follow-ups', { 'top.dot': 2 })).toEqual([doc]);
    expect(await store.find('follow-ups', { $top: 'dollar' })).toEqual([doc]);
    expect(await store.find('follow-ups', { _id: 'the payload has its own _id' })).toEqual([doc]);
  });

  it('treats filter values and names from query strings as literals, never as operators', async () => {
    await store.commit('p', [
      { collection: 'c', id: '1', doc: { id: '1', state: 'open' } },
      { collection: 'c', id: '2', doc: { id: '2', state: '$ne' } },
    ], 1);
    expect(await store.find('c', { state: '$ne' })).toEqual([{ id: '2', state: '$ne' }]);
    expect(await store.find('c', { $where: 'true' })).toEqual([]);
    expect(await store.find('c', { 'state.$ne': 'x' })).toEqual([]);
    await expect(store.find('c', { state: { $ne: null } } as never)).rejects.toThrow(TypeError);
    await expect(store.find('c', { state: ['open'] } as never)).rejects.toThrow(TypeError);
  });

  it('applies the writes of a batch in order across collections', async () => {
    await store.commit('p', [
      { collection: 'a', id: 'x', doc: { n: 1 } },
      { collection: 'b', id: 'y', doc: { n: 2 } },
      { collection: 'a', id: 'x', doc: null },
      { collection: 'a', id: 'z', doc: { n: 3 } },
    ], 9);
    expect(await store.find('a')).toEqual([{ n: 3 }]);
    expect(await store.find('b')).toEqual([{ n: 2 }]);
    expect(await store.checkpoint('p')).toBe(9);
    await store.commit('p', [], 12);
    expect(await store.checkpoint('p')).toBe(12);
  });

  it('inserts documents written as created, and refuses, overwriting nothing, one that another writer created first', async () => {
    await store.commit('p', [{ collection: 'c', id: 'taken', doc: { by: 'the other writer', _seen: { s: 1 } } }]);
    await store.commit('p', [
      { collection: 'c', id: 'new.1', doc: { n: 1, 'a.b': true, _seen: { 'follow-up-a.b': 1 } }, created: true },
      { collection: 'c', id: 'kept', doc: { n: 2 } },
    ], 3);
    expect(await store.get('c', 'new.1')).toEqual({ n: 1, 'a.b': true, _seen: { 'follow-up-a.b': 1 } });
    const failing = store.commit('p', [{ collection: 'c', id: 'taken', doc: { by: 'this writer' }, created: true }], 4);
    await expect(failing).rejects.toThrow(DocumentCreatedElsewhere);
    await expect(failing).rejects.toThrow(/document taken was created by another writer after this one found it absent.*apply the batch again/);
    expect(await store.get('c', 'taken')).toEqual({ by: 'the other writer', _seen: { s: 1 } });
    // The checkpoint never runs ahead of documents that were not written.
    expect(await store.checkpoint('p')).toBe(3);
  });

  // FerretDB 1.24 holds a PostgreSQL connection per update of an existing document until the
  // command ends, and hangs once 200 are held. 150 stays under that, so a regression shows
  // here as a command too big, not as a server wedged for the tests that follow.
  it('sends a batch that updates many documents in commands of at most MAX_WRITES_PER_COMMAND writes', async () => {
    const sizes: number[] = [];
    const watched = await openWatched((command) => {
      if (command.update === 'rm_many') sizes.push((command.updates as unknown[]).length);
    });
    try {
      const docs = (round: number) => Array.from({ length: 150 }, (_, i) => ({ collection: 'many', id: `d${i}`, doc: { i, round } }));
      await watched.commit('p', docs(1), 1);
      await watched.commit('p', docs(2), 2);
      // Several writers at once must stay under FerretDB's 200 connections together.
      expect(MAX_WRITES_PER_COMMAND).toBeLessThanOrEqual(50);
      expect(sizes).toHaveLength(2 * Math.ceil(150 / MAX_WRITES_PER_COMMAND));
      expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_WRITES_PER_COMMAND);
      const stored = await watched.find<{ i: number; round: number }>('many');
      expect(stored).toHaveLength(150);
      expect(stored.every((d) => d.round === 2)).toBe(true);
      expect(await watched.checkpoint('p')).toBe(2);
    } finally {
      await dropAndClose(watched);
    }
  });

  it('sends new documents in inserts of at most MAX_INSERTS_PER_COMMAND, beside the updates of the same batch', async () => {
    const commands: string[] = [];
    const watched = await openWatched((command) => {
      if (command.insert === 'rm_many') commands.push(`insert ${(command.documents as unknown[]).length}`);
      if (command.update === 'rm_many') commands.push(`update ${(command.updates as unknown[]).length}`);
    });
    try {
      await watched.commit('p', [{ collection: 'many', id: 'old', doc: { i: -1 } }]);
      commands.length = 0;
      const created = Array.from({ length: 250 }, (_, i) => ({ collection: 'many', id: `d${i}`, doc: { i }, created: true as const }));
      await watched.commit('p', [...created.slice(0, 125), { collection: 'many', id: 'old', doc: { i: -2 } }, ...created.slice(125)], 1);
      // The batch is big enough to need several inserts, and each insert stays within the bound.
      expect(MAX_INSERTS_PER_COMMAND).toBeLessThan(250);
      const inserts = Array.from({ length: Math.ceil(250 / MAX_INSERTS_PER_COMMAND) }, (_, k) => `insert ${Math.min(MAX_INSERTS_PER_COMMAND, 250 - k * MAX_INSERTS_PER_COMMAND)}`);
      expect(commands).toEqual([...inserts, 'update 1']);
      const stored = await watched.find<{ i: number }>('many');
      expect(stored.map((d) => d.i).sort((a, b) => a - b)).toEqual([-2, ...created.map((c) => c.doc.i)]);
    } finally {
      await dropAndClose(watched);
    }
  });
});
