import { Inject, Injectable, Logger, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CatchUpSubscription, EVENT_STORE, EventRegistry, type EventStore } from '../../event-store/index.js';
import { applyBatch, READ_MODEL_STORE, type Projection, type ReadModelStore } from '../../projections/index.js';
import { followUpQueueProjection } from '../../follow-ups/index.js';
import { campaignSummaryProjection } from '../../reporting/application/campaign-summary.projection.js';
import { countryStatusProjection } from '../../reporting/application/country-status.projection.js';
import { stateHistoryProjection } from '../../analysis/application/state-history.projection.js';

export const READ_MODEL_PROJECTIONS: readonly Projection[] = [countryStatusProjection, campaignSummaryProjection, followUpQueueProjection, stateHistoryProjection];

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
    this.subscriptions = projections.map(
      (p) =>
        new CatchUpSubscription(
          store,
          () => readModels.checkpoint(p.name),
          (batch) => applyBatch(p, readModels, batch.map((e) => registry.upcast(e))),
          {
            batchSize: 500,
            pollIntervalMs: 500,
            retryDelayMs: 1000,
            onError: (error, batch) =>
              logger.error(`Projection ${p.name} failed on a batch from position ${batch[0]?.position ?? '?'}; it will retry in 1 s. Cause: ${(error as Error)?.stack ?? error}`),
          },
        ),
    );
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
  constructor(@Inject(EVENT_STORE) store: EventStore, @Inject(READ_MODEL_STORE) readModels: ReadModelStore, registry: EventRegistry) {
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
