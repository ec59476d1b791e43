import { Queue as BullQueue, type Job, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { startOfDay, type Clock, type LocalDate } from '../../kernel/index.js';
import type { Timers, TimerSpec } from '../application/timer.port.js';
import type { TimerPayload } from '../domain/follow-up.events.js';
import { QUEUES, type Queue } from '../domain/playbook.js';

/**
 * Where the Redis connections come from: a `redis://` URL, or a factory returning a new
 * ioredis client each time it is called (the caller's options, e.g. TLS or a password).
 * Clients made by a factory for a BullMQ worker must have `maxRetriesPerRequest: null`.
 */
export type RedisSource = string | (() => Redis);

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_TIMER_PREFIX = 'demarche';

/** What a timer job carries: everything a worker needs to fire it, nothing else. */
export interface TimerJobData {
  readonly timerId: string;
  readonly dueOn: LocalDate;
  readonly payload: TimerPayload;
}

export type TimerJob = Job<TimerJobData, void, TimerPayload['purpose']>;

/** How timer jobs are retried and how long finished ones are kept. */
export interface TimerJobPolicy {
  /** Tries before a job stays failed (visible through `failedJobs`). */
  readonly attempts: number;
  /** First retry delay; each further retry doubles it (BullMQ `exponential` backoff). */
  readonly backoffMs: number;
  /**
   * Completed jobs kept (seconds / count). Only a convenience: while a completed job is
   * kept, setting the same timer again is ignored by BullMQ; after it is evicted, a replayed
   * `set` adds it again and it fires again, which `recordTimerElapsed` turns into a no-op.
   */
  readonly keepCompleted: { readonly age: number; readonly count: number };
}

/** 8 tries over about 2 hours (30 s, 1 min, 2 min, ... 32 min); completed jobs kept 90 days. */
export const DEFAULT_TIMER_JOB_POLICY: TimerJobPolicy = {
  attempts: 8,
  backoffMs: 30_000,
  keepCompleted: { age: 90 * 24 * 3600, count: 50_000 },
};

export interface BullTimersOptions {
  readonly redis?: RedisSource;
  readonly clock: Clock;
  /** Namespaces every Redis key (`<prefix>:<queue>:...`): one per deployment or test run. */
  readonly prefix?: string;
  readonly policy?: Partial<TimerJobPolicy>;
}

export interface FailedTimerJob {
  readonly queue: Queue;
  readonly jobId: string;
  readonly timerId: string;
  readonly purpose: TimerPayload['purpose'] | undefined;
  readonly failedReason: string;
  readonly attemptsMade: number;
  /** When the last attempt failed; undefined if BullMQ did not record it. */
  readonly failedAt: Date | undefined;
}

export interface QueueDepth {
  readonly waiting: number;
  readonly delayed: number;
  readonly active: number;
  readonly failed: number;
  readonly completed: number;
}

/** States in which a timer has not fired yet (a retry waiting out its backoff is `delayed`). */
const PENDING_STATES = new Set(['delayed', 'waiting', 'prioritized', 'waiting-children']);

/**
 * Job ids from timer ids. BullMQ refuses custom ids that are integers (`"42"`) and ids with
 * a `:` (unless split in exactly three parts, a legacy case that would collide with its
 * repeatable jobs), because `:` separates the parts of its Redis keys. So `%` becomes `%25`
 * and `:` becomes `%3A`, and an integer id gets the marker `%N` in front (a `%` not
 * followed by `25` or `3A` cannot come from the escaping, so decoding is unambiguous).
 * Ids without `:`, `%` or an integer shape — all the ids the playbook makes today, such as
 * `chase-response.ccm-2026.KEN.3` or `repeat.high-level-engagement.c1.ERI.1a2b3c4d~2` — are
 * used unchanged, so they read the same in Redis and in the API.
 */
export function timerJobId(timerId: string): string {
  if (timerId === '') throw new RangeError('a timer id cannot be empty');
  const escaped = timerId.replace(/%/g, '%25').replace(/:/g, '%3A');
  return `${parseInt(escaped, 10)}` === escaped ? `%N${escaped}` : escaped;
}

export function timerIdOfJob(jobId: string): string {
  const body = jobId.startsWith('%N') ? jobId.slice(2) : jobId;
  return body.replace(/%(25|3A)/g, (_, code: string) => (code === '25' ? '%' : ':'));
}

export function redisClient(source: RedisSource | undefined, options: { worker: boolean }): Redis {
  if (typeof source === 'function') return source();
  // A worker blocks on Redis and must wait out a Redis restart rather than give up on a
  // command (BullMQ requires `null`); a producer fails a command after a few retries instead.
  return new Redis(source ?? DEFAULT_REDIS_URL, options.worker ? { maxRetriesPerRequest: null } : { maxRetriesPerRequest: 5 });
}

function isQueue(value: unknown): value is Queue {
  return typeof value === 'string' && (QUEUES as readonly string[]).includes(value);
}

/**
 * Durable timers as BullMQ delayed jobs: one BullMQ queue per follow-up queue (`bilateral`,
 * `regional`, `high-level`; the prefix isolates deployments), one job per timer whose id is
 * the timer id (so the follow-up task id for `due` timers), named after the timer's purpose.
 * Jobs are processed by `BullTimerWorker`, in the worker app.
 */
export class BullTimers implements Timers {
  readonly prefix: string;
  private readonly clock: Clock;
  private readonly policy: TimerJobPolicy;
  private readonly redis: Redis;
  private readonly queues: ReadonlyMap<Queue, BullQueue<TimerJobData, void, TimerPayload['purpose']>>;
  private closed?: Promise<void>;

  constructor(options: BullTimersOptions) {
    this.prefix = options.prefix ?? DEFAULT_TIMER_PREFIX;
    this.clock = options.clock;
    this.policy = { ...DEFAULT_TIMER_JOB_POLICY, ...options.policy };
    // One client shared by the three queues (BullMQ leaves a client it was given open: close()
    // quits it).
    this.redis = redisClient(options.redis, { worker: false });
    this.queues = new Map(QUEUES.map((q) => [q, new BullQueue<TimerJobData, void, TimerPayload['purpose']>(q, { connection: this.redis, prefix: this.prefix })]));
    for (const queue of this.queues.values()) queue.on('error', () => undefined); // surfaced by the failing call
  }

  /** The job options of a timer due at `dueOn`, with its delay counted on the injected clock. */
  jobOptions(timerId: string, dueOn: LocalDate): JobsOptions {
    return {
      jobId: timerJobId(timerId),
      delay: Math.max(0, startOfDay(dueOn).getTime() - this.clock.now().getTime()),
      attempts: this.policy.attempts,
      backoff: { type: 'exponential', delay: this.policy.backoffMs },
      removeOnComplete: { age: this.policy.keepCompleted.age, count: this.policy.keepCompleted.count },
      removeOnFail: false,
    };
  }

  async set(timerId: string, dueOn: LocalDate, payload: TimerPayload): Promise<void> {
    await this.setMany([{ timerId, dueOn, payload }]);
  }

  /**
   * One pipeline of lookups, then one `addBulk` per follow-up queue, whatever the number of
   * timers: the same outcome as `set` for each in turn, in two round trips instead of three
   * per timer.
   */
  async setMany(timers: readonly TimerSpec[]): Promise<void> {
    for (const t of timers) if (!isQueue(t.payload.queue)) throw new RangeError(`timer ${t.timerId}: unknown follow-up queue ${String(t.payload.queue)}`);
    // The first of two with the same id is the one kept, as with two `set`s in turn (the
    // second would find the first's job, in its own queue or another).
    const ids = new Set<string>();
    const first = timers.filter((t) => !ids.has(t.timerId) && ids.add(t.timerId));
    if (!first.length) return;
    // Same job id twice keeps one job (BullMQ ignores the second add, whatever state the first
    // is in). If the first already completed and was evicted, the job is added again and fires
    // again, and recording the elapsed timer is then a no-op (recordTimerElapsed returns false).
    // Job ids are unique per BullMQ queue only: a timer id already set in another follow-up
    // queue is kept as it is, as the port promises. A job exists while its hash does (what
    // `getJob` reads), so one EXISTS per timer and other queue, all in one pipeline.
    const elsewhere = this.redis.pipeline();
    for (const t of first) for (const [name, queue] of this.queues) if (name !== t.payload.queue) elsewhere.exists(queue.toKey(timerJobId(t.timerId)));
    const found = await elsewhere.exec();
    if (!found) throw new Error('Redis discarded the lookup of existing timer jobs');
    const others = this.queues.size - 1;
    const byQueue = new Map<Queue, TimerSpec[]>();
    first.forEach((t, i) => {
      const answers = found.slice(i * others, (i + 1) * others);
      for (const [error] of answers) if (error) throw error;
      if (answers.some(([, n]) => n === 1)) return;
      const list = byQueue.get(t.payload.queue) ?? [];
      byQueue.set(t.payload.queue, list);
      list.push(t);
    });
    await Promise.all(
      [...byQueue].map(([name, list]) =>
        this.queue(name).addBulk(list.map(({ timerId, dueOn, payload }) => ({ name: payload.purpose, data: { timerId, dueOn, payload }, opts: this.jobOptions(timerId, dueOn) }))),
      ),
    );
  }

  /** Removes the timer's job while it is still pending; a no-op if none, running or done. */
  async cancel(timerId: string): Promise<void> {
    const jobId = timerJobId(timerId);
    for (const queue of this.queues.values()) {
      const job = await queue.getJob(jobId);
      if (!job) continue;
      const state = await job.getState();
      // A running job is locked and cannot be removed: it fires, and the retracted task
      // ignores it. Completed and failed jobs stay as history.
      if (PENDING_STATES.has(state)) await queue.remove(jobId);
    }
  }

  /** Jobs that used up their attempts, most recent first (all queues, or one). */
  async failedJobs(queue?: Queue, limit = 50): Promise<FailedTimerJob[]> {
    const names = queue ? [queue] : QUEUES;
    const found: FailedTimerJob[] = [];
    for (const name of names) {
      const jobs = await this.queue(name).getFailed(0, Math.max(0, limit - 1));
      for (const job of jobs) {
        if (!job?.id) continue;
        found.push({
          queue: name,
          jobId: job.id,
          timerId: job.data?.timerId ?? timerIdOfJob(job.id),
          purpose: job.data?.payload?.purpose,
          failedReason: job.failedReason,
          attemptsMade: job.attemptsMade,
          failedAt: job.finishedOn ? new Date(job.finishedOn) : undefined,
        });
      }
    }
    return found.sort((a, b) => (b.failedAt?.getTime() ?? 0) - (a.failedAt?.getTime() ?? 0)).slice(0, limit);
  }

  async depths(): Promise<Record<Queue, QueueDepth>> {
    const entries = await Promise.all(
      QUEUES.map(async (name) => {
        const c = await this.queue(name).getJobCounts('waiting', 'delayed', 'active', 'failed', 'completed');
        const depth: QueueDepth = { waiting: c.waiting ?? 0, delayed: c.delayed ?? 0, active: c.active ?? 0, failed: c.failed ?? 0, completed: c.completed ?? 0 };
        return [name, depth] as const;
      }),
    );
    return Object.fromEntries(entries) as Record<Queue, QueueDepth>;
  }

  /**
   * Moves delayed jobs whose day has come, by our clock, to the front: BullMQ counts delays
   * in real time, so a clock set ahead (or a job delayed before a long stop) would otherwise
   * wait for the real time to pass. Returns how many it promoted.
   */
  async promoteDue(today: LocalDate, batch = 500): Promise<number> {
    let promoted = 0;
    for (const queue of this.queues.values()) {
      for (let start = 0; ; start += batch) {
        const jobs = await queue.getDelayed(start, start + batch - 1);
        for (const job of jobs) {
          if (job.data.dueOn <= today) {
            await job.promote().catch(() => undefined);
            promoted++;
          }
        }
        if (jobs.length < batch) break;
      }
    }
    return promoted;
  }

  /** The BullMQ queue of a follow-up queue (for admin tools and tests). */
  queue(name: Queue): BullQueue<TimerJobData, void, TimerPayload['purpose']> {
    const queue = this.queues.get(name);
    if (!queue) throw new RangeError(`unknown follow-up queue ${name}`);
    return queue;
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      await Promise.all([...this.queues.values()].map((q) => q.close()));
      await this.redis.quit().catch(() => this.redis.disconnect());
    })();
    return this.closed;
  }
}
