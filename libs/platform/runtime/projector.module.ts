import { Inject, Injectable, Logger, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CatchUpSubscription, EVENT_STORE, EventRegistry, type EventStore } from '../../event-store/index.js';
import { applyBatch, ProjectionVersions, RAW_READ_MODEL_STORE, type Projection, type ReadModelStore } from '../../projections/index.js';
import { READ_MODEL_PROJECTIONS } from './projection-catalog.js';

/** Runs projections as checkpointed subscriptions to the log. */
export class ProjectionHost {
  private readonly subscriptions: CatchUpSubscription[];

  constructor(
    store: EventStore,
    readModels: ReadModelStore,
    registry: EventRegistry,
    projections: readonly Projection[],
    logger: Logger,
  ) {
    const versions = new ProjectionVersions(readModels);
    this.subscriptions = projections.map((p) => {
      // Each batch goes to the version that was active when it started; after a swap the
      // subscription reloads its position from the new version's checkpoint.
      let version = 1;
      return new CatchUpSubscription(
        store,
        async () => {
          version = (await versions.of(p.name)).active;
          return versions.pinned(version).checkpoint(p.name);
        },
        (batch) => applyBatch(p, versions.pinned(version), batch.map((e) => registry.upcast(e))),
        {
          batchSize: 500,
          pollIntervalMs: 500,
          retryDelayMs: 1000,
          reloadCheckpoint: async () => (await versions.of(p.name)).active !== version,
          onError: (error, batch) =>
            logger.error(`Projection ${p.name} failed on a batch from position ${batch[0]?.position ?? '?'}; it will retry in 1 s. Cause: ${(error as Error)?.stack ?? error}`),
        },
      );
    });
  }

  start(): void {
    this.subscriptions.forEach((s) => s.start());
  }

  async stop(): Promise<void> {
    await Promise.all(this.subscriptions.map((s) => s.stop()));
  }

  /** Resolves when every projection has handled everything stored so far. */
  async caughtUp(): Promise<void> {
    await Promise.all(this.subscriptions.map((s) => s.caughtUp()));
  }
}

@Injectable()
export class ProjectorService extends ProjectionHost implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) store: EventStore, @Inject(RAW_READ_MODEL_STORE) readModels: ReadModelStore, registry: EventRegistry) {
    super(store, readModels, registry, READ_MODEL_PROJECTIONS, new Logger('Projector'));
  }
  onApplicationBootstrap(): void {
    this.start();
  }
  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }
}

/** The projector role: builds the read models. */
@Module({ providers: [ProjectorService], exports: [ProjectorService] })
export class ProjectorModule {}
