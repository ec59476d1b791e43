import { isDuplicateKey } from '../../platform/persistence/mongo-connection.js';
import { tombstone, type Collection, type CounterDoc, type LogCollections } from './mongo-log-layout.js';

// The upgrade of a log an earlier release wrote (docs/adr/0006). Those releases took positions
// from a counter before inserting, so their log may have holes: positions taken whose commit
// never landed. The upgrade fences every hole up to the highest position ever taken, then
// records `counters.layout`; from then on the chain goes on after it, and the upgrade is
// done. It assumes that no writer of an earlier release runs any more.

/** What `migrateLog` did. */
export interface LogMigration {
  /** Whether this call upgraded the log: false when it was in this release's layout (or empty), or another process upgraded it first. */
  readonly upgraded: boolean;
  /** The highest position an earlier release took: every commit of this release comes after it. */
  readonly chainFrom: number;
  /** Runs of positions this call fenced with a tombstone. */
  readonly holesFenced: number;
}

/** Whether the log is known to be in this release's layout: one lookup by `_id`. */
export async function hasCurrentLayout(counters: Collection<CounterDoc>): Promise<boolean> {
  return (await counters.findOne({ _id: 'layout' })) !== null;
}

/** Upgrades the log if an earlier release wrote it (`demarche migrate-log`); running it again does nothing. */
export async function migrateLog(log: LogCollections): Promise<LogMigration> {
  const layout = await log.counters.findOne({ _id: 'layout' });
  if (layout) return { upgraded: false, chainFrom: layout.chainFrom ?? 0, holesFenced: 0 };
  return upgradeLog(log);
}

/**
 * Fences the holes and records the layout, for a log where `hasCurrentLayout` found none (an
 * empty log included, whose layout is then recorded with nothing to fence).
 */
export async function upgradeLog(log: LogCollections): Promise<LogMigration> {
  const [counter, claim, last] = await Promise.all([
    log.counters.findOne({ _id: 'events' }),
    log.positions.findOne({}, { sort: { _id: -1 } }),
    log.commits.findOne({}, { sort: { lastPosition: -1 }, projection: { lastPosition: 1 } }),
  ]);
  const top = Math.max(counter?.next ?? 0, claim?._id ?? 0, last?.lastPosition ?? 0);
  const holesFenced = top ? await fenceHoles(log, top) : 0;
  try {
    await log.counters.insertOne({ _id: 'layout', chainFrom: top });
  } catch (error) {
    // Another process upgraded it meanwhile.
    if (!isDuplicateKey(error)) throw error;
    return { upgraded: false, chainFrom: top, holesFenced };
  }
  return { upgraded: top > 0, chainFrom: top, holesFenced };
}

/** What a migration did, in a sentence for the log or the command line. */
export function describeLogMigration(migration: LogMigration): string {
  if (!migration.upgraded) return "The event log is in this release's layout already: nothing to do.";
  return `The event log was written by an earlier release: every position up to ${migration.chainFrom} is now a commit or a tombstone (${migration.holesFenced} holes fenced); commits go on at the end of the chain.`;
}

/** Tombstones every run of positions up to `top` that no commit covers; returns how many. */
async function fenceHoles({ commits }: LogCollections, top: number): Promise<number> {
  for (;;) {
    const holes: [number, number][] = [];
    let reached = 0;
    // One cursor over the log (one scan on FerretDB), once per database.
    for await (const doc of commits.find({}, { sort: { _id: 1 }, projection: { lastPosition: 1 }, batchSize: 1_000 })) {
      if (doc._id > reached + 1) holes.push([reached + 1, doc._id - 1]);
      reached = Math.max(reached, doc.lastPosition);
    }
    if (reached < top) holes.push([reached + 1, top]);
    try {
      for (const [from, to] of holes) await commits.insertOne(tombstone(from, to));
      return holes.length;
    } catch (error) {
      // A reader fenced a position meanwhile, or another process upgrades too: look again.
      if (!isDuplicateKey(error)) throw error;
    }
  }
}
