import type { LocalDate } from '../../kernel/index.js';
import type { TimerPayload } from '../domain/follow-up.events.js';
import type { Queue } from '../domain/playbook.js';

export const TIMERS = Symbol('Timers');

/** A timer as it is set, and as it is handed out when due. */
export interface TimerSpec {
  readonly timerId: string;
  readonly dueOn: LocalDate;
  readonly payload: TimerPayload;
}

/**
 * Durable timers: set once (the same id twice keeps one), they survive restarts and fire
 * when the clock reaches the start of `dueOn` (UTC). Firing records a `TimerElapsed` event.
 */
export interface Timers {
  set(timerId: string, dueOn: LocalDate, payload: TimerPayload): Promise<void>;
  /**
   * The same as `set` for each timer in turn (so the first of two with the same id is kept,
   * and an id already set is left as it is), in as few round trips as the adapter can: the
   * playbook sets the timers of a whole reaction at once.
   */
  setMany(timers: readonly TimerSpec[]): Promise<void>;
  cancel(timerId: string): Promise<void>;
  /** Timer jobs that used up their retries (job queues only; a polled table retries forever). */
  failedJobs?(queue?: Queue, limit?: number): Promise<readonly FailedTimer[]>;
}

export interface FailedTimer {
  readonly queue: Queue;
  readonly timerId: string;
  readonly purpose?: string;
  readonly failedReason: string;
  readonly attemptsMade: number;
  readonly failedAt?: Date;
}

/** Timers kept in a table and polled (the embedded profile; in-memory for tests). */
export interface PolledTimers extends Timers {
  /** Timers due on or before `today` that have not fired, oldest first. */
  due(today: LocalDate, limit: number): Promise<DueTimer[]>;
  markFired(timerId: string, at: Date): Promise<void>;
}

export type DueTimer = TimerSpec;
