/** DI token for the read side: every collection read at its projection's active version. */
export const READ_MODEL_STORE = Symbol('ReadModelStore');
/** DI token for the read models the projector builds (`Projection[]`): what the app composes from the contexts. */
export const READ_MODEL_CATALOG = Symbol('ReadModelCatalog');
/** DI token for the store itself, for projectors and rebuilds that choose their version. */
export const RAW_READ_MODEL_STORE = Symbol('RawReadModelStore');

export type Scalar = string | number | boolean;

/** One document to put (or, with `doc: null`, to delete) in a collection. */
export interface DocumentWrite {
  readonly collection: string;
  readonly id: string;
  readonly doc: object | null;
  /**
   * The writer read the document as absent and nobody else may have written it since (it
   * writes under a lock, or alone): a store may insert it rather than replace it, which on a
   * MongoDB-wire server costs a third as much. A store that does so fails the commit with
   * {@link DocumentCreatedElsewhere} if the document is there after all; the writer then
   * applies its batch again, reading the document first.
   */
  readonly created?: true;
}

/**
 * A document written as {@link DocumentWrite.created} was already in the store: another
 * writer created it after this one read it as absent. Nothing was overwritten; applying the
 * batch again (which reads the document first) merges both writers' changes.
 */
export class DocumentCreatedElsewhere extends Error {
  constructor(
    readonly collection: string,
    readonly ids: readonly string[],
    options?: ErrorOptions,
  ) {
    const one = ids.length === 1;
    super(
      `Read model ${collection}: ${one ? `document ${ids[0]} was` : `documents ${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', ...' : ''} were`} ` +
        `created by another writer after this one found ${one ? 'it' : 'them'} absent. Nothing was overwritten; apply the batch again (the projector does so by itself).`,
      options,
    );
    this.name = 'DocumentCreatedElsewhere';
  }
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
  /** Whether the collection holds no document (one cheap look, whatever its size). */
  isEmpty(collection: string): Promise<boolean>;
  checkpoint(projection: string): Promise<number>;
  commit(projection: string, writes: readonly DocumentWrite[], checkpoint?: number): Promise<void>;
  /** Forgets a projection: its documents and checkpoint (for rebuilds). */
  reset(projection: string, collections: readonly string[]): Promise<void>;
}
