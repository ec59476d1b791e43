import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { EVENT_STORE, openSqliteDatabase, SqliteEventStore, type SqliteDatabase } from '../../event-store/index.js';
import { RAW_READ_MODEL_STORE, SqliteReadModelStore } from '../../projections/index.js';
import { SqliteTimers, TIMERS } from '../../follow-ups/index.js';
import { MISSION_KEY_STORE } from '../../outreach/application/notes-cipher.port.js';
import { SqliteMissionKeys } from '../../outreach/infrastructure/sqlite-mission-keys.js';
import { SqliteTokenStore, TOKEN_STORE } from '../../access/index.js';
import type { DemarcheConfig } from '../config/config.js';
import { SystemClock } from './clock.js';
import { COMMON_EXPORTS, commonProviders } from './common.providers.js';

const SQLITE = Symbol('SqliteDatabase');

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
        { provide: MISSION_KEY_STORE, useFactory: (db: SqliteDatabase) => new SqliteMissionKeys(db), inject: [SQLITE] },
        { provide: TOKEN_STORE, useFactory: (db: SqliteDatabase) => new SqliteTokenStore(db), inject: [SQLITE] },
        SqliteCloser,
      ],
      exports: [...COMMON_EXPORTS, TIMERS, TOKEN_STORE],
    };
  }
}
