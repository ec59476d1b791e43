import { DelayedError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { startOfDay, type Clock } from '../../kernel/index.js';
import type { DueTimer } from '../application/timer.port.js';
import type { TimerPayload } from '../domain/follow-up.events.js';
import { QUEUES, type Queue } from '../domain/playbook.js';
import { DEFAULT_TIMER_PREFIX, redisClient, timerIdOfJob, type RedisSource, type TimerJob, type TimerJobData } from './bullmq-timers.js';

/** Something went wrong in the timer worker, said for a human (and the error for the logs). */
export interface TimerWorkerProblem {
  readonly message: string;
  readonly error: Error;
  readonly queue: Queue;
  readonly timerId?: string;
  /** True when BullMQ will try the job again; false when it stays failed. */
  readonly willRetry?: boolean;
}

export interface BullTimerWorkerOptions {
  readonly redis?: RedisSource;
  readonly clock: Clock;
  readonly prefix?: string;
  /** Jobs processed at once per queue (default 5). */
  readonly concurrency?: number;
  /** Fires a due timer; the app passes `t => recordTimerElapsed(store, registry, t)`. */
  readonly handler: (timer: DueTimer) => Promise<unknown>;
  readonly onError?: (problem: TimerWorkerProblem) => void;
}

/**
 * Processes the timer jobs of `BullTimers`: one BullMQ worker per follow-up queue. A handler
 * error fails the attempt and BullMQ retries it with exponential backoff; after the last
 * attempt the job stays failed (listed by `BullTimers.failedJobs`). The handler must be
 * idempotent by timer id (recordTimerElapsed is): a worker that dies after firing but before
 * acknowledging leaves a stalled job that runs again.
 */
export class BullTimerWorker {
  private readonly workers: Worker<TimerJobData, void, TimerPayload['purpose']>[] = [];
  private redis?: Redis;
  private stopping?: Promise<void>;

  constructor(private readonly options: BullTimerWorkerOptions) {}

  get running(): boolean {
    return this.workers.length > 0 && !this.stopping;
  }

  /** Starts the workers; resolves once they are connected. */
  async start(): Promise<void> {
    if (this.workers.length > 0) return;
    // BullMQ duplicates this client for each worker's own two connections (and closes them).
    this.redis = redisClient(this.options.redis, { worker: true });
    const prefix = this.options.prefix ?? DEFAULT_TIMER_PREFIX;
    for (const queue of QUEUES) {
      const worker = new Worker<TimerJobData, void, TimerPayload['purpose']>(queue, (job, token) => this.process(job, token), {
        connection: this.redis,
        prefix,
        concurrency: this.options.concurrency ?? 5,
        autorun: true,
      });
      worker.on('failed', (job, error) => this.failed(queue, job, error));
      worker.on('error', (error) => this.report({ queue, error, message: `Follow-up timer worker for queue ${queue}: ${error.message} (it keeps trying to reach Redis)` }));
      this.workers.push(worker);
    }
    await Promise.all(this.workers.map((w) => w.waitUntilReady()));
  }

  /** Stops taking jobs, waits for the running ones to finish, and disconnects. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await Promise.all(this.workers.map((w) => w.close()));
      this.workers.length = 0;
      await this.redis?.quit().catch(() => this.redis?.disconnect());
      this.redis = undefined;
    })();
    return this.stopping.finally(() => {
      this.stopping = undefined;
    });
  }

  private async process(job: TimerJob, token: string | undefined): Promise<void> {
    const { timerId, dueOn, payload } = job.data;
    // BullMQ counts delays on the machine's time; the timer is due by the application clock.
    // A job that comes early (clock skew between hosts, or a test clock) goes back to the
    // delayed set for the remainder, without using up an attempt (BullMQ's manual-delay
    // pattern: moveToDelayed with the worker's lock token, then DelayedError).
    const early = startOfDay(dueOn).getTime() - this.options.clock.now().getTime();
    if (early > 0) {
      if (!token) throw new Error(`timer ${timerId} came ${early} ms early and no lock token was given to re-delay it`);
      await job.moveToDelayed(Date.now() + early, token);
      throw new DelayedError();
    }
    await this.options.handler({ timerId, dueOn, payload });
  }

  private failed(queue: Queue, job: TimerJob | undefined, error: Error): void {
    const timerId = job?.data?.timerId ?? (job?.id ? timerIdOfJob(job.id) : 'unknown');
    const purpose = job?.data?.payload?.purpose ?? job?.name ?? 'timer';
    const attempts = job?.opts.attempts ?? 1;
    const made = job?.attemptsMade ?? attempts;
    const willRetry = error.name !== 'UnrecoverableError' && made < attempts;
    const next = willRetry && job?.delay ? ` in about ${humanDelay(job.delay)}` : '';
    const message = willRetry
      ? `Follow-up timer ${timerId} (${purpose}, queue ${queue}) failed on attempt ${made} of ${attempts}: ${error.message}. It will be retried${next}.`
      : `Follow-up timer ${timerId} (${purpose}, queue ${queue}) failed for good after ${made} attempt(s): ${error.message}. The job stays in the failed list until someone retries or removes it.`;
    this.report({ queue, timerId, error, willRetry, message });
  }

  private report(problem: TimerWorkerProblem): void {
    try {
      this.options.onError?.(problem);
    } catch {
      // a logging hook must not break the worker
    }
  }
}

function humanDelay(ms: number): string {
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1_000)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 3_600_000)} h`;
}
