import type { RecordedEvent } from '../../kernel/index.js';
import type { DocumentWrite, ReadModelStore } from './read-model-store.port.js';

/** What a projection may do while it applies one event. */
export interface ProjectionView {
  get<T extends object>(collection: string, id: string): Promise<T | undefined>;
  /**
   * Changes one document. Each document remembers the last version it saw of every stream
   * that touched it, so an event delivered twice, or replayed, is applied once.
   */
  update<T extends object>(collection: string, id: string, change: (doc: T | undefined) => T | null): Promise<void>;
}

/** A read model built from the log. */
export interface Projection {
  readonly name: string;
  readonly collections: readonly string[];
  /** Event types it reads; others are skipped without loading anything. */
  readonly handles: readonly string[];
  apply(event: RecordedEvent, view: ProjectionView): Promise<void>;
}

type Tracked = { _seen?: Record<string, number> };

/** Strips the bookkeeping field a projection does not need to see. */
export function withoutBookkeeping<T extends object>(doc: T & Tracked): T {
  const { _seen, ...rest } = doc;
  return rest as T;
}

/**
 * Applies a batch of events to one projection and commits the documents with the new
 * checkpoint. Documents are cached across the batch, so each is read and written once.
 */
export async function applyBatch(projection: Projection, store: ReadModelStore, batch: readonly RecordedEvent[]): Promise<void> {
  if (!batch.length) return;
  const cache = new Map<string, { collection: string; id: string; doc: (object & Tracked) | null; dirty: boolean }>();
  const load = async (collection: string, id: string) => {
    const key = `${collection}\u0000${id}`;
    let entry = cache.get(key);
    if (!entry) {
      const doc = (await store.get<object & Tracked>(collection, id)) ?? null;
      entry = { collection, id, doc, dirty: false };
      cache.set(key, entry);
    }
    return entry;
  };
  for (const event of batch) {
    if (!projection.handles.includes(event.type)) continue;
    // Documents this event already changed: a second change by the same event must apply.
    const touched = new Set<string>();
    const view: ProjectionView = {
      get: async <T extends object>(collection: string, id: string) => {
        const { doc } = await load(collection, id);
        return doc ? (withoutBookkeeping(doc) as T) : undefined;
      },
      update: async <T extends object>(collection: string, id: string, change: (doc: T | undefined) => T | null) => {
        const entry = await load(collection, id);
        const seen = entry.doc?._seen ?? {};
        const key = `${collection}\u0000${id}`;
        if (!touched.has(key) && (seen[event.streamId] ?? 0) >= event.streamVersion) return;
        touched.add(key);
        const next = change(entry.doc ? (withoutBookkeeping(entry.doc) as T) : undefined);
        entry.doc = next === null ? null : { ...next, _seen: { ...seen, [event.streamId]: event.streamVersion } };
        entry.dirty = true;
      },
    };
    await projection.apply(event, view);
  }
  const writes: DocumentWrite[] = [...cache.values()].filter((e) => e.dirty).map(({ collection, id, doc }) => ({ collection, id, doc }));
  await store.commit(projection.name, writes, batch[batch.length - 1]!.position);
}
