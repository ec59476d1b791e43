import { Inject, Injectable, Logger, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { CatchUpSubscription, EVENT_STORE, EventRegistry, type EventStore } from '../../libs/event-store/index.js';
import { applyBatch, ProjectionVersions, RAW_READ_MODEL_STORE, upgradeLayouts, type Projection, type ReadModelStore } from '../../libs/projections/index.js';
import type { RecordedEvent } from '../../libs/kernel/index.js';
import { withCorrelation } from '../../libs/platform/observability/correlation.js';
import { OutageLog } from '../../libs/platform/observability/outage-log.js';
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
    const outages = new OutageLog(logger);
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
        (batch) => withCorrelation(sharedCorrelation(batch), () => applyBatch(p, versions.pinned(version), batch.map((e) => registry.upcast(e)))),
        {
          batchSize: 500,
          pollIntervalMs: 500,
          retryDelayMs: 500,
          maxRetryDelayMs: 15_000,
          reloadCheckpoint: async () => (await versions.of(p.name)).active !== version,
          onError: (error, batch) =>
            withCorrelation(sharedCorrelation(batch), () =>
              outages.failed(
                p.name,
                batch.length
                  ? `Projection ${p.name} failed on the batch from position ${batch[0]!.position}: ${(error as Error)?.stack ?? error}. Its checkpoint did not move; it retries with backoff (up to 15 s apart). Logged once until it works again.`
                  : `Projection ${p.name} cannot read the log or its checkpoint: ${(error as Error)?.message ?? error}. It retries with backoff (up to 15 s apart) and catches up once the store answers. Logged once until it works again.`,
              ),
            ),
          onRecovered: () => outages.recovered(p.name, (seconds) => `Projection ${p.name} is working again after ${seconds} s and is catching up.`),
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

/** The correlation id every event of a batch shares (a request's own events, typically), if they share one. */
export function sharedCorrelation(batch: readonly RecordedEvent[]): string | undefined {
  const id = batch[0]?.correlationId;
  return id && batch.every((e) => e.correlationId === id) ? id : undefined;
}

@Injectable()
export class ProjectorService extends ProjectionHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private static readonly logger = new Logger('Projector');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(RAW_READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    private readonly registry: EventRegistry,
  ) {
    super(store, readModels, registry, READ_MODEL_PROJECTIONS, ProjectorService.logger);
  }
  /** Read models an earlier release laid out differently are rebuilt first, so nothing projects into an old layout. */
  async onApplicationBootstrap(): Promise<void> {
    await upgradeLayouts(this.store, this.readModels, READ_MODEL_PROJECTIONS, (m) => ProjectorService.logger.log(m), { upcast: (e) => this.registry.upcast(e) });
    this.start();
  }
  /** Before the stores close: the batch in hand is applied and checkpointed. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }
}

/** The projector role: builds the read models. */
@Module({ providers: [ProjectorService], exports: [ProjectorService] })
export class ProjectorModule {}
