import type { DocumentWrite, ReadModelStore, Scalar } from '../application/read-model-store.port.js';

/** Read models held in memory: for unit tests and what-if sandboxes. */
export class InMemoryReadModelStore implements ReadModelStore {
  private readonly docs = new Map<string, Map<string, object>>();
  private readonly checkpoints = new Map<string, number>();

  async get<T>(collection: string, id: string): Promise<T | undefined> {
    const doc = this.docs.get(collection)?.get(id);
    return doc ? (structuredClone(doc) as T) : undefined;
  }

  async find<T>(collection: string, filter: Readonly<Record<string, Scalar>> = {}): Promise<T[]> {
    const all = [...(this.docs.get(collection)?.entries() ?? [])].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return all
      .map(([, doc]) => doc as Record<string, unknown>)
      .filter((doc) => Object.entries(filter).every(([k, v]) => doc[k] === v))
      .map((doc) => structuredClone(doc) as T);
  }

  async isEmpty(collection: string): Promise<boolean> {
    return !this.docs.get(collection)?.size;
  }

  async checkpoint(projection: string): Promise<number> {
    return this.checkpoints.get(projection) ?? 0;
  }

  async commit(projection: string, writes: readonly DocumentWrite[], checkpoint?: number): Promise<void> {
    for (const w of writes) {
      const collection = this.docs.get(w.collection) ?? new Map<string, object>();
      this.docs.set(w.collection, collection);
      if (w.doc === null) collection.delete(w.id);
      else collection.set(w.id, structuredClone(w.doc));
    }
    if (checkpoint !== undefined) this.checkpoints.set(projection, checkpoint);
  }

  async reset(projection: string, collections: readonly string[]): Promise<void> {
    collections.forEach((c) => this.docs.delete(c));
    this.checkpoints.delete(projection);
  }
}
