import type { RecordedEvent } from '../../kernel/index.js';
import { applyBatch, type Projection } from './projection.js';
import type { DocumentWrite, ReadModelStore } from './read-model-store.port.js';

/** A store that hands out the very objects it keeps, as a cache in front of a database may. */
class SharingStore implements ReadModelStore {
  readonly docs = new Map<string, object>();
  readonly commits: DocumentWrite[][] = [];
  async get<T>(_collection: string, id: string) {
    return this.docs.get(id) as T | undefined;
  }
  async find<T>() {
    return [...this.docs.values()] as T[];
  }
  async isEmpty() {
    return this.docs.size === 0;
  }
  async checkpoint() {
    return 0;
  }
  async commit(_projection: string, writes: readonly DocumentWrite[]) {
    this.commits.push([...writes]);
    for (const w of writes) {
      if (w.doc) this.docs.set(w.id, w.doc);
      else this.docs.delete(w.id);
    }
  }
  async reset() {}
}

type Tally = { letters: Record<string, number>; total: number };

/** Counts letters per stream in one document, changing its copy in place. */
const tally: Projection = {
  name: 'tally',
  collections: ['tallies'],
  handles: ['LetterDelivered'],
  async apply(event, view) {
    await view.update<Tally>('tallies', 'all', (doc) => {
      const t = doc ?? { letters: {}, total: 0 };
      t.letters[event.streamId] = (t.letters[event.streamId] ?? 0) + 1;
      t.total += 1;
      return t;
    });
  },
};

let position = 0;
const letter = (streamId: string, streamVersion: number): RecordedEvent => ({
  id: `e${++position}`, type: 'LetterDelivered', schemaVersion: 1, streamId, streamVersion, position, data: {},
  occurredAt: '2026-01-20', recordedAt: '2026-01-20T09:00:00.000Z', actor: 'test', correlationId: 'c', causationId: 'c',
});

describe('applyBatch', () => {
  it('changes its own copy of a document, never the one the store handed out', async () => {
    const store = new SharingStore();
    await applyBatch(tally, store, [letter('a', 1), letter('b', 1)]);
    const held = store.docs.get('all')!;
    const before = structuredClone(held);
    await applyBatch(tally, store, [letter('a', 2), letter('c', 1), letter('a', 3)]);
    expect(held).toEqual(before);
    expect(store.docs.get('all')).toEqual({ letters: { a: 3, b: 1, c: 1 }, total: 5, _seen: { a: 3, b: 1, c: 1 } });
  });

  it('applies a redelivered event once, in a later batch or in the same one', async () => {
    const store = new SharingStore();
    const events = [letter('a', 1), letter('a', 2), letter('b', 1)];
    await applyBatch(tally, store, events);
    await applyBatch(tally, store, [...events, events[1]!, letter('b', 2), events[2]!]);
    expect(store.docs.get('all')).toEqual({ letters: { a: 2, b: 2 }, total: 4, _seen: { a: 2, b: 2 } });
  });

  it('writes each changed document once per batch, its bookkeeping last', async () => {
    const store = new SharingStore();
    await applyBatch(tally, store, [letter('a', 1), letter('b', 1), letter('a', 2)]);
    expect(store.commits.map((writes) => writes.map((w) => w.id))).toEqual([['all']]);
    expect(Object.keys(store.docs.get('all')!)).toEqual(['letters', 'total', '_seen']);
  });

  it('marks a document the store did not have as created, and leaves out one created and deleted again', async () => {
    /** Counts letters per stream; a stream's third letter deletes its document. */
    const perStream: Projection = {
      name: 'per-stream',
      collections: ['streams'],
      handles: ['LetterDelivered'],
      async apply(event, view) {
        await view.update<{ n: number }>('streams', event.streamId, (doc) => (event.streamVersion === 3 ? null : { n: (doc?.n ?? 0) + 1 }));
      },
    };
    const store = new SharingStore();
    await applyBatch(perStream, store, [letter('a', 1), letter('b', 1)]);
    await applyBatch(perStream, store, [letter('a', 2), letter('c', 1), letter('c', 2), letter('c', 3), letter('b', 2), letter('b', 3)]);
    const [first, second] = store.commits.map((writes) => Object.fromEntries(writes.map((w) => [w.id, { created: w.created ?? false, deleted: w.doc === null }])));
    expect(first).toEqual({ a: { created: true, deleted: false }, b: { created: true, deleted: false } });
    // c was born and gone within the batch: nothing to write. b existed: its deletion is written.
    expect(second).toEqual({ a: { created: false, deleted: false }, b: { created: false, deleted: true } });
  });
});

describe('effects a projection hands over to the end of the batch', () => {
  /** Notes every letter's stream in one effect per batch; its flush can be made to fail. */
  function noting(log: string[], failFlush = false): Projection {
    return {
      name: 'noting',
      collections: ['tallies'],
      handles: ['LetterDelivered'],
      async apply(event, view) {
        const effect = view.batchEffect('notes', () => {
          const streams: string[] = [];
          return { streams, flush: async () => (failFlush ? Promise.reject(new Error('the queue is down')) : void log.push(`flush ${streams.join(' ')}`)) };
        });
        effect.streams.push(event.streamId);
        await tally.apply(event, view);
      },
    };
  }

  it('makes one effect per batch and flushes it once, before the commit', async () => {
    const store = new SharingStore();
    const log: string[] = [];
    const commit = store.commit.bind(store);
    store.commit = async (...args) => {
      log.push('commit');
      return commit(...args);
    };
    await applyBatch(noting(log), store, [letter('a', 1), letter('b', 1), letter('a', 2)]);
    await applyBatch(noting(log), store, [letter('c', 1)]);
    expect(log).toEqual(['flush a b a', 'commit', 'flush c', 'commit']);
  });

  it('commits nothing when the flush fails, so the batch is applied again', async () => {
    const store = new SharingStore();
    await expect(applyBatch(noting([], true), store, [letter('a', 1)])).rejects.toThrow('the queue is down');
    expect(store.commits).toEqual([]);
    expect(store.docs.size).toBe(0);
  });

  it('with prefetch, reads the documents a batch touches side by side, and builds the same documents', async () => {
    /** One document per stream, plus a peer document named by what the first one holds. */
    const perStream: Projection = {
      name: 'per-stream',
      collections: ['streams'],
      handles: ['LetterDelivered'],
      async apply(event, view) {
        const mine = await view.get<{ peer?: string }>('streams', event.streamId);
        if (mine?.peer) await view.update<{ n: number }>('streams', mine.peer, (doc) => ({ ...doc, n: (doc?.n ?? 0) + 1 }));
        await view.update<{ n: number; peer?: string }>('streams', event.streamId, (doc) => ({ ...doc, n: (doc?.n ?? 0) + 1, peer: 'peer' }));
      },
    };
    class SlowStore extends SharingStore {
      inFlight = 0;
      most = 0;
      reads: string[] = [];
      override async get<T>(collection: string, id: string) {
        this.reads.push(id);
        this.most = Math.max(this.most, ++this.inFlight);
        await new Promise((r) => setTimeout(r, 5));
        this.inFlight--;
        return super.get<T>(collection, id);
      }
    }
    const build = async (prefetch: boolean) => {
      const store = new SlowStore();
      await applyBatch(perStream, store, ['a', 'b', 'c'].map((s) => letter(s, 1)), { prefetch });
      await applyBatch(perStream, store, ['a', 'b', 'c', 'd'].map((s) => letter(s, 2)), { prefetch });
      return store;
    };
    const plain = await build(false);
    const fetched = await build(true);
    expect(plain.most).toBe(1);
    expect(fetched.most).toBeGreaterThan(1);
    expect(Object.fromEntries(fetched.docs)).toEqual(Object.fromEntries(plain.docs));
    // Each document is still read once per batch; `peer` only when a document names it.
    expect(fetched.reads.filter((id) => id === 'a')).toHaveLength(2);
    expect(fetched.reads.filter((id) => id === 'peer')).toHaveLength(1);
    expect(fetched.docs.get('peer')).toMatchObject({ n: 3 });
  });
});
