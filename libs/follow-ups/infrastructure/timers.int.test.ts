/**
 * The Timers port contract on every adapter: the in-memory and SQLite tables (polled by the
 * embedded worker) and BullMQ delayed jobs on a real Redis (REDIS_URL, default
 * redis://127.0.0.1:6379), worked by BullTimerWorker as the distributed worker does.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { durableTimersContract, timersContract, type TimersUnderTest } from '../../../tests/contracts/timers.contract.js';
import { startOfDay, type Clock, type LocalDate } from '../../kernel/index.js';
import { openSqliteDatabase } from '../../platform/persistence/sqlite-database.js';
import type { DueTimer, PolledTimers } from '../application/timer.port.js';
import { BullTimerWorker } from './bullmq-timer-worker.js';
import { BullTimers } from './bullmq-timers.js';
import { InMemoryTimers } from './in-memory-timers.js';
import { SqliteTimers } from './sqlite-timers.js';

const START: LocalDate = '2026-03-01';

/** Fires a polled table the way the embedded worker does: what is due, then mark it fired. */
function polled(timers: PolledTimers, extra: Partial<TimersUnderTest> & Pick<TimersUnderTest, 'close'>): TimersUnderTest {
  return {
    timers,
    async fire(today) {
      const fired: DueTimer[] = [];
      for (let batch = await timers.due(today, 2); batch.length; batch = await timers.due(today, 2)) {
        for (const timer of batch) {
          fired.push(timer);
          await timers.markFired(timer.timerId, startOfDay(today));
        }
      }
      return fired;
    },
    ...extra,
  };
}

timersContract('in-memory', async () => polled(new InMemoryTimers(), { close: async () => undefined }));

function openSqlite(dir: string): TimersUnderTest {
  const db = openSqliteDatabase(dir);
  return polled(new SqliteTimers(db), {
    reopen: async () => {
      db.close();
      return openSqlite(dir);
    },
    close: async () => {
      if (db.open) db.close();
    },
  });
}
const sqliteDirs: string[] = [];
const freshSqlite = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'demarche-timers-'));
  sqliteDirs.push(dir);
  return openSqlite(dir);
};
timersContract('SQLite', freshSqlite);
durableTimersContract('SQLite', freshSqlite);

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const RUN = `demarche-timers-${process.pid}-${randomUUID().slice(0, 8)}`;
let prefixes = 0;

/** A clock the contract moves: `fire(today)` sets it to the start of that day. */
class MovableClock implements Clock {
  private instant = startOfDay(START);
  now(): Date {
    return new Date(this.instant);
  }
  moveTo(day: LocalDate): void {
    this.instant = startOfDay(day);
  }
}

async function openBull(prefix: string, clock: MovableClock): Promise<TimersUnderTest> {
  const timers = new BullTimers({ redis: REDIS_URL, clock, prefix, policy: { attempts: 3, backoffMs: 50 } });
  const delivered: DueTimer[] = [];
  const worker = new BullTimerWorker({
    redis: REDIS_URL,
    clock,
    prefix,
    handler: async (timer) => {
      delivered.push(timer);
    },
  });
  await worker.start();
  const close = async () => {
    await worker.stop();
    await timers.close();
  };
  return {
    timers,
    async fire(today) {
      clock.moveTo(today);
      await timers.promoteDue(today);
      // Worked once nothing is waiting or running in any queue (the handler runs before a
      // job counts as completed).
      for (const deadline = Date.now() + 15_000; ; ) {
        const depths = Object.values(await timers.depths());
        if (depths.every((d) => d.waiting === 0 && d.active === 0)) break;
        if (Date.now() > deadline) throw new Error(`timer jobs still waiting or running: ${JSON.stringify(depths)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return delivered.splice(0);
    },
    async reopen() {
      await close();
      return openBull(prefix, clock);
    },
    close,
  };
}
const freshBull = () => openBull(`${RUN}-${++prefixes}`, new MovableClock());
timersContract('BullMQ on Redis', freshBull);
durableTimersContract('BullMQ on Redis', freshBull);

afterAll(async () => {
  for (const dir of sqliteDirs) rmSync(dir, { recursive: true, force: true });
  const redis = new Redis(REDIS_URL);
  try {
    for await (const keys of redis.scanStream({ match: `${RUN}-*`, count: 1000 })) if ((keys as string[]).length) await redis.del(...(keys as string[]));
  } finally {
    await redis.quit();
  }
});
