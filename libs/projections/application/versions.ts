import type { DocumentWrite, ReadModelStore, Scalar } from './read-model-store.port.js';
import type { Projection } from './projection.js';

/** Which version of each projection serves reads, and which one a rebuild is filling. */
export interface ProjectionVersion {
  readonly projection: string;
  readonly active: number;
  readonly building?: number;
  /** The layout (`Projection.revision`) the active version was built with; 1 when absent. */
  readonly revision?: number;
}

const VERSIONS = 'projection-versions';
const SYSTEM = 'projection-versions';

/** Version 1 keeps the plain names, so a store that never rebuilt looks as it always did. */
export const physicalCollection = (collection: string, version: number) => (version === 1 ? collection : `${collection}~v${version}`);
export const physicalProjection = (projection: string, version: number) => (version === 1 ? projection : `${projection}~v${version}`);

/**
 * One version of a projection's read model, seen under its logical names: what a projector
 * writes to and what a rebuild fills, without either knowing about versions.
 */
export class PinnedReadModels implements ReadModelStore {
  constructor(
    private readonly inner: ReadModelStore,
    private readonly version: number,
  ) {}

  get<T>(collection: string, id: string) {
    return this.inner.get<T>(physicalCollection(collection, this.version), id);
  }
  find<T>(collection: string, filter?: Readonly<Record<string, Scalar>>) {
    return this.inner.find<T>(physicalCollection(collection, this.version), filter);
  }
  isEmpty(collection: string) {
    return this.inner.isEmpty(physicalCollection(collection, this.version));
  }
  checkpoint(projection: string) {
    return this.inner.checkpoint(physicalProjection(projection, this.version));
  }
  commit(projection: string, writes: readonly DocumentWrite[], checkpoint?: number) {
    return this.inner.commit(
      physicalProjection(projection, this.version),
      writes.map((w) => ({ ...w, collection: physicalCollection(w.collection, this.version) })),
      checkpoint,
    );
  }
  reset(projection: string, collections: readonly string[]) {
    return this.inner.reset(physicalProjection(projection, this.version), collections.map((c) => physicalCollection(c, this.version)));
  }
}

/** Reads and switches the active versions. The switch is one document write: readers see either version, never a mix. */
export class ProjectionVersions {
  constructor(private readonly store: ReadModelStore) {}

  async of(projection: string): Promise<ProjectionVersion> {
    return (await this.store.get<ProjectionVersion>(VERSIONS, projection)) ?? { projection, active: 1 };
  }

  async save(version: ProjectionVersion): Promise<void> {
    const current = await this.store.checkpoint(SYSTEM);
    await this.store.commit(SYSTEM, [{ collection: VERSIONS, id: version.projection, doc: version }], current + 1);
  }

  pinned(version: number): ReadModelStore {
    return new PinnedReadModels(this.store, version);
  }
}

/**
 * The read side of the live system: every query reads the active version of the projection
 * that owns the collection. Versions are re-read at most every `ttlMs`, so a swap made by
 * another process (a rebuild from the command line) is seen within that time.
 */
export class ActiveReadModels implements ReadModelStore {
  private readonly owner = new Map<string, string>();
  private cache = new Map<string, { version: number; at: number }>();
  private readonly versions: ProjectionVersions;

  constructor(
    private readonly inner: ReadModelStore,
    projections: readonly Pick<Projection, 'name' | 'collections'>[],
    private readonly ttlMs = 1000,
  ) {
    this.versions = new ProjectionVersions(inner);
    for (const p of projections) for (const c of p.collections) this.owner.set(c, p.name);
  }

  async activeVersion(projection: string): Promise<number> {
    const cached = this.cache.get(projection);
    if (cached && Date.now() - cached.at < this.ttlMs) return cached.version;
    const version = (await this.versions.of(projection)).active;
    this.cache.set(projection, { version, at: Date.now() });
    return version;
  }

  /** Forget the cached versions (after a swap in this process). */
  invalidate(): void {
    this.cache = new Map();
  }

  private async pinnedFor(collection: string): Promise<ReadModelStore> {
    const projection = this.owner.get(collection);
    return projection ? this.versions.pinned(await this.activeVersion(projection)) : this.inner;
  }

  async get<T>(collection: string, id: string) {
    return (await this.pinnedFor(collection)).get<T>(collection, id);
  }
  async find<T>(collection: string, filter?: Readonly<Record<string, Scalar>>) {
    return (await this.pinnedFor(collection)).find<T>(collection, filter);
  }
  async isEmpty(collection: string) {
    return (await this.pinnedFor(collection)).isEmpty(collection);
  }
  async checkpoint(projection: string) {
    return this.versions.pinned(await this.activeVersion(projection)).checkpoint(projection);
  }
  async commit(projection: string, writes: readonly DocumentWrite[], checkpoint?: number) {
    return this.versions.pinned(await this.activeVersion(projection)).commit(projection, writes, checkpoint);
  }
  async reset(projection: string, collections: readonly string[]) {
    return this.versions.pinned(await this.activeVersion(projection)).reset(projection, collections);
  }
}
