/**
 * BullMQ timers against a real Redis (REDIS_URL, default redis://127.0.0.1:6379; start it
 * with `bash deploy/infra/infra.sh up`). Every test uses its own key prefix, removed after.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { startOfDay, type Clock, type LocalDate } from '../../kernel/index.js';
import type { DueTimer } from '../application/timer.port.js';
import type { TimerPayload } from '../domain/follow-up.events.js';
import type { Queue } from '../domain/playbook.js';
import { BullTimerWorker, type TimerWorkerProblem } from './bullmq-timer-worker.js';
import { BullTimers, timerIdOfJob, timerJobId, type TimerJobPolicy } from './bullmq-timers.js';

/** Tests that talk to Redis and wait for timers: longer than jest's default 5 s. */
const slow = (name: string, fn: () => Promise<void>) => it(name, fn, 20_000);

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const RUN = `demarche-test-${process.pid}-${randomUUID().slice(0, 8)}`;
let n = 0;
const nextPrefix = () => `${RUN}-${++n}`;

/** `redis-cli` against the same server: an independent look at what BullMQ wrote. */
const cliRaw = (...args: string[]) => execFileSync('redis-cli', ['-u', REDIS_URL, ...args], { encoding: 'utf8' }).trim();

const fixedClock = (iso: string): Clock => ({ now: () => new Date(iso) });
/** A clock running at real speed that reaches the start of `day` in `ms` milliseconds. */
function clockBefore(day: LocalDate, ms: number): Clock {
  const t0 = Date.now();
  const base = startOfDay(day).getTime() - ms;
  return { now: () => new Date(base + (Date.now() - t0)) };
}

const due = (followUpId: string, queue: Queue = 'bilateral'): TimerPayload => ({ purpose: 'due', queue, followUpId });
const noResponse = (queue: Queue = 'bilateral'): TimerPayload => ({
  purpose: 'no-response',
  queue,
  kind: 'chase-response',
  campaignId: 'ccm-2026',
  iso3: 'KEN',
  letterEventId: 'e1',
  deliveredOn: '2026-01-05',
});

const FAST: Partial<TimerJobPolicy> = { attempts: 3, backoffMs: 100 };

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const opened: { close(): Promise<void> }[] = [];
function timers(prefix: string, clock: Clock, policy: Partial<TimerJobPolicy> = FAST): BullTimers {
  const t = new BullTimers({ redis: REDIS_URL, clock, prefix, policy });
  opened.push(t);
  return t;
}
function worker(prefix: string, clock: Clock, handler: (t: DueTimer) => Promise<unknown>, extra: { concurrency?: number; onError?: (p: TimerWorkerProblem) => void } = {}): BullTimerWorker {
  const w = new BullTimerWorker({ redis: REDIS_URL, clock, prefix, handler, ...extra });
  opened.push({ close: () => w.stop() });
  return w;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((o) => o.close()));
});

afterAll(async () => {
  // Obliterating the queues leaves nothing but this is a sweep: every key of this run goes.
  const redis = new Redis(REDIS_URL);
  try {
    const keys: string[] = [];
    for await (const batch of redis.scanStream({ match: `${RUN}-*`, count: 1000 })) keys.push(...(batch as string[]));
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
    expect(await redis.keys(`${RUN}-*`)).toEqual([]);
  } finally {
    await redis.quit();
  }
});

async function obliterate(t: BullTimers) {
  for (const q of ['bilateral', 'regional', 'high-level'] as const) await t.queue(q).obliterate({ force: true });
}

describe('job ids', () => {
  it('are the timer ids, with : % and integer ids encoded reversibly', () => {
    expect(timerJobId('chase-response.ccm-2026.KEN.3')).toBe('chase-response.ccm-2026.KEN.3');
    expect(timerJobId('repeat.high-level-engagement.c1.ERI.1a2b3c4d~2')).toBe('repeat.high-level-engagement.c1.ERI.1a2b3c4d~2');
    for (const id of ['a:b', 'a:b:c', '100%:x', '42', '-7', '007', '%N42', '%3A', 'x.y']) {
      expect(timerJobId(id)).not.toContain(':');
      expect(timerIdOfJob(timerJobId(id))).toBe(id);
    }
    expect(timerJobId('a:b')).toBe('a%3Ab');
    expect(timerJobId('42')).toBe('%N42');
  });
});

describe('BullTimers against Redis', () => {
  slow('(a) set adds one delayed job per timer id, in the queue of the payload, delayed to the start of dueOn', async () => {
    const prefix = nextPrefix();
    const t = timers(prefix, fixedClock('2026-03-01T12:00:00Z'));
    const id = 'chase-response.ccm-2026.KEN.3';
    const before = Date.now();
    await t.set(id, '2026-03-31', noResponse('bilateral'));
    await t.set(id, '2026-04-30', noResponse('bilateral')); // same id: ignored
    await t.set('bilateral-visit.ccm-2026.KEN.1a2b3c4d', '2026-03-02', due('bilateral-visit.ccm-2026.KEN.1a2b3c4d', 'high-level'));
    await t.set('odd:id', '2026-03-02', due('odd:id', 'regional'));

    const delay = 29.5 * 24 * 3600 * 1000;
    expect(cliRaw('ZRANGE', `${prefix}:bilateral:delayed`, '0', '-1')).toBe(id);
    expect(cliRaw('HGET', `${prefix}:bilateral:${id}`, 'delay')).toBe(String(delay));
    expect(cliRaw('HGET', `${prefix}:bilateral:${id}`, 'name')).toBe('no-response');
    expect(JSON.parse(cliRaw('HGET', `${prefix}:bilateral:${id}`, 'data'))).toEqual({ timerId: id, dueOn: '2026-03-31', payload: noResponse('bilateral') });
    const score = Number(cliRaw('ZSCORE', `${prefix}:bilateral:delayed`, id));
    const at = Math.floor(score / 0x1000);
    expect(at).toBeGreaterThanOrEqual(before + delay);
    expect(at).toBeLessThan(Date.now() + delay + 1);
    const opts = JSON.parse(cliRaw('HGET', `${prefix}:bilateral:${id}`, 'opts'));
    expect(opts).toMatchObject({ attempts: 3, backoff: { type: 'exponential', delay: 100 } });

    // The job hashes (each queue also has a `meta` hash).
    const jobKeys = cliRaw('--scan', '--pattern', `${prefix}:*`)
      .split('\n')
      .filter((k) => !k.endsWith(':meta') && cliRaw('TYPE', k) === 'hash');
    expect(jobKeys.sort()).toEqual([`${prefix}:bilateral:${id}`, `${prefix}:high-level:bilateral-visit.ccm-2026.KEN.1a2b3c4d`, `${prefix}:regional:odd%3Aid`].sort());
    expect(cliRaw('ZCARD', `${prefix}:high-level:delayed`)).toBe('1');
    expect(cliRaw('ZCARD', `${prefix}:regional:delayed`)).toBe('1');

    const depths = await t.depths();
    expect(depths.bilateral).toEqual({ waiting: 0, delayed: 1, active: 0, failed: 0, completed: 0 });
    expect(depths['high-level'].delayed).toBe(1);
    await obliterate(t);
    expect(cliRaw('--scan', '--pattern', `${prefix}:bilateral:*`)).toBe('');
  });

  slow('(b) a timer due in the past fires at once; one due in 1.5 s fires after its delay, not before; an early job is re-delayed', async () => {
    const prefix = nextPrefix();
    const clock = clockBefore('2030-01-02', 1_500);
    const t0 = Date.now();
    const t = timers(prefix, clock);
    const fired: { timer: DueTimer; at: number }[] = [];
    const w = worker(prefix, clock, async (timer) => void fired.push({ timer, at: Date.now() }));
    await w.start();

    await t.set('past', '2029-12-01', due('past', 'regional'));
    await t.set('soon', '2030-01-02', noResponse('bilateral'));
    const past = await until(() => fired.find((f) => f.timer.timerId === 'past'), 3_000, 'the past timer');
    expect(past.at - t0).toBeLessThan(1_000);
    expect(past.timer).toEqual({ timerId: 'past', dueOn: '2029-12-01', payload: due('past', 'regional') });
    expect(fired.some((f) => f.timer.timerId === 'soon')).toBe(false);

    const soon = await until(() => fired.find((f) => f.timer.timerId === 'soon'), 5_000, 'the 1.5 s timer');
    expect(soon.at).toBeGreaterThanOrEqual(t0 + 1_500);
    expect(soon.at).toBeLessThan(t0 + 3_500);
    expect(soon.timer.payload).toEqual(noResponse('bilateral'));

    // The producer thinks the timer is due now (delay 0), the worker's clock is 1.2 s behind:
    // the job must wait for the worker's clock, without using up an attempt.
    const t1 = Date.now();
    const ahead = timers(prefix, clockBefore('2030-02-01', 0));
    const behind = clockBefore('2030-02-01', 1_200);
    await w.stop();
    const w2 = worker(prefix, behind, async (timer) => void fired.push({ timer, at: Date.now() }));
    await w2.start();
    await ahead.set('early', '2030-02-01', due('early', 'high-level'));
    const early = await until(() => fired.find((f) => f.timer.timerId === 'early'), 5_000, 'the early timer');
    expect(early.at).toBeGreaterThanOrEqual(t1 + 1_200);
    const job = await until(async () => {
      const j = await t.queue('high-level').getJob('early');
      return (await j?.isCompleted()) ? j : undefined;
    });
    expect(job.attemptsMade).toBe(1);
    expect(fired.filter((f) => f.timer.timerId === 'early')).toHaveLength(1);
    await obliterate(t);
  });

  slow('(c) cancel removes a pending job; cancelling an unknown or fired timer is a no-op', async () => {
    const prefix = nextPrefix();
    const t = timers(prefix, fixedClock('2026-03-01T12:00:00Z'));
    await t.set('a:1', '2026-06-01', due('a:1', 'regional'));
    await t.set('b', '2026-06-01', due('b', 'regional'));
    expect(cliRaw('ZCARD', `${prefix}:regional:delayed`)).toBe('2');
    await t.cancel('a:1');
    expect(cliRaw('ZRANGE', `${prefix}:regional:delayed`, '0', '-1')).toBe('b');
    expect(cliRaw('EXISTS', `${prefix}:regional:a%3A1`)).toBe('0');
    await t.cancel('a:1');
    await t.cancel('never-set');
    expect((await t.depths()).regional.delayed).toBe(1);

    // A timer that already fired stays fired (its completed job is history, not removed).
    const fired: string[] = [];
    const w = worker(prefix, fixedClock('2026-03-01T12:00:00Z'), async (timer) => void fired.push(timer.timerId));
    await w.start();
    await t.set('c', '2026-01-01', due('c', 'bilateral'));
    await until(async () => (await t.depths()).bilateral.completed === 1 || undefined);
    await t.cancel('c');
    expect((await t.depths()).bilateral.completed).toBe(1);
    await t.set('c', '2026-01-01', due('c', 'bilateral')); // replayed: kept job, not re-added
    // A marker set after it on the same queue: a re-added 'c' would have fired before it.
    await t.set('after-c', '2026-01-01', due('after-c', 'bilateral'));
    await until(async () => fired.includes('after-c') || undefined);
    expect(fired).toEqual(['c', 'after-c']);
    await obliterate(t);
  });

  slow('(d) a failing handler is retried with backoff, then the job stays failed and is listed', async () => {
    const prefix = nextPrefix();
    const clock = fixedClock('2026-03-01T12:00:00Z');
    const t = timers(prefix, clock, { attempts: 3, backoffMs: 150 });
    const tries: number[] = [];
    const problems: TimerWorkerProblem[] = [];
    const w = worker(
      prefix,
      clock,
      async () => {
        tries.push(Date.now());
        throw new Error('event store unavailable');
      },
      { onError: (p) => problems.push(p) },
    );
    await w.start();
    await t.set('repeat.x.c1.ERI.1a2b3c4d~2', '2026-02-01', { purpose: 'repeat', queue: 'high-level', kind: 'x', campaignId: 'c1', iso3: 'ERI', followUpId: 'x.c1.ERI.1a2b3c4d', occurrence: 2, dueOn: '2026-02-01' });

    const failed = await until(async () => (await t.failedJobs()).find((f) => f.timerId === 'repeat.x.c1.ERI.1a2b3c4d~2'), 8_000, 'the failed job');
    expect(tries).toHaveLength(3);
    expect(tries[1] - tries[0]).toBeGreaterThanOrEqual(150); // exponential: 150 ms, then 300 ms
    expect(tries[2] - tries[1]).toBeGreaterThanOrEqual(300);
    expect(failed).toMatchObject({ queue: 'high-level', jobId: 'repeat.x.c1.ERI.1a2b3c4d~2', purpose: 'repeat', failedReason: 'event store unavailable', attemptsMade: 3 });
    expect(failed.failedAt).toBeInstanceOf(Date);
    expect(await t.failedJobs('bilateral')).toEqual([]);
    expect((await t.depths())['high-level']).toMatchObject({ failed: 1, delayed: 0, waiting: 0 });
    expect(problems.map((p) => p.willRetry)).toEqual([true, true, false]);
    expect(problems[0].message).toMatch(/repeat\.x\.c1\.ERI\.1a2b3c4d~2 \(repeat, queue high-level\) failed on attempt 1 of 3: event store unavailable\. It will be retried in about 150 ms/);
    expect(problems[2].message).toMatch(/failed for good after 3 attempt/);
    // Failed for good: in the failed set, and no retry waits among the delayed jobs.
    expect(cliRaw('ZRANGE', `${prefix}:high-level:failed`, '0', '-1')).toBe('repeat.x.c1.ERI.1a2b3c4d~2');
    expect(cliRaw('ZCARD', `${prefix}:high-level:delayed`)).toBe('0');
    expect(tries).toHaveLength(3);
    await obliterate(t);
  });

  slow('(e) a delayed timer survives closing everything and fires from new instances', async () => {
    const prefix = nextPrefix();
    const clock = clockBefore('2030-03-01', 1_500);
    const t0 = Date.now();
    const first = new BullTimers({ redis: REDIS_URL, clock, prefix, policy: FAST });
    await first.set('survivor', '2030-03-01', due('survivor', 'bilateral'));
    await first.close();

    const t = timers(prefix, clock);
    expect((await t.depths()).bilateral.delayed).toBe(1);
    expect(cliRaw('ZRANGE', `${prefix}:bilateral:delayed`, '0', '-1')).toBe('survivor');
    const fired: { id: string; at: number }[] = [];
    const w = worker(prefix, clock, async (timer) => void fired.push({ id: timer.timerId, at: Date.now() }));
    await w.start();
    const hit = await until(() => fired.find((f) => f.id === 'survivor'), 5_000, 'the surviving timer');
    expect(hit.at).toBeGreaterThanOrEqual(t0 + 1_500);
    expect(fired).toHaveLength(1);
    await obliterate(t);
  });

  slow('(g) setMany makes the jobs set would, one per id, and refuses an unknown queue before adding any', async () => {
    const prefix = nextPrefix();
    const t = timers(prefix, fixedClock('2026-03-01T12:00:00Z'));
    await t.set('kept', '2026-03-10', due('kept', 'regional'));
    await t.setMany([
      { timerId: 'odd:id', dueOn: '2026-03-02', payload: due('odd:id', 'bilateral') },
      { timerId: 'kept', dueOn: '2026-03-20', payload: due('kept', 'high-level') },
      { timerId: 'odd:id', dueOn: '2026-03-05', payload: due('odd:id', 'regional') },
      { timerId: '42', dueOn: '2026-03-03', payload: noResponse('high-level') },
    ]);
    expect(cliRaw('ZRANGE', `${prefix}:bilateral:delayed`, '0', '-1')).toBe('odd%3Aid');
    expect(cliRaw('ZRANGE', `${prefix}:regional:delayed`, '0', '-1')).toBe('kept');
    expect(cliRaw('ZRANGE', `${prefix}:high-level:delayed`, '0', '-1')).toBe('%N42');
    const job = await t.queue('high-level').getJob('%N42');
    expect(job?.name).toBe('no-response');
    expect(job?.data).toEqual({ timerId: '42', dueOn: '2026-03-03', payload: noResponse('high-level') });
    expect(job?.opts).toMatchObject({ ...t.jobOptions('42', '2026-03-03'), jobId: '%N42' });

    const bad = { purpose: 'due', queue: 'nowhere', followUpId: 'x' } as unknown as TimerPayload;
    await expect(t.setMany([{ timerId: 'fine', dueOn: '2026-03-02', payload: due('fine') }, { timerId: 'x', dueOn: '2026-03-02', payload: bad }])).rejects.toThrow(RangeError);
    expect(await t.queue('bilateral').getJob('fine')).toBeUndefined();
    await obliterate(t);
  });

  slow('(f) 2,000 timers all fire exactly once', async () => {
    const prefix = nextPrefix();
    const clock = fixedClock('2026-03-01T12:00:00Z');
    const t = timers(prefix, clock);
    const queues: Queue[] = ['bilateral', 'regional', 'high-level'];
    const ids = Array.from({ length: 2_000 }, (_, i) => `load.c1.K${i}.${i.toString(16)}`);
    const calls = new Map<string, number>();
    const w = worker(prefix, clock, async (timer) => void calls.set(timer.timerId, (calls.get(timer.timerId) ?? 0) + 1), { concurrency: 50 });

    for (let i = 0; i < ids.length; i += 200) {
      await Promise.all(ids.slice(i, i + 200).map((id, j) => t.set(id, '2026-02-28', due(id, queues[(i + j) % 3]))));
    }
    await t.set(ids[0], '2026-02-28', due(ids[0], 'bilateral')); // a replayed set
    await w.start();
    await until(() => (calls.size === ids.length ? true : undefined), 25_000, `2000 timers (got ${calls.size})`);
    // One marker per queue, set last: a duplicate of any timer would have been waiting before it.
    const markers = queues.map((q) => `last.${q}`);
    for (const [i, id] of markers.entries()) await t.set(id, '2026-02-28', due(id, queues[i]));
    await until(() => (markers.every((id) => calls.has(id)) ? true : undefined), 25_000, 'the markers');
    for (const id of markers) calls.delete(id);
    expect([...calls.values()].every((c) => c === 1)).toBe(true);
    expect(calls.size).toBe(2_000);
    const d = await t.depths();
    expect(d.bilateral.completed + d.regional.completed + d['high-level'].completed).toBe(2_000 + markers.length);
    expect(d.bilateral.failed + d.regional.failed + d['high-level'].failed).toBe(0);
    await obliterate(t);
  });
});
