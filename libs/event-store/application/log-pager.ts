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

  constructor(
    private readonly store: EventStore,
    private readonly pageSize: number,
  ) {}

  /** The next page after `position` (where the previous page ended); empty when there is nothing more for now. */
  async next(position: number): Promise<RecordedEvent[]> {
    this.pages ??= this.store.readAllPages(position, this.pageSize)[Symbol.asyncIterator]();
    const next = await this.pages.next();
    if (!next.done) return next.value;
    this.pages = undefined;
    return [];
  }

  /**
   * Forgets the current iteration and closes its cursor, so that the next read starts from
   * the position then given (after a failure, or a checkpoint loaded again).
   */
  async drop(): Promise<void> {
    const open = this.pages;
    this.pages = undefined;
    await open?.return?.().catch(() => undefined);
  }
}
