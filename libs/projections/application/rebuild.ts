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
    await versions.save({ projection: projection.name, active: target, revision: layoutOf(projection) });
  }
  return { projection: projection.name, activeVersion: current.active, rebuiltVersion: target, resumedFrom, events, diff, identical, swapped: swap };
}

const layoutOf = (projection: Projection) => projection.revision ?? 1;

export interface LayoutUpgrade {
  readonly projection: string;
  readonly from: number;
  readonly to: number;
  /** False when the read model held no document yet: it is only marked with the new layout. */
  readonly rebuilt: boolean;
  readonly events: number;
}

/**
 * Brings every read model to the layout its projection's code writes (`Projection.revision`):
 * one built by an earlier release under another layout is rebuilt from the log and swapped
 * in, as `demarche rebuild --swap` would, before anything projects on it. Run it before the
 * projections start; an interrupted upgrade resumes where it stopped, like any rebuild.
 */
export async function upgradeLayouts(
  store: EventStore,
  readModels: ReadModelStore,
  projections: readonly Projection[],
  log: (message: string) => void,
  options: Pick<RebuildOptions, 'upcast'> = {},
): Promise<LayoutUpgrade[]> {
  const versions = new ProjectionVersions(readModels);
  const done: LayoutUpgrade[] = [];
  for (const projection of projections) {
    const current = await versions.of(projection.name);
    const from = current.revision ?? 1;
    const to = layoutOf(projection);
    if (from === to) continue;
    // Not the checkpoint: the Kafka projector keeps its progress as offsets, not there.
    const active = versions.pinned(current.active);
    let untouched = current.building === undefined;
    for (const collection of projection.collections) untouched &&= (await active.find(collection)).length === 0;
    if (untouched) {
      await versions.save({ ...current, revision: to });
      done.push({ projection: projection.name, from, to, rebuilt: false, events: 0 });
      continue;
    }
    log(
      `Read model ${projection.name} was built by an earlier Demarche with document layout ${from}; this release writes layout ${to}. ` +
        `Rebuilding it from the log now (the old version answers queries until the swap; its figures may look incomplete meanwhile).`,
    );
    const started = Date.now();
    let reported = started;
    const result = await rebuildProjection(store, readModels, projection, {
      swap: true,
      upcast: options.upcast,
      onProgress: (p) => {
        if (Date.now() - reported < 10_000) return;
        reported = Date.now();
        log(`Rebuilding ${projection.name}: ${p.events} events so far, at position ${p.position} of ${p.head}.`);
      },
    });
    log(`Read model ${projection.name} rebuilt with layout ${to} from ${result.events} events in ${((Date.now() - started) / 1000).toFixed(1)} s and swapped in.`);
    done.push({ projection: projection.name, from, to, rebuilt: true, events: result.events });
  }
  return done;
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
