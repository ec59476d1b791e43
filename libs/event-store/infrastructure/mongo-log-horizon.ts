import type { Collection, CommitDoc, CounterDoc } from './mongo-log-layout.js';

// How far one instance lets its readers go: every position up to `position` is covered by a
// commit or a tombstone. Documents are never deleted, so the horizon only moves forward, and
// an instance may start from the one any instance recorded (`counters.readable`).

const PERSIST_EVERY_MS = 1_000;
/** Last positions of commits recently read, where a walk by `_id` may start. */
const MAX_KNOWN_BOUNDARIES = 4_096;

/** Positions handed out beyond the horizon whose commit was not seen (left by a writer of an earlier release). */
export interface Hole {
  readonly from: number;
  /** The last position it may cover: the position before the next commit seen. */
  to: number;
  /** The instance's monotonic clock when it first saw it. */
  readonly since: number;
  skipped: boolean;
}

export class LogHorizon {
  private covered = { position: 0, lastEvent: 0 };
  private readonly holes: Hole[] = [];
  /** Positions that end a commit, as last read: the next commit starts right after one. */
  private readonly boundaries = new Set<number>();
  private persisted = 0;
  private persistedAt = -Infinity;

  constructor(
    private readonly counters: Collection<CounterDoc>,
    private readonly commits: Collection<CommitDoc>,
    private readonly monotonicMs: () => number,
  ) {}

  get position(): number {
    return this.covered.position;
  }

  /** The last event at or before `position`. */
  get lastEvent(): number {
    return this.covered.lastEvent;
  }

  /** Moves the horizon to `position`, if that is forward, with `lastEvent` the last event read up to it. */
  coverTo(position: number, lastEvent: number): void {
    if (position <= this.covered.position) return;
    this.covered = { position, lastEvent: Math.max(this.covered.lastEvent, lastEvent) };
    for (let i = this.holes.length - 1; i >= 0; i--) if (this.holes[i]!.to <= position) this.holes.splice(i, 1);
  }

  /** A commit this instance stored ends at `position`: the chain has no holes, so everything up to it is covered. */
  extendChain(position: number): void {
    this.noteBoundary(position);
    this.coverTo(position, position);
  }

  noteBoundary(position: number): void {
    this.boundaries.add(position);
    if (this.boundaries.size > MAX_KNOWN_BOUNDARIES) this.boundaries.delete(this.boundaries.values().next().value!);
  }

  isBoundary(position: number): boolean {
    return this.boundaries.has(position);
  }

  /** Starts the clock of a hole from `from` to `to`, unless one is known there. */
  noteHole(from: number, to: number): void {
    if (to >= from && !this.holeAt(from)) this.holes.push({ from, to, since: this.monotonicMs(), skipped: false });
  }

  /** The hole known at `from`, or a new one whose clock starts now; it ends before `to + 1`, where a commit was seen. */
  holeFrom(from: number, to: number): Hole {
    let hole = this.holeAt(from);
    if (!hole) {
      hole = { from, to, since: this.monotonicMs(), skipped: false };
      this.holes.push(hole);
    }
    hole.to = Math.min(hole.to, to);
    return hole;
  }

  /** The hole this instance knows that covers `position`, if any. */
  holeAt(position: number): Hole | undefined {
    return this.holes.find((h) => h.from <= position && position <= h.to);
  }

  /** Starts from the horizon any instance last recorded, so a fresh one need not scan the log first. */
  async bootstrap(): Promise<void> {
    const mark = await this.counters.findOne({ _id: 'readable' });
    const position = mark?.position ?? 0;
    if (position <= this.covered.position) return;
    // The mark is always a document boundary, so the last event at or before it ends a commit.
    const last = await this.commits.findOne({ lastPosition: { $lte: position }, tombstone: { $ne: true } }, { sort: { lastPosition: -1 }, projection: { lastPosition: 1 } });
    this.coverTo(position, last?.lastPosition ?? 0);
  }

  /** Records the horizon for instances that start later; at most once a second, best effort. */
  async persist(): Promise<void> {
    const { position } = this.covered;
    if (position <= this.persisted || this.monotonicMs() - this.persistedAt < PERSIST_EVERY_MS) return;
    this.persistedAt = this.monotonicMs();
    try {
      await this.counters.updateOne({ _id: 'readable' }, { $max: { position } }, { upsert: true });
      this.persisted = position;
    } catch {
      // Only an optimisation: the next call tries again.
    }
  }
}

/** A scan of the log from `after`: how far it got. It moves the horizon when it started within it. */
export class HorizonScan {
  reached: number;
  private lastEvent = 0;

  constructor(
    private readonly horizon: LogHorizon,
    private readonly after: number,
  ) {
    this.reached = after;
  }

  /** The scan read a commit, or a tombstone, that ends at `to`. */
  advance(to: number, tombstone: boolean): void {
    this.reached = to;
    this.horizon.noteBoundary(to);
    if (!tombstone) this.lastEvent = to;
    // Positions up to `after` are covered if `after` was, and this scan covered the rest.
    if (this.after <= this.horizon.position) this.horizon.coverTo(to, this.lastEvent);
  }
}
