import type { RecordedEvent } from '../../kernel/index.js';
import type { EventStore } from './event-store.port.js';

/**
 * Reads the global log page by page for a loop that follows it (a catch-up subscription, the
 * outbox relay): while the loop is behind, its pages come from one `readAllPages` iteration,
 * so one server cursor rather than a query per page. Once that iteration runs dry, the next
 * read starts a new one from the position the loop gives: that is its poll.
 */
export class LogPager {
  private pages?: AsyncIterator<RecordedEvent[]>;
  /** Pages asked of the iteration and not yet handed out, oldest first. */
  private asked: Promise<IteratorResult<RecordedEvent[]>>[] = [];

  /**
   * `readAhead`: pages to ask for beyond the one handed out, so that the store's round trips
   * (a cursor's next batch) overlap what the loop does with the pages before them. A cursor
   * fetches its next batch only when the one before is used up; without reading ahead, a loop
   * that consumes faster than a batch arrives waits for every one of them.
   */
  constructor(
    private readonly store: EventStore,
    private readonly pageSize: number,
    private readonly readAhead = 0,
  ) {}

  /** The next page after `position` (where the previous page ended); empty when there is nothing more for now. */
  async next(position: number): Promise<RecordedEvent[]> {
    const pages = (this.pages ??= this.store.readAllPages(position, this.pageSize)[Symbol.asyncIterator]());
    while (this.asked.length <= this.readAhead) {
      const page = pages.next();
      // A failed read ahead is seen when its page is asked for, or dropped with the iteration.
      page.catch(() => undefined);
      this.asked.push(page);
    }
    const next = await this.asked.shift()!;
    if (!next.done) return next.value;
    // The iteration ended: what was asked of it after this answers `done` as well.
    this.pages = undefined;
    this.asked = [];
    return [];
  }

  /**
   * Forgets the current iteration and closes its cursor, so that the next read starts from
   * the position then given (after a failure, or a checkpoint loaded again).
   */
  async drop(): Promise<void> {
    const open = this.pages;
    this.pages = undefined;
    this.asked = [];
    await open?.return?.().catch(() => undefined);
  }
}
