import type { RecordedEvent } from '../../kernel/index.js';
import type { EventStore } from './event-store.port.js';
import { LogPager } from './log-pager.js';
import { Sleeper } from './sleeper.js';

export interface CatchUpOptions {
  readonly batchSize: number;
  /** How often to look for new events when no in-process append woke us up. */
  readonly pollIntervalMs: number;
  /**
   * Told about each failed attempt (`failures` in a row so far, from 1); the batch is retried
   * after a backoff that doubles from `retryDelayMs` up to `maxRetryDelayMs`. A store that is
   * down at start is retried the same way.
   */
  readonly onError: (error: unknown, batch: readonly RecordedEvent[], failures: number) => void;
  /** Told when an attempt succeeds after failures. */
  readonly onRecovered?: () => void;
  readonly retryDelayMs: number;
  /** Default 15 s. */
  readonly maxRetryDelayMs?: number;
  /** Asked before each read: true when the checkpoint must be loaded again (the target was swapped). */
  readonly reloadCheckpoint?: () => Promise<boolean>;
}

/**
 * Follows the global log from a stored checkpoint and hands each batch to `handle`, which
 * must persist its effects and the new checkpoint together. This is the reliable delivery
 * path of the embedded profile: nothing depends on an in-memory bus having been heard.
 */
export class CatchUpSubscription {
  private running = false;
  private readonly sleeper = new Sleeper();
  private readonly wake = () => this.sleeper.wake();
  private loop?: Promise<void>;
  private unsubscribe?: () => void;
  private idleWaiters: (() => void)[] = [];
  private position = 0;
  private loaded = false;

  constructor(
    private readonly store: EventStore,
    private readonly loadCheckpoint: () => Promise<number>,
    private readonly handle: (batch: readonly RecordedEvent[]) => Promise<void>,
    private readonly options: CatchUpOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.store.onAppended(() => this.wake());
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.wake();
    await this.loop;
  }

  /** Resolves once every event stored so far has been handled. */
  async caughtUp(): Promise<void> {
    const head = await this.store.headPosition();
    while (this.position < head) {
      await new Promise<void>((resolve) => {
        this.idleWaiters.push(resolve);
        this.wake();
      });
      if (!this.running) return;
    }
  }

  private async run(): Promise<void> {
    let failures = 0;
    // A reload or a failure drops the pager's iteration, so the next read starts from the checkpoint.
    const pages = new LogPager(this.store, this.options.batchSize);
    while (this.running) {
      let batch: RecordedEvent[] = [];
      try {
        if (!this.loaded || (await this.options.reloadCheckpoint?.())) {
          await pages.drop();
          this.position = await this.loadCheckpoint();
          this.loaded = true;
        }
        batch = await pages.next(this.position);
        if (batch.length) await this.handle(batch);
        if (failures) this.options.onRecovered?.();
        failures = 0;
        if (batch.length) {
          this.position = batch[batch.length - 1]!.position;
          continue;
        }
      } catch (error) {
        // Not waited for: with the store down, closing its cursor could take as long as the outage.
        void pages.drop();
        failures++;
        this.options.onError(error, batch, failures);
        await this.sleep(Math.min(this.options.maxRetryDelayMs ?? 15_000, this.options.retryDelayMs * 2 ** Math.min(failures - 1, 16)));
        continue;
      }
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      waiters.forEach((w) => w());
      await this.sleep(this.options.pollIntervalMs);
    }
    await pages.drop();
    this.idleWaiters.forEach((w) => w());
  }

  private sleep(ms: number): Promise<void> {
    return this.sleeper.sleep(ms);
  }
}
