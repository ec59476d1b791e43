import type { Consumer, ConsumerConfig, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { RecordedEvent } from '../../kernel/index.js';
import { applyEvents, ReadModelUnavailable, type Projection, type ReadModelStore } from '../../projections/index.js';
import { Sleeper } from '../../event-store/index.js';
import { fromKafkaMessage, PoisonMessage, type RecordLocation } from './cloud-events.js';
import { consoleLogger, EVENTS_TOPIC, type MessagingLogger } from './kafka-topics.js';
import { causeChain, DeadLetters, type Poisoned } from './dead-letters.js';

export interface ProjectorConsumerOptions {
  readonly kafka: Kafka;
  readonly readModels: ReadModelStore;
  readonly projections: readonly Projection[];
  /**
   * How a chunk of events reaches one projection (default: {@link applyEvents} on
   * `readModels`). The distributed profile wraps it to write the active version of the read
   * model under a lock, since several members may write the same documents.
   */
  readonly apply?: (projection: Projection, events: readonly RecordedEvent[]) => Promise<void>;
  /** Default `demarche.events`. */
  readonly topic?: string;
  /** Default `<topic>.dlq`. */
  readonly deadLetterTopic?: string;
  /** Default `demarche-projector`. */
  readonly groupId?: string;
  /** Where a new group starts (default: the beginning of the topic). */
  readonly fromBeginning?: boolean;
  /** Brings old schema versions to today's (`registry.upcast`); a failure is a poison message. */
  readonly upcast?: (event: RecordedEvent) => RecordedEvent;
  /** Errors of a projection to retry rather than dead-letter (store failures always are). */
  readonly isTransient?: (error: unknown) => boolean;
  /** Partitions whose batches one member handles at the same time (default 8). */
  readonly partitionsConsumedConcurrently?: number;
  /**
   * Most events of a partition's batch in one chunk (default 2000, about the most one fetch
   * brings of a partition): a chunk is one turn of each projection and one offset commit.
   */
  readonly chunkSize?: number;
  /** Backoff for transient errors: doubles from `initialMs` (200) up to `maxMs` (10 000). */
  readonly retry?: { readonly initialMs?: number; readonly maxMs?: number };
  /**
   * Told, once a chunk of a partition is applied to every projection and before its offsets
   * are committed, the position of its last event: how far that partition's read models go.
   */
  readonly onApplied?: (partition: number, position: number) => Promise<void>;
  /** kafkajs consumer settings (session timeout, heartbeat interval...). */
  readonly consumer?: Partial<Omit<ConsumerConfig, 'groupId'>>;
  readonly logger?: MessagingLogger;
}

interface Decoded {
  readonly event: RecordedEvent;
  readonly message: KafkaMessage;
  readonly location: RecordLocation;
}

type Outcome = { readonly ok: true } | { readonly ok: false; readonly error: unknown };

class Stopping extends Error {}

/**
 * Builds read models from the Kafka topic in a consumer group: each member gets some
 * partitions, and since the key is the stream id each stream's events come in order.
 *
 * Per batch: decode each record (undecodable = poison), apply the events to every projection
 * with {@link applyEvents} (idempotent per document), dead-letter the poison records with
 * the reason and where they came from, then resolve and commit the offsets. Transient
 * failures (read model store, dead-letter topic) are retried with backoff, heartbeating,
 * without resolving anything: a stop or a rebalance in between just means redelivery.
 */
export class ProjectorConsumer {
  readonly topic: string;
  readonly deadLetterTopic: string;
  readonly groupId: string;
  private readonly logger: MessagingLogger;
  private readonly chunkSize: number;
  private readonly initialRetryMs: number;
  private readonly maxRetryMs: number;
  private consumer?: Consumer;
  private deadLetters?: DeadLetters;
  private running = false;
  private assignment: number[] = [];
  private handled = 0;
  private deadLettered = 0;
  private trouble?: { since: number };
  /** When kafkajs first reported the consumer crashed, until it consumes again. */
  private crashedSince?: number;
  private readonly sleeper = new Sleeper();
  /** Chunks waiting for their projection, and the projections being written (see `apply`). */
  private readonly waiting = new Map<string, { readonly events: readonly RecordedEvent[]; readonly settle: (outcome: Outcome) => void }[]>();
  private readonly writing = new Set<string>();

  constructor(private readonly options: ProjectorConsumerOptions) {
    this.topic = options.topic ?? EVENTS_TOPIC;
    this.deadLetterTopic = options.deadLetterTopic ?? `${this.topic}.dlq`;
    this.groupId = options.groupId ?? 'demarche-projector';
    this.logger = options.logger ?? consoleLogger('ProjectorConsumer');
    this.chunkSize = options.chunkSize ?? 2000;
    this.initialRetryMs = options.retry?.initialMs ?? 200;
    this.maxRetryMs = options.retry?.maxMs ?? 10_000;
  }

  /**
   * Partitions are consumed side by side, but a projection takes one write at a time within a
   * member (its documents may be fed by streams on several partitions). Chunks that come while
   * their projection is busy wait here and are then applied together: one lock, one read of
   * each document and one commit for all of them, instead of one each. If that joint write
   * fails for a reason other than an outage, each chunk is tried again alone, so that poison
   * in one chunk never fails another.
   */
  private apply(projection: Projection, events: readonly RecordedEvent[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiting = this.waiting.get(projection.name) ?? [];
      waiting.push({ events, settle: (outcome) => (outcome.ok ? resolve() : reject(outcome.error)) });
      this.waiting.set(projection.name, waiting);
      if (this.writing.has(projection.name)) return;
      // The batches of one fetch reach us side by side: the write starts once they all had
      // their turn, so that they go in it together rather than the first one alone.
      this.writing.add(projection.name);
      setImmediate(() => void this.write(projection));
    });
  }

  private async write(projection: Projection): Promise<void> {
    const attempt = async (events: readonly RecordedEvent[]): Promise<Outcome> => {
      try {
        await (this.options.apply ? this.options.apply(projection, events) : applyEvents(projection, this.options.readModels, events));
        return { ok: true };
      } catch (error) {
        return { ok: false, error };
      }
    };
    try {
      for (let chunks = this.waiting.get(projection.name); chunks?.length; chunks = this.waiting.get(projection.name)) {
        this.waiting.delete(projection.name);
        const joint = await attempt(chunks.flatMap((c) => c.events));
        if (joint.ok || chunks.length === 1 || this.isTransient(joint.error)) {
          for (const c of chunks) c.settle(joint);
          continue;
        }
        for (const c of chunks) c.settle(await attempt(c.events));
      }
    } finally {
      this.writing.delete(projection.name);
    }
  }

  /** Joins the group and starts consuming; resolves once connected and subscribed. */
  async start(): Promise<void> {
    if (this.running) return;
    const { kafka } = this.options;
    this.consumer = kafka.consumer({ ...this.options.consumer, groupId: this.groupId, allowAutoTopicCreation: false });
    this.deadLetters = new DeadLetters(kafka, this.deadLetterTopic, this.groupId);
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      this.assignment = [...(payload.memberAssignment[this.topic] ?? [])].sort((a, b) => a - b);
      this.consumingAgain();
    });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      // While Kafka is away kafkajs crashes and restarts the consumer again and again: say it once,
      // and once more when a batch goes through (handleBatch), unless it will not restart.
      if (this.crashedSince !== undefined && payload.restart) return;
      this.crashedSince ??= Date.now();
      this.logger.error(
        `Projector consumer (group ${this.groupId}) crashed: ${payload.error?.message}; ` +
          (payload.restart ? 'kafkajs restarts it and keeps trying; logged once until it consumes again.' : 'it will not restart by itself: restart the projector process.'),
      );
    });
    this.running = true;
    try {
      await this.consumer.connect();
      await this.consumer.subscribe({ topics: [this.topic], fromBeginning: this.options.fromBeginning ?? true });
      await this.consumer.run({
        autoCommit: true,
        // We resolve each chunk ourselves once applied (and its poison dead-lettered).
        eachBatchAutoResolve: false,
        // Partitions side by side; a projection's documents are still written by one chunk at
        // a time within a member, and chunks that wait are written together (see `apply`).
        partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 8,
        eachBatch: (payload) => this.handleBatch(payload),
      });
    } catch (error) {
      this.running = false;
      await this.consumer.disconnect().catch(() => undefined);
      throw error;
    }
  }

  /** Finishes (or abandons, unresolved) the batch in hand, commits resolved offsets, leaves the group. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.sleeper.wake();
    await this.consumer?.disconnect();
    await this.deadLetters?.close();
    this.assignment = [];
  }

  /** Partitions of the topic this member was given at the last rebalance. */
  assignedPartitions(): readonly number[] {
    return this.assignment;
  }

  /** Counters for metrics and tests. */
  stats(): { handled: number; deadLettered: number } {
    return { handled: this.handled, deadLettered: this.deadLettered };
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    this.consumingAgain();
    try {
      for (let i = 0; i < batch.messages.length; i += this.chunkSize) {
        if (!this.live(payload)) return;
        const chunk = batch.messages.slice(i, i + this.chunkSize);
        const position = await this.keepingSessionAlive(payload, () => this.handleChunk(payload, chunk));
        if (position !== undefined && this.options.onApplied) await this.withRetry(payload, `note partition ${batch.partition} applied up to position ${position}`, () => this.options.onApplied!(batch.partition, position));
        payload.resolveOffset(chunk[chunk.length - 1]!.offset);
        await payload.commitOffsetsIfNecessary();
        await payload.heartbeat();
      }
    } catch (error) {
      if (error instanceof Stopping) return;
      throw error;
    }
  }

  /** Applies a chunk; returns the highest position among its events. */
  private async handleChunk(payload: EachBatchPayload, messages: KafkaMessage[]): Promise<number | undefined> {
    const { topic, partition } = payload.batch;
    const poisoned: Poisoned[] = [];
    const decoded: Decoded[] = [];
    for (const message of messages) {
      const location = { topic, partition, offset: message.offset };
      try {
        const event = fromKafkaMessage(message, location);
        decoded.push({ event: this.options.upcast ? this.upcast(event, location) : event, message, location });
      } catch (error) {
        const reason = error instanceof PoisonMessage ? error.reason : String((error as Error)?.message ?? error);
        poisoned.push({ message, location, stage: 'decode', reason });
      }
    }
    // The projections of a chunk are applied side by side: each writes its own collections
    // (under its own lock in the distributed profile), so nothing orders them, and one after
    // the other a chunk waited for the sum of their round trips to the read model store.
    const outcomes = await Promise.allSettled(this.options.projections.map((projection) => this.applyToProjection(payload, projection, decoded, poisoned)));
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
    if (poisoned.length) {
      poisoned.sort((a, b) => (BigInt(a.location.offset) < BigInt(b.location.offset) ? -1 : 1));
      await this.withRetry(payload, `write ${poisoned.length} records to the dead-letter topic ${this.deadLetterTopic}`, () => this.deadLetters!.send(poisoned));
      for (const p of poisoned) {
        this.logger.warn(`Dead-lettered ${p.location.topic}[${p.location.partition}]@${p.location.offset} to ${this.deadLetterTopic} (${p.stage}): ${p.reason}`);
      }
      this.deadLettered += poisoned.length;
    }
    this.handled += messages.length;
    // A relay that published a stretch again after a crash may put older positions last.
    return decoded.length ? decoded.reduce((max, d) => Math.max(max, d.event.position), 0) : undefined;
  }

  /** One projection's part of a chunk; events that are poison for it are added to `poisoned`. */
  private async applyToProjection(payload: EachBatchPayload, projection: Projection, decoded: readonly Decoded[], poisoned: Poisoned[]): Promise<void> {
    const relevant = decoded.filter((d) => projection.handles.includes(d.event.type));
    if (!relevant.length) return;
    const outcome = await this.attempt(payload, projection, relevant);
    if (!outcome.ok) await this.isolatePoison(payload, projection, relevant, outcome.error, poisoned);
  }

  /**
   * `failing` failed as a whole for a reason other than an outage: something in it is poison
   * for the projection. It is searched by halves, first half first, so that a stream's events
   * are still applied in order (nothing of a failed attempt was committed, and re-applying is
   * idempotent anyway). One poison event among n costs about 2·log2(n) attempts where one
   * event at a time cost n, which is what lets a chunk be as large as a partition's batch.
   */
  private async isolatePoison(payload: EachBatchPayload, projection: Projection, failing: readonly Decoded[], error: unknown, poisoned: Poisoned[]): Promise<void> {
    if (failing.length === 1) {
      const { event, message, location } = failing[0]!;
      const why = (error as Error)?.message ?? error;
      poisoned.push({ message, location, stage: `projection:${projection.name}`, reason: `projection ${projection.name} failed on ${event.type} ${event.id}: ${why}` });
      return;
    }
    const half = Math.ceil(failing.length / 2);
    for (const part of [failing.slice(0, half), failing.slice(half)]) {
      const outcome = await this.attempt(payload, projection, part);
      if (!outcome.ok) await this.isolatePoison(payload, projection, part, outcome.error, poisoned);
    }
  }

  /** Applies `events` to the projection, retrying outages until it works or the batch is no longer ours; any other error is the outcome. */
  private attempt(payload: EachBatchPayload, projection: Projection, events: readonly Decoded[]): Promise<Outcome> {
    const what = events.length === 1 ? `apply event ${events[0]!.event.id} to projection ${projection.name}` : `apply ${events.length} events to projection ${projection.name}`;
    return this.withRetry(payload, what, async (): Promise<Outcome> => {
      try {
        await this.apply(projection, events.map((d) => d.event));
        return { ok: true };
      } catch (error) {
        if (this.isTransient(error)) throw error;
        return { ok: false, error };
      }
    });
  }

  private upcast(event: RecordedEvent, location: RecordLocation): RecordedEvent {
    try {
      return this.options.upcast!(event);
    } catch (error) {
      throw new PoisonMessage(`cannot upcast ${event.type} v${event.schemaVersion}: ${(error as Error)?.message ?? error}`, location, { cause: error });
    }
  }

  private isTransient(error: unknown): boolean {
    return causeChain(error).some((e) => e instanceof ReadModelUnavailable) || (this.options.isTransient?.(error) ?? false);
  }

  /** Retries `attempt` on any error it throws, with backoff, heartbeating, until it succeeds or the batch is no longer ours. */
  private async withRetry<T>(payload: EachBatchPayload, what: string, attempt: () => Promise<T>): Promise<T> {
    for (let failures = 0; ; ) {
      try {
        const result = await attempt();
        if (this.trouble) {
          this.logger.log(`Projector consumer (group ${this.groupId}) is working again after ${Math.round((Date.now() - this.trouble.since) / 1000)} s.`);
          this.trouble = undefined;
        }
        return result;
      } catch (error) {
        failures++;
        if (!this.trouble) {
          this.trouble = { since: Date.now() };
          this.logger.error(
            `Projector consumer (group ${this.groupId}) could not ${what}: ${(error as Error)?.message ?? error}. ` +
              'It retries with backoff without committing offsets, so nothing is lost; logged once until it recovers.',
          );
        }
        await this.backoff(Math.min(this.maxRetryMs, this.initialRetryMs * 2 ** Math.min(failures - 1, 16)));
        if (!this.live(payload)) throw new Stopping();
        // Keeps the session alive; throws (to kafkajs, which rejoins) when the group rebalances.
        await payload.heartbeat();
      }
    }
  }

  /**
   * Heartbeats every second while `work` runs, so a chunk that outlasts the session timeout
   * (a slow read model store) does not cost the member its partitions (docs/adr/0009). A
   * heartbeat that fails here (a rebalance) is seen by the next one made between chunks,
   * which ends the batch as before.
   */
  private async keepingSessionAlive<T>(payload: EachBatchPayload, work: () => Promise<T>): Promise<T> {
    const timer = setInterval(() => void payload.heartbeat().catch(() => undefined), 1000);
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }

  private consumingAgain(): void {
    if (this.crashedSince === undefined) return;
    this.logger.log(`Projector consumer (group ${this.groupId}) is consuming again after ${Math.round((Date.now() - this.crashedSince) / 1000)} s.`);
    this.crashedSince = undefined;
  }

  private live(payload: EachBatchPayload): boolean {
    return this.running && payload.isRunning() && !payload.isStale();
  }

  private backoff(ms: number): Promise<void> {
    return this.sleeper.sleep(ms);
  }
}
