// The follow-up jobs figure: Demarche's BullMQ timers against BullMQ's own `addBulk` and
// `Worker` with the same job options (a `DistributedBench` is `b`).
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { BullTimers } from '../dist/libs/follow-ups/infrastructure/bullmq-timers.js';
import { BullTimerWorker } from '../dist/libs/follow-ups/infrastructure/bullmq-timer-worker.js';
import { interleaved, now, sleep } from './lib.mjs';

// 7. follow-up jobs: BullTimers.set + BullTimerWorker vs raw BullMQ addBulk + Worker.
export async function followUpsFigure(b) {
  const { reps, warmup, jobs } = b.sizes.followUps;
  const clock = { now: () => new Date() };
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const queues = ['bilateral', 'regional', 'high-level'];
  b.log(`follow-up jobs: ${reps} reps of ${jobs} due timers scheduled and processed (no-op handler)`);
  return interleaved({
    reps,
    warmup,
    log: b.log,
    profile: b.profiler?.hook('followUps'),
    ours: async (i) => {
      const prefix = `${b.run}_fo${i + 10}`;
      let done = 0;
      const timers = new BullTimers({ redis: b.redisUrl, clock, prefix });
      const worker = new BullTimerWorker({ redis: b.redisUrl, clock, prefix, handler: async () => void done++ });
      const t0 = now();
      await worker.start();
      // As the playbook sets them: the timers of one batch of events in one `setMany`
      // (100 here, as the baseline's addBulk; a playbook batch is up to 500 events).
      for (let j = 0; j < jobs; j += 100) {
        const chunk = [];
        for (let k = j; k < Math.min(jobs, j + 100); k++) chunk.push({ timerId: `bench.${i}.${k}`, dueOn: yesterday, payload: { purpose: 'due', queue: queues[k % 3], followUpId: `bench.${i}.${k}` } });
        await timers.setMany(chunk);
      }
      while (done < jobs) await sleep(2);
      const rate = jobs / ((now() - t0) / 1000);
      await worker.stop();
      await timers.close();
      return { rate };
    },
    raw: async (i) => {
      const prefix = `${b.run}_fr${i + 10}`;
      const connection = new Redis(b.redisUrl, { maxRetriesPerRequest: null });
      let done = 0;
      const qs = queues.map((q) => new Queue(q, { connection, prefix }));
      const t0 = now();
      const workers = queues.map((q) => new Worker(q, async () => void done++, { connection, prefix, concurrency: 5 }));
      await Promise.all(workers.map((w) => w.waitUntilReady()));
      const opts = (j) => ({ jobId: `bench.${i}.${j}`, attempts: 8, backoff: { type: 'exponential', delay: 30_000 }, removeOnComplete: { age: 7776000, count: 50_000 }, removeOnFail: false });
      for (let q = 0; q < 3; q++) {
        const list = [];
        for (let j = q; j < jobs; j += 3) list.push({ name: 'due', data: { timerId: `bench.${i}.${j}`, dueOn: yesterday, payload: { purpose: 'due', queue: queues[q], followUpId: `bench.${i}.${j}` } }, opts: opts(j) });
        for (let k = 0; k < list.length; k += 100) await qs[q].addBulk(list.slice(k, k + 100));
      }
      while (done < jobs) await sleep(2);
      const rate = jobs / ((now() - t0) / 1000);
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all(qs.map((q) => q.close()));
      connection.disconnect();
      return { rate };
    },
  });
}
