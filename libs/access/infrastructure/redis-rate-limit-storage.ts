import type { RateLimitRecord, RateLimitStorage } from '../application/rate-limit-storage.port.js';
import type { Redis } from 'ioredis';

/**
 * A fixed window per key, shared by every api process: INCR the window's counter (which
 * expires with the window); past the limit, a block key holds the caller off for
 * `blockDuration`, after which a new window starts. One script, so concurrent processes
 * never race between read and write.
 */
const SCRIPT = `
local blocked = redis.call('PTTL', KEYS[2])
if blocked > 0 then
  return {tonumber(redis.call('GET', KEYS[2]) or '0'), blocked, 1, blocked}
end
local hits = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
if hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], tostring(hits), 'PX', ARGV[3])
  redis.call('DEL', KEYS[1])
  return {hits, tonumber(ARGV[3]), 1, tonumber(ARGV[3])}
end
return {hits, ttl, 0, 0}
`;

export class RedisRateLimitStorage implements RateLimitStorage {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<RateLimitRecord> {
    const base = `${this.prefix}:ratelimit:${throttlerName}:${key}`;
    const [totalHits, ttlMs, blocked, blockMs] = (await this.redis.eval(SCRIPT, 2, `${base}:hits`, `${base}:blocked`, String(ttl), String(limit), String(Math.max(1, blockDuration)))) as number[];
    return {
      totalHits: totalHits!,
      timeToExpire: Math.max(0, Math.ceil(ttlMs! / 1000)),
      isBlocked: blocked === 1,
      timeToBlockExpire: blocked === 1 ? Math.max(1, Math.ceil(blockMs! / 1000)) : 0,
    };
  }
}
