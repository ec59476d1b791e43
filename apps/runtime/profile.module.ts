import { Global, Inject, Injectable, Logger, Module, Optional, type DynamicModule, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import { EVENT_STORE, EventRegistry, type EventStore } from '../../libs/event-store/index.js';
import { READ_MODEL_STORE, RAW_READ_MODEL_STORE, type ReadModelStore } from '../../libs/projections/index.js';
import { TIMERS, type Timers } from '../../libs/follow-ups/index.js';
import type { BullTimers } from '../../libs/follow-ups/infrastructure/bullmq-timers.js';
import type { SqliteTimers } from '../../libs/follow-ups/infrastructure/sqlite-timers.js';
import type { DemarcheConfig } from '../../libs/platform/config/config.js';
import { DemarcheMetrics, METRICS } from '../../libs/platform/observability/metrics.js';
import { OPERATIONS, type Operations } from '../../libs/platform/observability/operations.js';
import { connectMongo } from '../../libs/platform/persistence/mongo-connection.js';
import { connectRedis, MONGO_CONNECTION, REDIS, SQLITE } from '../../libs/platform/persistence/handles.js';
import { openSqliteDatabase, type SqliteDatabase } from '../../libs/platform/persistence/sqlite-database.js';
import { SystemClock } from '../../libs/platform/runtime/clock.js';
import { perProfile } from '../../libs/platform/runtime/context-module.js';
import { CLOCK, CONFIG } from '../../libs/platform/runtime/tokens.js';
import { DistributedOperations } from './distributed-operations.js';
import { EmbeddedOperations } from './embedded-operations.js';
import { demarcheEventRegistry } from './event-types.js';

/**
 * Closes what the profile opened, in the order that loses nothing: the probes, the timers,
 * the log, then the servers' handles. The roles have stopped by now (beforeApplicationShutdown).
 */
@Injectable()
class ProfileCloser implements OnApplicationShutdown {
  constructor(
    @Inject(OPERATIONS) private readonly operations: Operations & { close?: () => Promise<void> },
    @Inject(TIMERS) private readonly timers: Timers & { close?: () => Promise<void> },
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Optional() @Inject(SQLITE) private readonly db?: SqliteDatabase,
    @Optional() @Inject(MONGO_CONNECTION) private readonly connection?: Connection,
    @Optional() @Inject(REDIS) private readonly redis?: Redis,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.operations.close?.();
    await this.timers.close?.().catch(() => undefined);
    await this.store.close().catch(() => undefined);
    await this.connection?.close().catch(() => undefined);
    this.redis?.disconnect();
    if (this.db?.open) this.db.close();
  }
}

/**
 * What a process of either profile has before any context: its configuration and clock, the
 * handles on its servers (the SQLite file embedded; MongoDB and Redis distributed), every
 * context's event types, and how operators see it (probes, lags, metrics).
 */
@Global()
@Module({})
export class ProfileModule {
  static forRoot(config: DemarcheConfig): DynamicModule {
    const { mongoUrl, mongoDb, redisUrl } = config.distributed;
    const handles: Provider[] =
      config.profile === 'embedded'
        ? [{ provide: SQLITE, useFactory: () => openSqliteDatabase(config.dataDir) }]
        : [
            { provide: MONGO_CONNECTION, useFactory: () => connectMongo(mongoUrl, mongoDb) },
            { provide: REDIS, useFactory: () => connectRedis(redisUrl) },
          ];
    return {
      module: ProfileModule,
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: CLOCK, useValue: new SystemClock(config.now) },
        ...handles,
        { provide: EventRegistry, useFactory: demarcheEventRegistry },
        perProfile(OPERATIONS, config, {
          embedded: {
            useFactory: (db: SqliteDatabase, store: EventStore, readModels: ReadModelStore, timers: SqliteTimers) => new EmbeddedOperations(db, store, readModels, timers),
            inject: [SQLITE, EVENT_STORE, READ_MODEL_STORE, TIMERS],
          },
          distributed: {
            useFactory: (connection: Connection, redis: Redis, store: EventStore, raw: ReadModelStore, active: ReadModelStore, timers: BullTimers) => {
              const logger = new Logger('Operations');
              return new DistributedOperations(config, connection, redis, store, raw, active, timers, { log: (m) => logger.log(m), warn: (m) => logger.warn(m), error: (m) => logger.error(m) });
            },
            inject: [MONGO_CONNECTION, REDIS, EVENT_STORE, RAW_READ_MODEL_STORE, READ_MODEL_STORE, TIMERS],
          },
        }),
        { provide: METRICS, useFactory: (operations: Operations) => new DemarcheMetrics(operations, new Logger('Metrics')), inject: [OPERATIONS] },
        ProfileCloser,
      ],
      exports: [CONFIG, CLOCK, ...handles.map((h) => (h as { provide: symbol }).provide), EventRegistry, OPERATIONS, METRICS],
    };
  }
}
