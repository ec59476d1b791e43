import { Inject, Injectable, Logger, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ConcurrencyError, CommandRunner, EVENT_STORE, EventRegistry, type EventStore } from '../../event-store/index.js';
import { READ_MODEL_STORE, type ReadModelStore } from '../../projections/index.js';
import { FollowUpPolicy, PlaybookCatalog, SqliteTimers, TIMERS, timerStreamId } from '../../follow-ups/index.js';
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
    @Inject(READ_MODEL_STORE) readModels: ReadModelStore,
    @Inject(TIMERS) private readonly timers: SqliteTimers,
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
    const due = await this.timers.due(toLocalDate(now), 200);
    for (const t of due) {
      const id = randomUUID();
      try {
        await this.store.append(timerStreamId(t.timerId), 0, [{
          id, type: 'TimerElapsed', schemaVersion: this.registry.schemaVersionOf('TimerElapsed'), occurredAt: t.dueOn,
          data: { timerId: t.timerId, dueOn: t.dueOn, payload: t.payload },
          metadata: { actor: 'system:timers', correlationId: id, causationId: id },
        }]);
      } catch (error) {
        // Already recorded by an earlier run that stopped before marking it: nothing to redo.
        if (!(error instanceof ConcurrencyError)) throw error;
      }
      await this.timers.markFired(t.timerId, now);
    }
    return due.length;
  }
}

@Module({ providers: [WorkerService], exports: [WorkerService] })
export class WorkerModule {}
