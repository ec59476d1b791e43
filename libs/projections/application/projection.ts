import type { RecordedEvent } from '../../kernel/index.js';
import type { DocumentWrite, ReadModelStore } from './read-model-store.port.js';

/** What a projection may do while it applies one event. */
export interface ProjectionView {
  /** The document as this batch has it so far: to read, never to change (it may be the store's own). */
  get<T extends object>(collection: string, id: string): Promise<T | undefined>;
  /**
   * Changes one document. Each document remembers the last version it saw of every stream
   * that touched it, so an event delivered twice, or replayed, is applied once.
   *
   * `change` is given the batch's own copy of the document and may change it in place and
   * return it: a document is copied once per batch, not once per event, so an event costs
   * the same however large its document has grown. It must change nothing else (what `get`
   * returned, the event's data), as those may be held by the store or by the caller.
   */
  update<T extends object>(collection: string, id: string, change: (doc: T | undefined) => T | null): Promise<void>;
  /**
   * The batch's one instance of an effect the projection sends in bulk (the playbook's timers,
   * say): made by `create` the first time `key` is asked for in the batch. Its `flush` runs
   * once every event of the batch is applied and before the documents and the checkpoint are
   * committed; if it throws, nothing is committed and the batch is applied again.
   */
  batchEffect<T extends BatchEffect>(key: string, create: () => T): T;
}

/** Work handed over to the end of a batch, see {@link ProjectionView.batchEffect}. */
export interface BatchEffect {
  flush(): Promise<void>;
}

/** A read model built from the log. */
export interface Projection {
  readonly name: string;
  /**
   * The layout of its documents (1 when absent). A release that lays them out differently
   * raises it; a read model built under another layout is then rebuilt from the log before
   * it is projected on (see `upgradeLayouts`).
   */
  readonly revision?: number;
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

/** A document as one batch holds it, its bookkeeping kept apart from what the projection sees. */
interface Cached {
  readonly collection: string;
  readonly id: string;
  /** Whether the store had the document when the batch read it. */
  readonly stored: boolean;
  doc: object | null;
  seen: Record<string, number>;
  /** Whether `doc` and `seen` are this batch's own copies, which it then changes in place. */
  owned: boolean;
  dirty: boolean;
}

export interface ApplyOptions {
  /**
   * Read the documents the batch will touch side by side before applying it, instead of one
   * after the other as the events ask for them: for a store across the network, where a
   * read is a round trip (on a bare FerretDB also a scan). A first pass runs the projection against
   * an empty view only to see which documents it asks for; one it asks for only because of
   * what it finds in another is still read when it does.
   */
  readonly prefetch?: boolean;
  /**
   * `false`: commit the documents without moving the projection's checkpoint, for a projector
   * whose progress is kept elsewhere (a Kafka consumer group's offsets), where no single
   * position of the log means "done up to here".
   */
  readonly checkpoint?: false;
}

/** The key of a document in a batch's cache. */
/** A document's key within a batch or a cache: its collection and id. */
export const keyOf = (collection: string, id: string) => `${collection}\u0000${id}`;

/** Reads at a time when a batch prefetches its documents. */
const PREFETCH_CONCURRENCY = 16;

/**
 * Applies a batch of events to one projection and commits the documents with the new
 * checkpoint. Documents are cached across the batch, so each is read, copied and written
 * at most once, whatever the number of events that change it.
 */
export async function applyBatch(projection: Projection, store: ReadModelStore, batch: readonly RecordedEvent[], options: ApplyOptions = {}): Promise<void> {
  if (!batch.length) return;
  const cache = new Map<string, Cached>();
  const load = async (collection: string, id: string) => {
    const key = keyOf(collection, id);
    let entry = cache.get(key);
    if (!entry) {
      const stored = await store.get<object & Tracked>(collection, id);
      const { _seen = {}, ...doc } = stored ?? {};
      entry = { collection, id, stored: Boolean(stored), doc: stored ? doc : null, seen: _seen, owned: false, dirty: false };
      cache.set(key, entry);
    }
    return entry;
  };
  const effects = new Map<string, BatchEffect>();
  const batchEffect = <T extends BatchEffect>(key: string, create: () => T): T => {
    let effect = effects.get(key);
    if (!effect) effects.set(key, (effect = create()));
    return effect as T;
  };
  if (options.prefetch) {
    const wanted = await documentsAskedFor(projection, batch);
    for (let i = 0; i < wanted.length; i += PREFETCH_CONCURRENCY) {
      await Promise.all(wanted.slice(i, i + PREFETCH_CONCURRENCY).map(([collection, id]) => load(collection, id)));
    }
  }
  for (const event of batch) {
    if (!projection.handles.includes(event.type)) continue;
    // Documents this event already changed: a second change by the same event must apply.
    const touched = new Set<string>();
    const view: ProjectionView = {
      get: async <T extends object>(collection: string, id: string) => {
        const { doc } = await load(collection, id);
        return (doc ?? undefined) as T | undefined;
      },
      update: async <T extends object>(collection: string, id: string, change: (doc: T | undefined) => T | null) => {
        const key = keyOf(collection, id);
        const entry = await load(collection, id);
        if (!touched.has(key) && (entry.seen[event.streamId] ?? 0) >= event.streamVersion) return;
        touched.add(key);
        if (!entry.owned) {
          // What the store returned may be shared with it or with our caller: copy it once,
          // and every later event of the batch changes the copy.
          entry.doc = entry.doc && structuredClone(entry.doc);
          entry.seen = { ...entry.seen };
          entry.owned = true;
        }
        entry.doc = change((entry.doc ?? undefined) as T | undefined);
        // A deleted document takes what it saw with it: if the batch creates it again, it starts afresh.
        if (entry.doc === null) entry.seen = {};
        else entry.seen[event.streamId] = event.streamVersion;
        entry.dirty = true;
      },
      batchEffect,
    };
    await projection.apply(event, view);
  }
  for (const effect of effects.values()) await effect.flush();
  // A document the store did not have is inserted (`created`), and one the batch created and
  // deleted again is not written at all.
  const writes: DocumentWrite[] = [...cache.values()]
    .filter((e) => e.dirty && (e.stored || e.doc !== null))
    .map(({ collection, id, stored, doc, seen }) => (stored ? { collection, id, doc: doc && { ...doc, _seen: seen } } : { collection, id, doc: { ...doc!, _seen: seen }, created: true }));
  await store.commit(projection.name, writes, options.checkpoint === false ? undefined : batch[batch.length - 1]!.position);
}

/** The documents a batch asks for when every document is missing: a dry run, nothing is changed or flushed. */
async function documentsAskedFor(projection: Projection, batch: readonly RecordedEvent[]): Promise<[string, string][]> {
  const wanted = new Map<string, [string, string]>();
  const note = (collection: string, id: string) => void wanted.set(keyOf(collection, id), [collection, id]);
  const view: ProjectionView = {
    get: async (collection, id) => {
      note(collection, id);
      return undefined;
    },
    update: async (collection, id) => note(collection, id),
    batchEffect: (_key, create) => create(),
  };
  for (const event of batch) {
    if (!projection.handles.includes(event.type)) continue;
    try {
      await projection.apply(event, view);
    } catch {
      // It may need a document that is not there in a dry run; the real run reads what it needs.
    }
  }
  return [...wanted.values()];
}
