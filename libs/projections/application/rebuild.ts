import type { RecordedEvent } from '../../kernel/index.js';
import type { EventStore } from '../../event-store/index.js';
import { applyBatch, withoutBookkeeping, type Projection } from './projection.js';
import type { ReadModelStore } from './read-model-store.port.js';
import { ProjectionVersions } from './versions.js';

export interface RebuildProgress {
  readonly projection: string;
  readonly version: number;
  /** Global position reached. */
  readonly position: number;
  readonly head: number;
  readonly events: number;
}

/** How the rebuilt version differs from the active one, per collection. */
export interface CollectionDiff {
  readonly collection: string;
  readonly active: number;
  readonly rebuilt: number;
  readonly onlyInActive: readonly string[];
  readonly onlyInRebuilt: readonly string[];
  readonly different: readonly string[];
}

export interface RebuildResult {
  readonly projection: string;
  readonly activeVersion: number;
  readonly rebuiltVersion: number;
  /** Where this run started: 0 for a fresh rebuild, more when it resumed an interrupted one. */
  readonly resumedFrom: number;
  readonly events: number;
  readonly diff: readonly CollectionDiff[];
  readonly identical: boolean;
  readonly swapped: boolean;
}

export interface RebuildOptions {
  readonly swap?: boolean;
  readonly batchSize?: number;
  readonly upcast?: (e: RecordedEvent) => RecordedEvent;
  readonly onProgress?: (p: RebuildProgress) => void;
  /** At most this many ids are listed per kind of difference. */
  readonly diffSample?: number;
}

/**
 * Replays the whole log into a new version of a projection while the active version keeps
 * serving, reports how the two differ, and switches to the new one when asked. Its
 * checkpoint is stored with every batch, so an interrupted rebuild resumes where it stopped.
 */
export async function rebuildProjection(store: EventStore, readModels: ReadModelStore, projection: Projection, options: RebuildOptions = {}): Promise<RebuildResult> {
  const versions = new ProjectionVersions(readModels);
  const { batchSize = 5000, upcast = (e) => e, onProgress, swap = false, diffSample = 20 } = options;
  const current = await versions.of(projection.name);
  const target = current.building ?? current.active + 1;
  const pinned = versions.pinned(target);
  if (current.building === undefined) {
    await pinned.reset(projection.name, projection.collections);
    await versions.save({ ...current, building: target });
  }
  const resumedFrom = await pinned.checkpoint(projection.name);
  let position = resumedFrom;
  let events = 0;
  // Batches from one readAllPages iteration (one cursor, not a query per batch); it ends at
  // the end of the log or before a commit still on its way, so look again until nothing is new.
  const catchUp = async () => {
    for (let more = true; more; ) {
      more = false;
      // Only progress reports need the head, and on FerretDB asking for it is a scan.
      const head = onProgress ? await store.headPosition() : 0;
      for await (const batch of store.readAllPages(position, batchSize)) {
        more = true;
        await applyBatch(projection, pinned, batch.map(upcast));
        position = batch[batch.length - 1]!.position;
        events += batch.length;
        onProgress?.({ projection: projection.name, version: target, position, head: Math.max(head, position), events });
      }
    }
  };
  await catchUp();
  const diff: CollectionDiff[] = [];
  for (const collection of projection.collections) {
    diff.push(await compare(collection, versions.pinned(current.active), pinned, diffSample));
  }
  const identical = diff.every((d) => !d.onlyInActive.length && !d.onlyInRebuilt.length && !d.different.length);
  if (swap) {
    await catchUp();
    await versions.save({ projection: projection.name, active: target });
  }
  return { projection: projection.name, activeVersion: current.active, rebuiltVersion: target, resumedFrom, events, diff, identical, swapped: swap };
}

/**
 * JSON with object keys sorted: two documents with the same content compare equal whatever
 * order their keys were added in (projectors on several partitions add a campaign's
 * countries in the order their events arrive, a rebuild in the log's order).
 */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

async function compare(collection: string, active: ReadModelStore, rebuilt: ReadModelStore, sample: number): Promise<CollectionDiff> {
  const index = async (store: ReadModelStore) => {
    const docs = await store.find<Record<string, unknown>>(collection);
    return new Map(docs.map((d) => [idOf(d), canonicalJson(withoutBookkeeping(d))]));
  };
  const a = await index(active);
  const b = await index(rebuilt);
  const onlyInActive = [...a.keys()].filter((k) => !b.has(k));
  const onlyInRebuilt = [...b.keys()].filter((k) => !a.has(k));
  const different = [...a.keys()].filter((k) => b.has(k) && a.get(k) !== b.get(k));
  return {
    collection,
    active: a.size,
    rebuilt: b.size,
    onlyInActive: onlyInActive.slice(0, sample),
    onlyInRebuilt: onlyInRebuilt.slice(0, sample),
    different: different.slice(0, sample),
  };
}

/** Documents carry their id under different names (`id`, `iso3`, `campaignId`). */
function idOf(doc: Record<string, unknown>): string {
  return String(doc.id ?? doc.iso3 ?? doc.campaignId ?? doc.followUpId ?? JSON.stringify(doc));
}
