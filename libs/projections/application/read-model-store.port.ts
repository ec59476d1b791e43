/** DI token for the read side: every collection read at its projection's active version. */
export const READ_MODEL_STORE = Symbol('ReadModelStore');
/** DI token for the store itself, for projectors and rebuilds that choose their version. */
export const RAW_READ_MODEL_STORE = Symbol('RawReadModelStore');

export type Scalar = string | number | boolean;

/** One document to put (or, with `doc: null`, to delete) in a collection. */
export interface DocumentWrite {
  readonly collection: string;
  readonly id: string;
  readonly doc: object | null;
}

/**
 * Where projections keep what they build: documents by collection and id, plus one
 * checkpoint per projection. `commit` stores a batch of documents and the checkpoint that
 * goes with them as one unit wherever the database allows it; without a checkpoint (a
 * projector whose progress is kept elsewhere, such as Kafka offsets) it stores the
 * documents only and leaves the projection's checkpoint as it is.
 */
export interface ReadModelStore {
  get<T>(collection: string, id: string): Promise<T | undefined>;
  /** Documents whose top-level fields equal every value of `filter`. */
  find<T>(collection: string, filter?: Readonly<Record<string, Scalar>>): Promise<T[]>;
  checkpoint(projection: string): Promise<number>;
  commit(projection: string, writes: readonly DocumentWrite[], checkpoint?: number): Promise<void>;
  /** Forgets a projection: its documents and checkpoint (for rebuilds). */
  reset(projection: string, collections: readonly string[]): Promise<void>;
}
