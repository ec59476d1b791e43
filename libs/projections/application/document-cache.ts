import { keyOf } from './projection.js';
import type { DocumentWrite, ReadModelStore, Scalar } from './read-model-store.port.js';

/** Documents kept at most per cache; past it, the cache starts over. */
const MAX_DOCUMENTS = 20_000;

/**
 * A projection's documents as its writer last read or wrote them, for a writer that knows
 * nobody else changed them since (the distributed projector, between two of its own turns at
 * the projection's lock: see `ProjectionWriter`). A document read for one batch is then not
 * read again for the next: on a MongoDB-wire server each read is a round trip, and the hot
 * documents (a campaign, a country) are read by nearly every batch.
 *
 * A collection the writer found empty when it started keeping it (`startedEmpty`) is
 * complete in the cache: every document in it is one the writer wrote, so one the cache has
 * not seen is absent, and is not asked for. That is a projector catching up on a new or reset
 * read model, where nearly every document is new.
 *
 * What `get` returns is shared with later calls: callers copy before they change it, as
 * `applyBatch` does.
 */
export class DocumentCache {
  private docs = new Map<string, object | null>();
  /** Collections whose every document is in `docs`. */
  private complete = new Set<string>();

  /** Forgets everything: another writer may have changed the documents. */
  clear(): void {
    this.docs = new Map();
    this.complete = new Set();
  }

  /**
   * The writer found `collection` empty, and nobody else writes it while the cache is kept:
   * from now on it holds every document of the collection. Call it before anything is written
   * to the collection through the cache.
   */
  startedEmpty(collection: string): void {
    this.complete.add(collection);
  }

  get size(): number {
    return this.docs.size;
  }

  /** `inner`, with `get` answered from the cache where it can, and what it reads or commits kept. */
  over(inner: ReadModelStore): ReadModelStore {
    return {
      get: async <T>(collection: string, id: string) => {
        const key = keyOf(collection, id);
        if (this.docs.has(key) || this.complete.has(collection)) return (this.docs.get(key) ?? undefined) as T | undefined;
        const doc = await inner.get<T & object>(collection, id);
        this.keep(key, doc ?? null);
        return doc;
      },
      find: <T>(collection: string, filter?: Readonly<Record<string, Scalar>>) => inner.find<T>(collection, filter),
      isEmpty: (collection: string) => inner.isEmpty(collection),
      checkpoint: (projection: string) => inner.checkpoint(projection),
      commit: async (projection: string, writes: readonly DocumentWrite[], checkpoint?: number) => {
        try {
          await inner.commit(projection, writes, checkpoint);
        } catch (error) {
          // Some of the writes may have landed: nothing kept can be trusted.
          this.clear();
          throw error;
        }
        for (const w of writes) this.keep(keyOf(w.collection, w.id), w.doc);
      },
      reset: async (projection: string, collections: readonly string[]) => {
        this.clear();
        await inner.reset(projection, collections);
      },
    };
  }

  private keep(key: string, doc: object | null): void {
    if (this.docs.size >= MAX_DOCUMENTS && !this.docs.has(key)) this.clear();
    this.docs.set(key, doc);
  }
}
