import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * A lease in Redis that at most one process holds at a time: for work that must run once
 * across the deployment (the outbox relay, the playbook). The holder renews it; if it dies,
 * the lease expires after `ttlMs` and another process takes over.
 */
export class RedisLease {
  private readonly token = randomUUID();

  constructor(
    private readonly redis: Redis,
    readonly key: string,
    readonly ttlMs = 10_000,
  ) {}

  async acquire(): Promise<boolean> {
    return (await this.redis.set(this.key, this.token, 'PX', this.ttlMs, 'NX')) === 'OK';
  }

  async renew(): Promise<boolean> {
    return (await this.redis.eval(RENEW, 1, this.key, this.token, String(this.ttlMs))) === 1;
  }

  async release(): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key, this.token);
  }
}

export interface LeasedWork {
  start(): Promise<void> | void;
  stop(): Promise<void>;
}

/**
 * Runs `work` only while this process holds the lease: tries to take it, starts the work,
 * renews, and stops the work at once if the lease is lost (a pause longer than the TTL).
 */
export class LeaseHolder {
  private timer?: NodeJS.Timeout;
  private holding = false;
  private stopped = false;
  private tick?: Promise<void>;
  private unreachableSince?: number;

  constructor(
    private readonly lease: RedisLease,
    private readonly work: LeasedWork,
    private readonly log: { log(message: string): void; warn(message: string): void },
  ) {}

  get isLeader(): boolean {
    return this.holding;
  }

  start(): void {
    const loop = async () => {
      if (this.stopped) return;
      try {
        if (!this.holding && (await this.lease.acquire())) {
          this.holding = true;
          this.log.log(`Took the lease ${this.lease.key}; starting the work it guards.`);
          await this.work.start();
        } else if (this.holding && !(await this.lease.renew())) {
          this.holding = false;
          this.log.warn(`Lost the lease ${this.lease.key} (another process took over after a pause); stopping the work it guards.`);
          await this.work.stop();
        }
        if (this.unreachableSince !== undefined) {
          this.log.log(`Redis answers again for the lease ${this.lease.key} after ${Math.round((Date.now() - this.unreachableSince) / 1000)} s.`);
          this.unreachableSince = undefined;
        }
      } catch (error) {
        // Once per outage: the loop retries every TTL/3 for as long as Redis is away.
        if (this.unreachableSince === undefined) {
          this.unreachableSince = Date.now();
          this.log.warn(`Could not reach Redis for the lease ${this.lease.key}: ${(error as Error).message}. Will keep trying; logged once until Redis answers.`);
        }
      }
      if (!this.stopped) this.timer = setTimeout(() => void (this.tick = loop()), Math.floor(this.lease.ttlMs / 3));
    };
    this.tick = loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.tick;
    if (this.holding) {
      this.holding = false;
      await this.work.stop();
      await this.lease.release().catch(() => undefined);
    }
  }
}
