import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import { openSqliteDatabase } from '../../platform/persistence/sqlite-database.js';
import { connectMongo } from '../../platform/persistence/mongo-connection.js';
import type { TokenRecord, TokenStore } from '../application/token-store.port.js';
import { MongoTokenStore } from './mongo-token-store.js';
import { RedisRateLimitStorage } from './redis-rate-limit-storage.js';
import { SqliteTokenStore } from './sqlite-token-store.js';
import { eventually } from '../../../tests/support/eventually.js';

// Needs the servers of `npm run infra:up` (FerretDB, Redis) for the MongoDB and Redis adapters.
const MONGO_URL = process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const record = (hash: string, id: string, extra: Partial<TokenRecord> = {}): TokenRecord => ({ hash, id, role: 'analyst', issuedAt: '2026-06-01T09:00:00.000Z', issuedBy: 'token:admin-env', ...extra });

function tokenStoreContract(name: string, open: () => Promise<{ store: TokenStore; close: () => Promise<void> }>) {
  describe(`${name} token store`, () => {
    let store: TokenStore;
    let close: () => Promise<void>;
    beforeEach(async () => ({ store, close } = await open()));
    afterEach(() => close());

    it('finds a record by the hash of its secret and by its id, and lists them', async () => {
      await store.insert(record('a'.repeat(64), 'analyst-000000000001'));
      await store.insert(record('b'.repeat(64), 'mission-000000000002', { role: 'mission', missionId: 'nor-nairobi', expiresAt: '2027-01-01T00:00:00.000Z' }));
      expect(await store.byHash('b'.repeat(64))).toEqual(record('b'.repeat(64), 'mission-000000000002', { role: 'mission', missionId: 'nor-nairobi', expiresAt: '2027-01-01T00:00:00.000Z' }));
      expect((await store.byId('analyst-000000000001'))?.hash).toBe('a'.repeat(64));
      expect(await store.byHash('c'.repeat(64))).toBeUndefined();
      expect((await store.list()).map((r) => r.id).sort()).toEqual(['analyst-000000000001', 'mission-000000000002']);
    });

    it('refuses a second record with the same hash', async () => {
      await store.insert(record('d'.repeat(64), 'analyst-000000000003'));
      // The driver's error may come from another realm (a native module under Jest), so its message is checked, not its class.
      const refused = await store.insert(record('d'.repeat(64), 'analyst-000000000004')).then(() => 'stored', (error: unknown) => String((error as { message?: unknown })?.message ?? error));
      expect(refused).toMatch(/UNIQUE constraint failed|E11000 duplicate key/);
    });

    it('adds a campaign to a coordinator\'s scope once, however often it is granted', async () => {
      await store.insert(record('f'.repeat(64), 'coordinator-000000000006', { role: 'coordinator', campaignIds: ['ccm-2012'] }));
      expect(await store.grantCampaign('coordinator-000000000006', 'att-2026')).toMatchObject({ campaignIds: ['ccm-2012', 'att-2026'] });
      expect(await store.grantCampaign('coordinator-000000000006', 'att-2026')).toMatchObject({ campaignIds: ['ccm-2012', 'att-2026'] });
      expect((await store.byHash('f'.repeat(64)))?.campaignIds).toEqual(['ccm-2012', 'att-2026']);
      expect(await store.grantCampaign('coordinator-999999999999', 'att-2026')).toBeUndefined();
    });

    it('revokes once: a second revocation keeps the first one\'s time and author', async () => {
      await store.insert(record('e'.repeat(64), 'analyst-000000000005'));
      expect(await store.revoke('analyst-000000000005', '2026-06-02T00:00:00.000Z', 'token:admin-env')).toMatchObject({ revokedAt: '2026-06-02T00:00:00.000Z', revokedBy: 'token:admin-env' });
      expect(await store.revoke('analyst-000000000005', '2026-06-03T00:00:00.000Z', 'token:admin-other')).toMatchObject({ revokedAt: '2026-06-02T00:00:00.000Z', revokedBy: 'token:admin-env' });
      expect(await store.byHash('e'.repeat(64))).toMatchObject({ revokedAt: '2026-06-02T00:00:00.000Z' });
      expect(await store.revoke('analyst-999999999999', '2026-06-02T00:00:00.000Z', 'token:admin-env')).toBeUndefined();
    });
  });
}

tokenStoreContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'demarche-tokens-'));
  const db = openSqliteDatabase(dir);
  return { store: new SqliteTokenStore(db), close: async () => { db.close(); rmSync(dir, { recursive: true, force: true }); } };
});

tokenStoreContract('MongoDB', async () => {
  const connection: Connection = await connectMongo(MONGO_URL, `demarche_test_tokens_${randomUUID().replace(/-/g, '')}`);
  return { store: new MongoTokenStore(connection), close: async () => { await connection.dropDatabase(); await connection.close(); } };
});

describe('Redis rate-limit storage', () => {
  let redis: Redis;
  const prefix = `demarche-test-rl-${randomUUID()}`;
  beforeAll(() => { redis = new Redis(REDIS_URL); });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('counts hits in a window shared by every client, blocks past the limit, and starts a new window when the block ends', async () => {
    const [one, two] = [new RedisRateLimitStorage(redis, prefix), new RedisRateLimitStorage(redis, prefix)];
    expect(await one.increment('token:a', 60_000, 2, 2_000, 'default')).toEqual({ totalHits: 1, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 });
    expect(await two.increment('token:a', 60_000, 2, 2_000, 'default')).toMatchObject({ totalHits: 2, isBlocked: false });
    expect(await one.increment('token:a', 60_000, 2, 2_000, 'default')).toMatchObject({ totalHits: 3, isBlocked: true, timeToBlockExpire: 2 });
    expect(await two.increment('token:a', 60_000, 2, 2_000, 'default')).toMatchObject({ isBlocked: true });
    expect(await one.increment('token:b', 60_000, 2, 2_000, 'default')).toMatchObject({ totalHits: 1, isBlocked: false });
    // The block is a key that Redis expires: the test waits for it to be gone.
    await eventually(async () => ((await redis.pttl(`${prefix}:ratelimit:default:token:a:blocked`)) === -2 ? true : undefined), 'the block to expire', 10_000);
    expect(await one.increment('token:a', 60_000, 2, 2_000, 'default')).toEqual({ totalHits: 1, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 });
  });
});
