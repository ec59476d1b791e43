import { Redis } from 'ioredis';
import { redactUrl } from '../observability/redact-url.js';

/**
 * The handles on the servers of a profile, which the contexts' adapters share: the SQLite
 * database (embedded), the MongoDB connection and the Redis client (distributed).
 */
export const SQLITE = Symbol('SqliteDatabase');
export const MONGO_CONNECTION = Symbol('MongoConnection');
export const REDIS = Symbol('Redis');

export class ServerUnavailable extends Error {
  override name = 'ServerUnavailable';
}

/** Connects to Redis or says, within seconds, which Redis did not answer and what to do. */
export async function connectRedis(url: string, timeoutMs = 5000): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 3, retryStrategy: (n) => Math.min(n * 200, 2000) });
  redis.on('error', () => undefined);
  try {
    await Promise.race([
      redis.connect().then(() => redis.ping()),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs)),
    ]);
    return redis;
  } catch (error) {
    redis.disconnect();
    throw new ServerUnavailable(`Redis at ${redactUrl(url)} did not answer (${(error as Error).message}): start it (npm run infra:up) or set REDIS_URL.`);
  }
}

