import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { readModelStoreContract } from '../../../tests/contracts/read-model-store.contract.js';
import { connectMongo } from '../../event-store/infrastructure/mongo-event-store.js';
import type { ReadModelStore } from '../application/read-model-store.port.js';
import { MongoReadModelStore } from './mongo-read-model-store.js';

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
});
