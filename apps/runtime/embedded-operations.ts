import { existsSync } from 'node:fs';
import type { EventStore } from '../../libs/event-store/index.js';
import type { SqliteDatabase } from '../../libs/platform/persistence/sqlite-database.js';
import type { ReadModelStore } from '../../libs/projections/index.js';
import type { SqliteTimers } from '../../libs/follow-ups/infrastructure/sqlite-timers.js';
import type { Operations, ReadProgress, ServerProbe } from '../../libs/platform/observability/operations.js';
import { ALL_PROJECTIONS_SHAPE, READ_MODEL_PROJECTIONS, WORKFLOW_PROJECTION } from './projection-catalog.js';

/** The embedded profile's one server: the SQLite file. No relay, no dead-letter topic. */
export class EmbeddedOperations implements Operations {
  readonly servers: readonly ServerProbe[];

  constructor(
    db: SqliteDatabase,
    private readonly store: EventStore,
    /** The active versions of the read models (their checkpoints are the projections' progress). */
    private readonly readModels: ReadModelStore,
    private readonly timers: SqliteTimers,
  ) {
    this.servers = [
      {
        name: 'sqlite',
        check: async () => {
          const advice = 'check the disk (full? unmounted?) and the permissions of DEMARCHE_DATA_DIR, then restart Demarche';
          if (!db.open) throw new Error(`The SQLite store ${db.name} is closed: ${advice}.`);
          // A file deleted under a running process still answers, but nothing written to it would survive a restart.
          if (!db.memory && !existsSync(db.name)) throw new Error(`The SQLite file ${db.name} is gone from disk: ${advice}.`);
          try {
            await this.store.headPosition();
          } catch (error) {
            throw new Error(`The SQLite store ${db.name} does not answer (${(error as Error)?.message ?? error}): ${advice}.`, { cause: error });
          }
        },
      },
    ];
  }

  async projectionLags(): Promise<ReadonlyMap<string, number>> {
    const head = await this.store.headPosition();
    const lags = await Promise.all(ALL_PROJECTIONS_SHAPE.map(async (p) => [p.name, Math.max(0, head - (await this.readModels.checkpoint(p.name)))] as const));
    return new Map(lags);
  }

  async readProgress(): Promise<ReadProgress> {
    const head = await this.store.headPosition();
    const [workflow, ...readModels] = await Promise.all([WORKFLOW_PROJECTION, ...READ_MODEL_PROJECTIONS.map((p) => p.name)].map((name) => this.readModels.checkpoint(name)));
    return { head, workflow: workflow!, readModels: Math.min(...readModels) };
  }

  async queueDepths(): Promise<ReadonlyMap<string, Readonly<Record<string, number>>>> {
    const pending = await this.timers.pendingByQueue();
    return new Map(Object.entries(pending).map(([queue, n]) => [queue, { pending: n }]));
  }
}
