import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { EVENT_STORE, openSqliteDatabase, SqliteEventStore, type EventStore, type SqliteDatabase } from '../../libs/event-store/index.js';
import { RAW_READ_MODEL_STORE, READ_MODEL_STORE, SqliteReadModelStore, type ReadModelStore } from '../../libs/projections/index.js';
import { SqliteTimers, TIMERS } from '../../libs/follow-ups/index.js';
import { SqliteTokenStore, TOKEN_STORE } from '../../libs/access/index.js';
import { MISSION_KEY_STORE } from '../../libs/outreach/application/notes-cipher.port.js';
import { SqliteMissionKeys } from '../../libs/outreach/infrastructure/sqlite-mission-keys.js';
import type { DemarcheConfig } from '../../libs/platform/config/config.js';
import { OPERATIONS } from '../../libs/platform/observability/operations.js';
import { EmbeddedOperations } from './embedded-operations.js';
import { SystemClock } from '../../libs/platform/runtime/clock.js';
import { COMMON_EXPORTS, commonProviders } from './common.providers.js';

/** The embedded profile's database handle (tests close it to play a store that went away). */
export const SQLITE = Symbol('SqliteDatabase');

class SqliteCloser implements OnApplicationShutdown {
  constructor(@Inject(SQLITE) private readonly db: SqliteDatabase) {}
  onApplicationShutdown(): void {
    if (this.db.open) this.db.close();
  }
}

/**
 * The embedded profile: one SQLite file under DEMARCHE_DATA_DIR holds the log, the read
 * models, the checkpoints and the timers.
 */
@Global()
@Module({})
export class EmbeddedPersistenceModule {
  static forRoot(config: DemarcheConfig): DynamicModule {
    const clock = new SystemClock(config.now);
    return {
      module: EmbeddedPersistenceModule,
      providers: [
        ...commonProviders(config, clock),
        { provide: SQLITE, useFactory: () => openSqliteDatabase(config.dataDir) },
        { provide: EVENT_STORE, useFactory: (db: SqliteDatabase) => new SqliteEventStore(db, () => clock.now()), inject: [SQLITE] },
        { provide: RAW_READ_MODEL_STORE, useFactory: (db: SqliteDatabase) => new SqliteReadModelStore(db), inject: [SQLITE] },
        { provide: TIMERS, useFactory: (db: SqliteDatabase) => new SqliteTimers(db), inject: [SQLITE] },
        { provide: TOKEN_STORE, useFactory: (db: SqliteDatabase) => new SqliteTokenStore(db), inject: [SQLITE] },
        {
          provide: OPERATIONS,
          useFactory: (db: SqliteDatabase, store: EventStore, readModels: ReadModelStore, timers: SqliteTimers) => new EmbeddedOperations(db, store, readModels, timers),
          inject: [SQLITE, EVENT_STORE, READ_MODEL_STORE, TIMERS],
        },
        { provide: MISSION_KEY_STORE, useFactory: (db: SqliteDatabase) => new SqliteMissionKeys(db), inject: [SQLITE] },
        SqliteCloser,
      ],
      exports: [...COMMON_EXPORTS, TIMERS, SQLITE, TOKEN_STORE],
    };
  }
}
