import { Global, Module, type DynamicModule, type OnApplicationShutdown, Inject } from '@nestjs/common';
import { join } from 'node:path';
import { CommandRunner, EVENT_STORE, EventRegistry, openSqliteDatabase, SqliteEventStore, type EventStore, type SqliteDatabase } from '../../event-store/index.js';
import { ActiveReadModels, RAW_READ_MODEL_STORE, READ_MODEL_STORE, SqliteReadModelStore, type ReadModelStore } from '../../projections/index.js';
import { ALL_PROJECTIONS_SHAPE } from './projection-catalog.js';
import { PlaybookCatalog, SqliteTimers, TIMERS } from '../../follow-ups/index.js';
import { TreatyCatalog } from '../../treaty-status/index.js';
import type { DemarcheConfig } from '../config/config.js';
import { SystemClock } from './clock.js';
import { demarcheEventRegistry } from './event-types.js';
import { CLOCK, CONFIG, PLAYBOOKS, TREATIES } from './tokens.js';

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
        { provide: CONFIG, useValue: config },
        { provide: CLOCK, useValue: clock },
        { provide: SQLITE, useFactory: () => openSqliteDatabase(config.dataDir) },
        { provide: EventRegistry, useFactory: demarcheEventRegistry },
        { provide: EVENT_STORE, useFactory: (db: SqliteDatabase) => new SqliteEventStore(db, () => clock.now()), inject: [SQLITE] },
        { provide: RAW_READ_MODEL_STORE, useFactory: (db: SqliteDatabase) => new SqliteReadModelStore(db), inject: [SQLITE] },
        { provide: READ_MODEL_STORE, useFactory: (raw: ReadModelStore) => new ActiveReadModels(raw, ALL_PROJECTIONS_SHAPE), inject: [RAW_READ_MODEL_STORE] },
        { provide: TIMERS, useFactory: (db: SqliteDatabase) => new SqliteTimers(db), inject: [SQLITE] },
        { provide: CommandRunner, useFactory: (store: EventStore, registry: EventRegistry) => new CommandRunner(store, registry), inject: [EVENT_STORE, EventRegistry] },
        { provide: TREATIES, useFactory: () => TreatyCatalog.fromDirectory(join(config.referenceDir, 'treaties')) },
        { provide: PLAYBOOKS, useFactory: () => PlaybookCatalog.fromDirectory(join(config.referenceDir, 'playbooks')) },
        SqliteCloser,
      ],
      exports: [CONFIG, CLOCK, EventRegistry, EVENT_STORE, READ_MODEL_STORE, RAW_READ_MODEL_STORE, TIMERS, CommandRunner, TREATIES, PLAYBOOKS],
    };
  }
}
