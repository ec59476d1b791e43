import { toLocalDate, type Clock } from '../../kernel/index.js';
import { CommandRunner, InMemoryEventStore, type EventRegistry, type EventStore } from '../../event-store/index.js';
import { applyBatch, InMemoryReadModelStore, type Projection, type ReadModelStore } from '../../projections/index.js';
import { fireDueTimers, FollowUpWorkflow, InMemoryTimers, type CampaignRules, type PolledTimers } from '../index.js';

export interface EngineParts {
  readonly store?: EventStore;
  readonly readModels?: ReadModelStore;
  readonly timers?: PolledTimers;
  /** The treaties and playbooks campaigns run under. */
  readonly rules: CampaignRules;
  readonly clock: Clock;
  /** The read models to build besides the playbook's state. */
  readonly projections: readonly Projection[];
  /** The event types of the history it runs on. */
  readonly registry: EventRegistry;
}

/**
 * Demarche's moving parts driven step by step in one call stack: the playbook, the
 * projections and the timers, run until nothing is left to do. Unit tests use it on
 * in-memory stores; so do sandboxes that replay a history without touching live data.
 */
export class Engine {
  readonly store: EventStore;
  readonly readModels: ReadModelStore;
  readonly timers: PolledTimers;
  readonly registry: EventRegistry;
  readonly runner: CommandRunner;
  readonly workflow: FollowUpWorkflow;
  private readonly clock: Clock;
  private readonly readModelProjections: readonly Projection[];

  constructor(parts: EngineParts) {
    this.readModelProjections = parts.projections;
    this.registry = parts.registry;
    this.clock = parts.clock;
    this.store = parts.store ?? new InMemoryEventStore(() => parts.clock.now());
    this.readModels = parts.readModels ?? new InMemoryReadModelStore();
    this.timers = parts.timers ?? new InMemoryTimers();
    this.runner = new CommandRunner(this.store, this.registry);
    this.workflow = new FollowUpWorkflow(this.runner, this.timers, parts.rules);
  }

  get projections(): readonly Projection[] {
    return [this.workflow, ...this.readModelProjections];
  }

  /** Runs the playbook, the projections and due timers until all have caught up. */
  async settle(batchSize = 500): Promise<void> {
    for (;;) {
      let progressed = false;
      for (const p of this.projections) {
        for (;;) {
          const batch = await this.store.readAll(await this.readModels.checkpoint(p.name), batchSize);
          if (!batch.length) break;
          await applyBatch(p, this.readModels, batch.map((e) => this.registry.upcast(e)));
          progressed = true;
        }
      }
      const now = this.clock.now();
      const fired = await fireDueTimers(this.store, this.registry, this.timers, toLocalDate(now), now);
      if (!progressed && !fired) return;
    }
  }
}
