import type { RecordedEvent } from '../../kernel/index.js';
import { applyBatch, type Projection } from './projection.js';
import type { ReadModelStore } from './read-model-store.port.js';

/** The read model store failed: the event is fine, retrying later will do. */
export class ReadModelUnavailable extends Error {
  constructor(operation: string, cause: unknown) {
    super(`The read model store failed to ${operation}: ${(cause as Error)?.message ?? cause}`, { cause });
    this.name = 'ReadModelUnavailable';
  }
}

/** Runs a call to the read model store, its failure turned into {@link ReadModelUnavailable}: an outage to wait out. */
export async function readModelCall<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new ReadModelUnavailable(operation, error);
  }
}


/**
 * Applies events to one projection with `applyBatch`'s per-document idempotency (each
 * document remembers the last version it saw of each stream, so redelivered events change
 * nothing) but WITHOUT a global-position checkpoint: under partitioned consumption the
 * progress is the consumer group's offsets, and no single position means "done up to here".
 * Store failures surface as {@link ReadModelUnavailable} (transient); anything the
 * projection itself throws passes through unchanged.
 */
export async function applyEvents(projection: Projection, store: ReadModelStore, events: readonly RecordedEvent[]): Promise<void> {
  const guarded: ReadModelStore = {
    get: (collection, id) => readModelCall('read a document', () => store.get(collection, id)),
    find: (collection, filter) => readModelCall('find documents', () => store.find(collection, filter)),
    isEmpty: (collection) => readModelCall('look into a collection', () => store.isEmpty(collection)),
    checkpoint: () => Promise.reject(new Error('applyEvents keeps no checkpoint')),
    commit: (name, writes) => readModelCall('commit documents', () => store.commit(name, writes)),
    reset: () => Promise.reject(new Error('applyEvents never resets a projection')),
  };
  // Each read is a round trip to the read-model server: the batch reads its documents side by side.
  await applyBatch(projection, guarded, events, { prefetch: true, checkpoint: false });
}
