import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

export class LockTimeout extends Error {
  override name = 'LockTimeout';
}

/**
 * A mutual exclusion across processes, in Redis: the projector members share the Kafka
 * partitions but take turns writing one projection's documents, because a document (a
 * country, a campaign) is fed by streams that live on different partitions, and the
 * MongoDB-wire server does not offer an atomic read-modify-write to rely on instead.
 */
export class RedisMutex {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlMs = 30_000,
    private readonly waitMs = 60_000,
  ) {}

  async withLock<T>(name: string, work: () => Promise<T>): Promise<T> {
    const key = `${this.prefix}:lock:${name}`;
    const token = randomUUID();
    const deadline = Date.now() + this.waitMs;
    for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
      if ((await this.redis.set(key, token, 'PX', this.ttlMs, 'NX')) === 'OK') break;
      if (Date.now() > deadline) throw new LockTimeout(`Waited ${this.waitMs} ms for the lock ${key}; another process holds it. It is retried.`);
      await new Promise((r) => setTimeout(r, pause));
    }
    // Long work keeps the lock: extend it at a third of its life.
    const keepAlive = setInterval(() => void this.redis.eval(EXTEND, 1, key, token, String(this.ttlMs)).catch(() => undefined), Math.floor(this.ttlMs / 3));
    try {
      return await work();
    } finally {
      clearInterval(keepAlive);
      await this.redis.eval(RELEASE, 1, key, token).catch(() => undefined);
    }
  }
}
