import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Operations } from './operations.js';

/** DI token for the process's {@link DemarcheMetrics}. */
export const METRICS = Symbol('Metrics');

/** How a command request ended, from its HTTP status. */
export function commandOutcome(status: number): 'accepted' | 'conflict' | 'refused' | 'failed' {
  if (status < 400) return 'accepted';
  if (status === 409) return 'conflict';
  return status < 500 ? 'refused' : 'failed';
}

/** What an append through the command runner came to. */
export type AppendOutcome = 'appended' | 'conflict' | 'failed';

/**
 * The process's Prometheus metrics, in a registry of its own (several apps may share a
 * process in tests). Counters and the append histogram are counted as things happen; the
 * lag, queue and dead-letter gauges are read from the stores at each scrape, so any process
 * reports the whole deployment's backlog, whichever process does the work.
 */
export class DemarcheMetrics {
  readonly registry = new Registry();
  private readonly commands: Counter<'route' | 'outcome' | 'status_class'>;
  private readonly appendSeconds: Histogram<'outcome'>;
  private readonly failing = new Set<string>();

  constructor(
    private readonly operations: Operations,
    private readonly logger: { warn(message: string): void; log(message: string): void },
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'demarche_' });
    this.commands = new Counter({
      name: 'demarche_commands_total',
      help: 'Command requests (POST under /v1) by route, outcome (accepted, refused, conflict, failed) and status class.',
      labelNames: ['route', 'outcome', 'status_class'],
      registers,
    });
    this.appendSeconds = new Histogram({
      name: 'demarche_event_append_duration_seconds',
      help: 'Time to append a command\'s events to the log, by outcome (appended, conflict, failed).',
      labelNames: ['outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    const gauge = <L extends string>(name: string, help: string, labelNames: L[], read: (g: Gauge<L>) => Promise<void>) =>
      new Gauge<L>({
        name,
        help,
        labelNames,
        registers,
        collect: async function (this: Gauge<L>) {
          this.reset();
          await metrics.scrape(name, () => read(this));
        },
      });
    const metrics = this;
    gauge('demarche_server_up', 'Whether each server of the profile answers (1) or not (0).', ['server'], async (g) => {
      await Promise.all(
        this.operations.servers.map(async (s) => {
          g.set({ server: s.name }, await s.check().then(() => 1, () => 0));
        }),
      );
    });
    const { relayLag, deadLetters } = { relayLag: operations.relayLag?.bind(operations), deadLetters: operations.deadLetters?.bind(operations) };
    if (relayLag) {
      gauge('demarche_relay_lag_events', 'Events stored but not yet published to Kafka by the outbox relay (distributed profile only).', [], async (g) => g.set(await relayLag()));
    }
    gauge('demarche_projection_lag_events', 'Events stored that a projection has not applied yet (head position minus its checkpoint; on Kafka, relay lag plus the consumer group\'s lag).', ['projection'], async (g) => {
      for (const [projection, lag] of await this.operations.projectionLags()) g.set({ projection }, lag);
    });
    gauge('demarche_follow_up_queue_depth', 'Timers not fired yet, per follow-up queue and state.', ['queue', 'state'], async (g) => {
      for (const [queue, states] of await this.operations.queueDepths()) for (const [state, n] of Object.entries(states)) g.set({ queue, state }, n);
    });
    if (deadLetters) gauge('demarche_dlq_messages', 'Records on the dead-letter topic (distributed profile only).', [], async (g) => g.set(await deadLetters()));
  }

  /** Counts a command request once its answer is sent. */
  countCommand(route: string, status: number): void {
    this.commands.inc({ route, outcome: commandOutcome(status), status_class: `${Math.floor(status / 100)}xx` });
  }

  observeAppend(seconds: number, outcome: AppendOutcome): void {
    this.appendSeconds.observe({ outcome }, seconds);
  }

  /** The exposition text; a gauge whose store does not answer is left out (and `demarche_server_up` says which). */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Reads one gauge, saying once per outage that it cannot. */
  private async scrape(name: string, read: () => Promise<void>): Promise<void> {
    try {
      await read();
      if (this.failing.delete(name)) this.logger.log(`Metric ${name} can be read again.`);
    } catch (error) {
      if (this.failing.has(name)) return;
      this.failing.add(name);
      this.logger.warn(`Metric ${name} is left out of /metrics: ${(error as Error)?.message ?? error}. GET /health/ready says which server does not answer.`);
    }
  }
}
