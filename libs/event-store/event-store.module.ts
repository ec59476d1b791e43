import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { SqliteDatabase } from '../platform/persistence/sqlite-database.js';
import { METRICS, type DemarcheMetrics } from '../platform/observability/metrics.js';
import { MONGO_CONNECTION, SQLITE } from '../platform/persistence/handles.js';
import type { Connection } from 'mongoose';
import { CLOCK } from '../platform/runtime/tokens.js';
import { perProfile, type ContextOptions } from '../platform/runtime/context-module.js';
import type { Clock } from '../kernel/index.js';
import { EventsController } from './api/events.controller.js';
import { CommandRunner } from './application/command-runner.js';
import { EventRegistry } from './application/event-registry.js';
import { EVENT_STORE, type EventStore } from './application/event-store.port.js';
import { PAYLOAD_CODEC, type PayloadCodec } from './application/payload-codec.js';
import { MongoEventStore } from './infrastructure/mongo-event-store.js';
import { SqliteEventStore } from './infrastructure/sqlite-event-store.js';

/**
 * The log: the event store of the profile, and the one way commands change it. The app gives
 * the registry of every context's event types (`EventRegistry`) and the payload codec.
 */
@Global()
@Module({})
export class EventStoreModule {
  static register({ config, api }: ContextOptions): DynamicModule {
    return {
      module: EventStoreModule,
      controllers: api ? [EventsController] : [],
      providers: [
        perProfile(EVENT_STORE, config, {
          embedded: { useFactory: (db: SqliteDatabase, clock: Clock) => new SqliteEventStore(db, () => clock.now()), inject: [SQLITE, CLOCK] },
          distributed: {
            // The unique indexes are what make appends safe: they exist before the first one.
            useFactory: async (connection: Connection, clock: Clock) => {
              const store = new MongoEventStore(connection, { now: () => clock.now() });
              await store.ensureIndexes();
              return store;
            },
            inject: [MONGO_CONNECTION, CLOCK],
          },
        }),
        {
          provide: CommandRunner,
          useFactory: (store: EventStore, registry: EventRegistry, codec: PayloadCodec, metrics: DemarcheMetrics) =>
            new CommandRunner(store, registry, codec, (seconds, outcome) => metrics.observeAppend(seconds, outcome)),
          inject: [EVENT_STORE, EventRegistry, PAYLOAD_CODEC, METRICS],
        },
      ],
      exports: [EVENT_STORE, CommandRunner],
    };
  }
}
