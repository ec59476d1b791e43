import { InMemoryReadModelStore, type ReadModelStore } from '../index.js';
import { DocumentCache } from './document-cache.js';

/** A store that counts its reads, and fails its next commit when told to. */
function watched(inner: ReadModelStore) {
  const state = { reads: 0, failNext: false };
  const store: ReadModelStore = Object.assign(Object.create(inner) as ReadModelStore, {
    get: (collection: string, id: string) => (state.reads++, inner.get(collection, id)),
    commit: async (...args: Parameters<ReadModelStore['commit']>) => {
      if (state.failNext) {
        state.failNext = false;
        await inner.commit(args[0], args[1].slice(0, 1), args[2]); // part of it landed
        throw new Error('store went away');
      }
      await inner.commit(...args);
    },
  });
  return { store, state };
}

describe('DocumentCache', () => {
  it('answers reads with what it read or wrote, absent documents included, until cleared', async () => {
    const { store, state } = watched(new InMemoryReadModelStore());
    const cache = new DocumentCache();
    const cached = cache.over(store);
    expect(await cached.get('c', 'a')).toBeUndefined();
    expect(await cached.get('c', 'a')).toBeUndefined();
    await cached.commit('p', [{ collection: 'c', id: 'b', doc: { n: 1 } }]);
    expect(await cached.get('c', 'b')).toEqual({ n: 1 });
    expect(state.reads).toBe(1);
    cache.clear();
    expect(await cached.get('c', 'b')).toEqual({ n: 1 });
    expect(state.reads).toBe(2);
  });

  it('forgets everything when a commit fails part-way', async () => {
    const { store, state } = watched(new InMemoryReadModelStore());
    const cache = new DocumentCache();
    const cached = cache.over(store);
    await cached.commit('p', [{ collection: 'c', id: 'a', doc: { n: 1 } }]);
    state.failNext = true;
    await expect(cached.commit('p', [{ collection: 'c', id: 'a', doc: { n: 2 } }, { collection: 'c', id: 'b', doc: { n: 2 } }])).rejects.toThrow('store went away');
    expect(cache.size).toBe(0);
    expect(await cached.get('c', 'a')).toEqual({ n: 2 });
  });

  it('reads nothing of a collection that started empty, until cleared', async () => {
    const { store, state } = watched(new InMemoryReadModelStore());
    const cache = new DocumentCache();
    const cached = cache.over(store);
    cache.startedEmpty('c');
    await cached.commit('p', [{ collection: 'c', id: 'a', doc: { n: 1 } }]);
    expect(await cached.get('c', 'a')).toEqual({ n: 1 });
    expect(await cached.get('c', 'never-written')).toBeUndefined();
    expect(state.reads).toBe(0);
    // Other collections are read as before.
    expect(await cached.get('d', 'x')).toBeUndefined();
    expect(state.reads).toBe(1);
    // Cleared (another writer wrote), a document it does not hold is read again.
    await store.commit('p', [{ collection: 'c', id: 'b', doc: { by: 'another writer' } }]);
    cache.clear();
    expect(await cached.get('c', 'b')).toEqual({ by: 'another writer' });
    expect(state.reads).toBe(2);
  });
});
