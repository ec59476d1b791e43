import { Global, Inject, Injectable, Logger, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import { connectMongo, EVENT_STORE, MongoEventStore, type EventStore } from '../../libs/event-store/index.js';
import { MongoReadModelStore, RAW_READ_MODEL_STORE, READ_MODEL_STORE, type ReadModelStore } from '../../libs/projections/index.js';
import { BullTimers } from '../../libs/follow-ups/infrastructure/bullmq-timers.js';
import { TIMERS } from '../../libs/follow-ups/index.js';
import { MongoTokenStore, TOKEN_STORE } from '../../libs/access/index.js';
import { MISSION_KEY_STORE } from '../../libs/outreach/application/notes-cipher.port.js';
import { MongoMissionKeys } from '../../libs/outreach/infrastructure/mongo-mission-keys.js';
import type { DemarcheConfig } from '../../libs/platform/config/config.js';
import { OPERATIONS } from '../../libs/platform/observability/operations.js';
import { DistributedOperations } from './distributed-operations.js';
import { SystemClock } from '../../libs/platform/runtime/clock.js';
import { COMMON_EXPORTS, commonProviders } from './common.providers.js';

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
    throw new ServerUnavailable(`Redis at ${url.replace(/\/\/[^@/]*@/, '//***@')} did not answer (${(error as Error).message}): start it (npm run infra:up) or set REDIS_URL.`);
  }
}

@Injectable()
class DistributedCloser implements OnApplicationShutdown {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(MONGO_CONNECTION) private readonly connection: Connection,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(TIMERS) private readonly timers: BullTimers,
    @Inject(OPERATIONS) private readonly operations: DistributedOperations,
  ) {}
  async onApplicationShutdown(): Promise<void> {
    await this.operations.close();
    await this.timers.close().catch(() => undefined);
    await this.store.close().catch(() => undefined);
    await this.connection.close().catch(() => undefined);
    this.redis.disconnect();
  }
}

/**
 * The distributed profile's stores: the log and the read models in MongoDB, timers as
 * BullMQ delayed jobs in Redis (which also holds the leases and locks). Kafka is connected
 * by the roles that use it (projector, worker).
 */
@Global()
@Module({})
export class DistributedPersistenceModule {
  static forRoot(config: DemarcheConfig): DynamicModule {
    const clock = new SystemClock(config.now);
    const { mongoUrl, mongoDb, redisUrl, redisPrefix } = config.distributed;
    return {
      module: DistributedPersistenceModule,
      providers: [
        ...commonProviders(config, clock),
        { provide: MONGO_CONNECTION, useFactory: () => connectMongo(mongoUrl, mongoDb) },
        { provide: EVENT_STORE, useFactory: () => MongoEventStore.connect(mongoUrl, mongoDb, { now: () => clock.now() }) },
        { provide: RAW_READ_MODEL_STORE, useFactory: (connection: Connection) => new MongoReadModelStore(connection), inject: [MONGO_CONNECTION] },
        { provide: TOKEN_STORE, useFactory: (connection: Connection) => new MongoTokenStore(connection), inject: [MONGO_CONNECTION] },
        { provide: MISSION_KEY_STORE, useFactory: (connection: Connection) => new MongoMissionKeys(connection), inject: [MONGO_CONNECTION] },
        { provide: REDIS, useFactory: () => connectRedis(redisUrl) },
        { provide: TIMERS, useFactory: () => new BullTimers({ redis: redisUrl, clock, prefix: redisPrefix }), inject: [REDIS] },
        {
          provide: OPERATIONS,
          useFactory: (connection: Connection, redis: Redis, store: EventStore, raw: ReadModelStore, active: ReadModelStore, timers: BullTimers) => {
            const logger = new Logger('Operations');
            return new DistributedOperations(config, connection, redis, store, raw, active, timers, { log: (m) => logger.log(m), warn: (m) => logger.warn(m), error: (m) => logger.error(m) });
          },
          inject: [MONGO_CONNECTION, REDIS, EVENT_STORE, RAW_READ_MODEL_STORE, READ_MODEL_STORE, TIMERS],
        },
        DistributedCloser,
      ],
      exports: [...COMMON_EXPORTS, TIMERS, MONGO_CONNECTION, REDIS, TOKEN_STORE],
    };
  }
}
