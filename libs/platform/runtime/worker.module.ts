import { Inject, Injectable, Logger, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CommandRunner, EVENT_STORE, EventRegistry, type EventStore } from '../../event-store/index.js';
import { RAW_READ_MODEL_STORE, type ReadModelStore } from '../../projections/index.js';
import { fireDueTimers, FollowUpPolicy, PlaybookCatalog, TIMERS, type PolledTimers } from '../../follow-ups/index.js';
import { toLocalDate, type Clock } from '../../kernel/index.js';
import { CLOCK, PLAYBOOKS } from './tokens.js';
import { ProjectionHost } from './projector.module.js';

/**
 * The worker role: runs the playbook over the log, and fires due timers by recording a
 * `TimerElapsed` event (which the playbook then reacts to, like any other fact).
 */
@Injectable()
export class WorkerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Worker');
  private readonly host: ProjectionHost;
  private timer?: NodeJS.Timeout;
  private firing?: Promise<void>;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(RAW_READ_MODEL_STORE) readModels: ReadModelStore,
    @Inject(TIMERS) private readonly timers: PolledTimers,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PLAYBOOKS) playbooks: PlaybookCatalog,
    private readonly registry: EventRegistry,
    runner: CommandRunner,
  ) {
    const policy = new FollowUpPolicy(runner, timers, (treaty) => playbooks.forTreaty(treaty));
    this.host = new ProjectionHost(store, readModels, registry, [policy], this.logger);
  }

  onApplicationBootstrap(): void {
    this.host.start();
    const tick = () => {
      this.firing = this.fireDueTimers().then(
        () => undefined,
        (error) => this.logger.error(`Firing timers failed; will try again in 1 s. Cause: ${error?.stack ?? error}`),
      );
      this.timer = setTimeout(() => void this.firing!.then(tick), 1000);
    };
    tick();
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    await this.firing;
    await this.host.stop();
  }

  /** Everything stored so far has gone through the playbook. */
  async caughtUp(): Promise<void> {
    await this.host.caughtUp();
  }

  async fireDueTimers(): Promise<number> {
    const now = this.clock.now();
    return fireDueTimers(this.store, this.registry, this.timers, toLocalDate(now), now);
  }
}

@Module({ providers: [WorkerService], exports: [WorkerService] })
export class WorkerModule {}
