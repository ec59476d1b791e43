import { Inject, Injectable, Logger, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { EVENT_STORE, EventRegistry, type EventStore } from '../../libs/event-store/index.js';
import { RAW_READ_MODEL_STORE, upgradeLayouts, type ReadModelStore } from '../../libs/projections/index.js';
import { fireDueTimers, FollowUpWorkflow, TIMERS, type PolledTimers } from '../../libs/follow-ups/index.js';
import { toLocalDate, type Clock } from '../../libs/kernel/index.js';
import { NotificationsWorker } from '../../libs/notifications/index.js';
import { OutageLog } from '../../libs/platform/observability/outage-log.js';
import { CLOCK } from '../../libs/platform/runtime/tokens.js';
import { ProjectionHost } from './projector.module.js';

/**
 * The worker role: runs the playbook over the log, and fires due timers by recording a
 * `TimerElapsed` event (which the playbook then reacts to, like any other fact).
 */
@Injectable()
export class WorkerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Worker');
  private readonly host: ProjectionHost;
  private timer?: NodeJS.Timeout;
  private firing?: Promise<void>;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(RAW_READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(TIMERS) private readonly timers: PolledTimers,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly registry: EventRegistry,
    private readonly workflow: FollowUpWorkflow,
    private readonly notifications: NotificationsWorker,
  ) {
    this.host = new ProjectionHost(store, readModels, registry, [workflow, ...notifications.projections], this.logger);
  }

  /** The workflow's memory, if an earlier release laid it out differently, is rebuilt from the log first. */
  async onApplicationBootstrap(): Promise<void> {
    await upgradeLayouts(this.store, this.readModels, [this.workflow], (m) => this.logger.log(m), { upcast: (e) => this.registry.upcast(e) });
    this.host.start();
    this.notifications.start();
    const outages = new OutageLog(this.logger);
    const tick = () => {
      this.firing = this.fireDueTimers().then(
        () => outages.recovered('timers', (seconds) => `Firing due timers works again after ${seconds} s.`),
        (error) =>
          outages.failed('timers', `Firing due timers failed: ${error?.stack ?? error}. Nothing is lost: a due timer stays due; the worker tries again every second. Logged once until it works again.`),
      );
      this.timer = setTimeout(() => void this.firing!.then(tick), 1000);
    };
    tick();
  }

  /** Before the stores close: the timers being fired and the playbook's batch in hand finish. */
  async beforeApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    await this.firing;
    await this.notifications.stop();
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
