import type { ThrottlerStorage } from '@nestjs/throttler';

/**
 * Counts requests per key in fixed windows. It is @nestjs/throttler's `ThrottlerStorage`
 * (times to expire in seconds), checked by the compiler through a type-only import, so our
 * stores plug into its guard and its community stores into ours. The package itself is not
 * loaded: it is CommonJS and `require`s @nestjs/common, which is ESM-only from NestJS 12, and
 * Jest on Node 20 cannot load ESM from a `require` (Node itself can); our guard
 * (`api/rate-limit.guard.ts`) does what its guard would, with the bearer token as the key.
 */
export interface RateLimitStorage extends ThrottlerStorage {
  increment(key: string, ttlMs: number, limit: number, blockDurationMs: number, name: string): Promise<RateLimitRecord>;
}

export interface RateLimitRecord {
  readonly totalHits: number;
  /** Seconds until the window ends. */
  readonly timeToExpire: number;
  readonly isBlocked: boolean;
  /** Seconds until a blocked caller may try again. */
  readonly timeToBlockExpire: number;
}

export const RATE_LIMIT_STORAGE = Symbol('RateLimitStorage');

/** The embedded profile's counters, in the process's memory: the same fixed windows and blocks as in Redis. */
export class InMemoryRateLimitStorage implements RateLimitStorage {
  private readonly windows = new Map<string, { hits: number; endsAt: number; blockedUntil: number }>();

  constructor(private readonly nowMs: () => number = Date.now) {}

  async increment(key: string, ttlMs: number, limit: number, blockDurationMs: number, name: string): Promise<RateLimitRecord> {
    const now = this.nowMs();
    const id = `${name}:${key}`;
    let window = this.windows.get(id);
    if (window && window.blockedUntil > now) {
      return { totalHits: window.hits, timeToExpire: seconds(window.endsAt - now), isBlocked: true, timeToBlockExpire: Math.max(1, seconds(window.blockedUntil - now)) };
    }
    // A new window when the last one ended, or when its block did.
    if (!window || window.endsAt <= now || (window.blockedUntil > 0 && window.blockedUntil <= now)) {
      if (this.windows.size > 50_000) this.sweep(now);
      window = { hits: 0, endsAt: now + ttlMs, blockedUntil: 0 };
      this.windows.set(id, window);
    }
    window.hits += 1;
    if (window.hits > limit) {
      window.blockedUntil = now + blockDurationMs;
      return { totalHits: window.hits, timeToExpire: seconds(window.endsAt - now), isBlocked: true, timeToBlockExpire: Math.max(1, seconds(blockDurationMs)) };
    }
    return { totalHits: window.hits, timeToExpire: seconds(window.endsAt - now), isBlocked: false, timeToBlockExpire: 0 };
  }

  private sweep(now: number): void {
    for (const [id, w] of this.windows) if (w.endsAt <= now && w.blockedUntil <= now) this.windows.delete(id);
  }
}

const seconds = (ms: number) => Math.max(0, Math.ceil(ms / 1000));
