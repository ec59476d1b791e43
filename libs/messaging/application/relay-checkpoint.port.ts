import type { ReadModelStore } from '../../projections/index.js';

/** The checkpoint name the outbox relay keeps in the read model store. */
export const KAFKA_RELAY_CHECKPOINT = 'kafka-relay';

/** Where the outbox relay remembers the last event position Kafka acknowledged. */
export interface RelayCheckpoint {
  load(): Promise<number>;
  save(position: number): Promise<void>;
}

/**
 * A relay checkpoint kept as a projection checkpoint with no documents: every profile
 * already has a read model store, and its checkpoints are durable wherever the store is.
 */
export function readModelCheckpoint(store: ReadModelStore, name: string = KAFKA_RELAY_CHECKPOINT): RelayCheckpoint {
  return {
    load: () => store.checkpoint(name),
    save: (position) => store.commit(name, [], position),
  };
}
