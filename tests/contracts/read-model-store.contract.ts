import type { ReadModelStore } from '../../libs/projections/index.js';

/** The behaviour every read model store adapter must have. */
export function readModelStoreContract(name: string, open: () => Promise<ReadModelStore>, cleanup: (store: ReadModelStore) => Promise<void> = async () => {}) {
  describe(`${name}: the read model store contract`, () => {
    let store: ReadModelStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(() => cleanup(store));

    it('commits documents with their checkpoint, and deletes', async () => {
      expect(await store.checkpoint('p')).toBe(0);
      await store.commit('p', [{ collection: 'c', id: 'a', doc: { id: 'a', n: 1 } }, { collection: 'c', id: 'b', doc: { id: 'b', n: 2 } }], 10);
      expect(await store.get('c', 'a')).toEqual({ id: 'a', n: 1 });
      expect(await store.checkpoint('p')).toBe(10);
      await store.commit('p', [{ collection: 'c', id: 'a', doc: null }], 11);
      expect(await store.get('c', 'a')).toBeUndefined();
      expect(await store.find('c')).toEqual([{ id: 'b', n: 2 }]);
    });

    it('tells an empty collection from one with documents, and stores a document written as created', async () => {
      expect(await store.isEmpty('c')).toBe(true);
      await store.commit('p', [{ collection: 'c', id: 'a', doc: { id: 'a', n: 1 }, created: true }]);
      expect(await store.isEmpty('c')).toBe(false);
      expect(await store.isEmpty('d')).toBe(true);
      expect(await store.get('c', 'a')).toEqual({ id: 'a', n: 1 });
      await store.commit('p', [{ collection: 'c', id: 'a', doc: null }]);
      expect(await store.isEmpty('c')).toBe(true);
    });

    it('commits documents alone, leaving the checkpoint as it was', async () => {
      await store.commit('p', [{ collection: 'c', id: 'a', doc: { id: 'a', n: 1 } }]);
      expect(await store.checkpoint('p')).toBe(0);
      await store.commit('p', [], 4);
      await store.commit('p', [{ collection: 'c', id: 'a', doc: { id: 'a', n: 2 } }]);
      expect(await store.get('c', 'a')).toEqual({ id: 'a', n: 2 });
      expect(await store.checkpoint('p')).toBe(4);
    });

    it('finds by equality on top-level fields, strings, numbers and booleans', async () => {
      await store.commit('p', [
        { collection: 'c', id: '1', doc: { id: '1', queue: 'bilateral', state: 'open', urgent: true, n: 1 } },
        { collection: 'c', id: '2', doc: { id: '2', queue: 'regional', state: 'open', urgent: false, n: 2 } },
        { collection: 'c', id: '3', doc: { id: '3', queue: 'bilateral', state: 'claimed', urgent: true, n: 2 } },
        { collection: 'other', id: '4', doc: { id: '4', queue: 'bilateral' } },
      ], 1);
      expect((await store.find<{ id: string }>('c', { queue: 'bilateral' })).map((d) => d.id)).toEqual(['1', '3']);
      expect((await store.find<{ id: string }>('c', { queue: 'bilateral', state: 'open' })).map((d) => d.id)).toEqual(['1']);
      expect((await store.find<{ id: string }>('c', { urgent: false })).map((d) => d.id)).toEqual(['2']);
      expect((await store.find<{ id: string }>('c', { n: 2 })).map((d) => d.id)).toEqual(['2', '3']);
      expect(await store.find('c', { queue: "x' OR 1=1 --" })).toEqual([]);
    });

    it('resets one projection without touching the others', async () => {
      await store.commit('p', [{ collection: 'c', id: 'a', doc: { id: 'a' } }], 5);
      await store.commit('q', [{ collection: 'd', id: 'a', doc: { id: 'a' } }], 7);
      await store.reset('p', ['c']);
      expect(await store.find('c')).toEqual([]);
      expect(await store.checkpoint('p')).toBe(0);
      expect(await store.find('d')).toEqual([{ id: 'a' }]);
      expect(await store.checkpoint('q')).toBe(7);
    });
  });
}
