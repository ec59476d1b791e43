import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { Connection } from 'mongoose';
import type { SqliteDatabase } from '../platform/persistence/sqlite-database.js';
import { MONGO_CONNECTION, SQLITE } from '../platform/persistence/handles.js';
import { perProfile, type ContextOptions } from '../platform/runtime/context-module.js';
import { RebuildsController, RebuildService } from './api/rebuilds.controller.js';
import type { Projection } from './application/projection.js';
import { RAW_READ_MODEL_STORE, READ_MODEL_CATALOG, READ_MODEL_STORE, type ReadModelStore } from './application/read-model-store.port.js';
import { ActiveReadModels } from './application/versions.js';
import { MongoReadModelStore } from './infrastructure/mongo-read-model-store.js';
import { SqliteReadModelStore } from './infrastructure/sqlite-read-model-store.js';

export interface ProjectionsOptions extends ContextOptions {
  /** The read models the projector builds, which an admin may rebuild. */
  readonly readModels: readonly Projection[];
  /** Every projection's name and collections (the workflow's memory too), so reads go to the active version. */
  readonly shapes: readonly Pick<Projection, 'name' | 'collections'>[];
}

/** Where read models live, the active version of each, and their rebuilds. */
@Global()
@Module({})
export class ProjectionsModule {
  static register({ config, api, readModels, shapes }: ProjectionsOptions): DynamicModule {
    return {
      module: ProjectionsModule,
      controllers: api ? [RebuildsController] : [],
      providers: [
        perProfile(RAW_READ_MODEL_STORE, config, {
          embedded: { useFactory: (db: SqliteDatabase) => new SqliteReadModelStore(db), inject: [SQLITE] },
          distributed: { useFactory: (connection: Connection) => new MongoReadModelStore(connection), inject: [MONGO_CONNECTION] },
        }),
        { provide: READ_MODEL_STORE, useFactory: (raw: ReadModelStore) => new ActiveReadModels(raw, shapes), inject: [RAW_READ_MODEL_STORE] },
        { provide: READ_MODEL_CATALOG, useValue: readModels },
        ...(api ? [RebuildService] : []),
      ],
      exports: [RAW_READ_MODEL_STORE, READ_MODEL_STORE, READ_MODEL_CATALOG],
    };
  }
}
