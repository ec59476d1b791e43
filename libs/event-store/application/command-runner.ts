import { performance } from 'node:perf_hooks';
import type { Decider, DomainEvent, EventMetadata, RecordedEvent } from '../../kernel/index.js';
import type { EventRegistry } from './event-registry.js';
import { ConcurrencyError, type AppendResult, type EventStore } from './event-store.port.js';
import { PLAIN_PAYLOADS, type PayloadCodec } from './payload-codec.js';
import { newEventId } from './event-ids.js';

/** Registrations kept per decider (see `CommandRunner.loadRegistration`); the oldest go first. */
const MAX_REGISTRATIONS = 10_000;

export interface CommandOutcome extends AppendResult {
  /** The events the decider produced (empty when the command changed nothing). */
  readonly events: readonly DomainEvent[];
  /**
   * The log position the stream reached: of the last event appended, or when nothing was (a
   * repeat), of the stream's last event. A read that waits for it sees the command's effect.
   */
  readonly position: number;
}

/** Told how long each append took and how it ended (for the append latency metric). */
export type AppendObserver = (seconds: number, outcome: 'appended' | 'conflict' | 'failed') => void;

export interface RunOptions {
  /** Retry on a concurrent write (for system reactions that must not fail); requests get a 409 instead. */
  readonly retryOnConflict?: boolean;
  readonly commitId?: string;
}

/**
 * The one way commands change the log: read the stream, fold it, decide, append at the
 * version that was read. The decider stays pure; this is the only place that does I/O.
 */
export class CommandRunner {
  /** Registrations found so far, per decider and stream (see `loadRegistration`). */
  private readonly registrations = new WeakMap<object, Map<string, unknown>>();

  constructor(
    private readonly store: EventStore,
    private readonly registry: EventRegistry,
    // Sealing happens here, around the decider rather than before it: the decider compares a
    // retried meeting with the recorded one, which only works on plaintext (every sealing
    // draws a fresh nonce), and the domain stays free of keys and I/O.
    private readonly codec: PayloadCodec = PLAIN_PAYLOADS,
    private readonly observeAppend?: AppendObserver,
  ) {}

  async run<C, S, E extends DomainEvent>(
    streamId: string,
    decider: Decider<C, S, E>,
    command: C,
    metadata: EventMetadata,
    options: RunOptions = {},
  ): Promise<CommandOutcome> {
    for (let attempt = 0; ; attempt++) {
      // The first attempt decides on the stream as this process last read or wrote it, without
      // asking the store whether more came since (a round trip per command on MongoDB). Only
      // an append that lands proves that was the current state; any other outcome (a conflict,
      // a refusal, nothing to record) is decided again on a fresh read.
      const speculative = attempt === 0;
      const { state, version, position } = await this.load(streamId, decider, speculative);
      let events: E[];
      try {
        events = decider.decide(command, state);
      } catch (error) {
        if (speculative) continue;
        throw error;
      }
      if (!events.length) {
        if (speculative) continue;
        return { events, streamVersion: version, eventIds: [], positions: [], position };
      }
      try {
        const stored = await Promise.all(
          events.map(async (e) => ({ id: newEventId(), type: e.type, schemaVersion: this.registry.schemaVersionOf(e.type), occurredAt: e.occurredAt, data: await this.codec.seal(e.type, e.data), metadata })),
        );
        const started = performance.now();
        const result = await this.store.append(streamId, version, stored, options.commitId ? { commitId: options.commitId } : {}).catch((error: unknown) => {
          this.observeAppend?.((performance.now() - started) / 1000, error instanceof ConcurrencyError ? 'conflict' : 'failed');
          throw error;
        });
        this.observeAppend?.((performance.now() - started) / 1000, 'appended');
        return { ...result, events, position: result.positions.at(-1) ?? position };
      } catch (error) {
        if (error instanceof ConcurrencyError && (speculative || (options.retryOnConflict && attempt < 5))) continue;
        throw error;
      }
    }
  }

  /**
   * The state of a registration stream (a campaign, a mission): its first event fixes it for
   * good, since registering again with other details is refused and nothing else changes what
   * its decider folds. So a registration found once is kept for the life of the process, and
   * a command that checks a campaign and a mission reads neither again. An empty stream is
   * never kept: it may be registered at any moment.
   */
  async loadRegistration<S, E extends DomainEvent>(streamId: string, decider: Pick<Decider<unknown, S, E>, 'evolve' | 'initialState'>): Promise<S> {
    const known = this.registrations.get(decider) ?? new Map<string, unknown>();
    this.registrations.set(decider, known);
    if (known.has(streamId)) return known.get(streamId) as S;
    const { state, version } = await this.load(streamId, decider);
    if (version > 0) {
      if (known.size >= MAX_REGISTRATIONS) known.delete(known.keys().next().value!);
      known.set(streamId, state);
    }
    return state;
  }

  /** Folds a stream into a decider's state without deciding anything (`cached`: see `ReadStreamOptions`). */
  async load<S, E extends DomainEvent>(streamId: string, decider: Pick<Decider<unknown, S, E>, 'evolve' | 'initialState'>, cached = false): Promise<{ state: S; version: number; position: number }> {
    const history = await this.codec.reveal((await this.store.readStream(streamId, cached ? { cached } : undefined)).map((e) => this.registry.upcast(e)));
    const state = history.map((e) => e as RecordedEvent & E).reduce<S>((s, e) => decider.evolve(s, e), decider.initialState());
    return { state, version: history.length, position: history.at(-1)?.position ?? 0 };
  }
}
