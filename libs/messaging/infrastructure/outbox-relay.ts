import kafkajs, { type Kafka, type Message, type Producer } from 'kafkajs';
import { LogPager, type EventStore } from '../../event-store/index.js';
import type { RecordedEvent } from '../../kernel/index.js';
import { toKafkaMessage } from './cloud-events.js';
import { consoleLogger, EVENTS_TOPIC, type MessagingLogger } from './kafka-topics.js';
import type { RelayCheckpoint } from '../application/relay-checkpoint.port.js';

const { Partitioners } = kafkajs;

/** Pages of `batchSize` events the relay reads ahead of the one it publishes (see `LogPager`). */
const READ_AHEAD_PAGES = 10;

export interface OutboxRelayOptions {
  readonly store: EventStore;
  readonly checkpoint: RelayCheckpoint;
  readonly kafka: Kafka;
  /** Default `demarche.events`. */
  readonly topic?: string;
  /** Most events per Kafka request (default 200). */
  readonly batchSize?: number;
  /** Most bytes of keys, values and headers per Kafka request (default 512 KiB; the broker refuses 1 MiB batches). */
  readonly maxBatchBytes?: number;
  /** How often to look for new events when no in-process append woke us up (default 500 ms). */
  readonly pollIntervalMs?: number;
  /**
   * How often, at most, the checkpoint is stored (default 200 ms; 0: after every request). It
   * is stored once that time has passed even if nothing more comes, and when the relay stops;
   * a crash in between publishes those events again, as at-least-once delivery allows.
   */
  readonly checkpointEveryMs?: number;
  /** Backoff between failed attempts: doubles from `initialMs` (250) up to `maxMs` (15 000). */
  readonly retry?: { readonly initialMs?: number; readonly maxMs?: number };
  /** How the brokers are named in log messages (default "Kafka"). */
  readonly kafkaName?: string;
  readonly logger?: MessagingLogger;
}

/** After this many failed attempts in a row the producer is recreated (new producer id). */
const RESET_PRODUCER_AFTER = 3;

/**
 * The transactional outbox, with the event store as the outbox: follows the global log from
 * a stored checkpoint and publishes each batch to Kafka, in position order (hence in stream
 * order: the key is the stream id and the producer is idempotent with one request in
 * flight), storing the checkpoint only once Kafka acknowledged the batch (`acks: -1`).
 *
 * At least once: a crash between Kafka's acknowledgement and the checkpoint, or a retried
 * request whose first attempt did land, publishes some events again; consumers are
 * idempotent per stream version. Nothing is ever skipped: while Kafka is down the relay
 * retries the same batch with backoff, says so once per outage, and catches up afterwards.
 */
export class OutboxRelay {
  private readonly topic: string;
  private readonly batchSize: number;
  private readonly maxBatchBytes: number;
  private readonly pollIntervalMs: number;
  private readonly checkpointEveryMs: number;
  private readonly initialRetryMs: number;
  private readonly maxRetryMs: number;
  private readonly kafkaName: string;
  private readonly logger: MessagingLogger;

  private running = false;
  private loop?: Promise<void>;
  private unsubscribe?: () => void;
  /** Ends the current sleep: set for idle waits (appends wake them) and for backoffs (only stop does). */
  private wake?: () => void;
  private idle = false;
  private position?: number;
  /** The checkpoint as last stored (-1 before it is loaded). */
  private stored = -1;
  private waiters: { target: number; resolve: () => void }[] = [];
  private producer?: Producer;
  private connected = false;
  private outage?: { since: number; what: string };

  constructor(private readonly options: OutboxRelayOptions) {
    this.topic = options.topic ?? EVENTS_TOPIC;
    this.batchSize = options.batchSize ?? 200;
    this.maxBatchBytes = options.maxBatchBytes ?? 512 * 1024;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.checkpointEveryMs = options.checkpointEveryMs ?? 200;
    this.initialRetryMs = options.retry?.initialMs ?? 250;
    this.maxRetryMs = options.retry?.maxMs ?? 15_000;
    this.kafkaName = options.kafkaName ?? 'Kafka';
    this.logger = options.logger ?? consoleLogger('OutboxRelay');
  }

  /** Starts following the log; returns at once (Kafka need not be up). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.options.store.onAppended(() => {
      if (this.idle) this.wake?.();
    });
    this.loop = this.run();
  }

  /** Lets the batch in flight finish (and its checkpoint be stored), then disconnects. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.unsubscribe?.();
    this.wake?.();
    await this.loop;
    await this.disconnect();
    this.waiters.splice(0).forEach((w) => w.resolve());
  }

  /** Resolves once every event stored so far has been acknowledged by Kafka and checkpointed (or the relay stopped). */
  async caughtUp(): Promise<void> {
    const head = await this.options.store.headPosition();
    if (!this.running || this.stored >= head) return;
    await new Promise<void>((resolve) => {
      this.waiters.push({ target: head, resolve });
      if (this.idle) this.wake?.();
    });
  }

  /** Positions stored but not yet acknowledged by Kafka (head minus checkpoint), for metrics. */
  async lag(): Promise<number> {
    const head = await this.options.store.headPosition();
    const position = this.position ?? (await this.options.checkpoint.load());
    return Math.max(0, head - position);
  }

  /** The last position Kafka acknowledged, once known (stored within `checkpointEveryMs`). */
  get checkpoint(): number | undefined {
    return this.position;
  }

  private async run(): Promise<void> {
    let failures = 0;
    /** The request in hand: its events, and the same as Kafka records, made once (also for a retry). */
    let pending: { events: RecordedEvent[]; messages: Message[] } | undefined;
    let published = false;
    // `unsent` is what of the current page did not fit the last request. Any failure drops
    // it and the pager's iteration, so that reading resumes from the checkpoint, never from a
    // page read before the failure.
    // The pages after the one being published are read meanwhile: the relay's pace is the
    // slower of the store's reads and Kafka's writes, not their sum. Several pages ahead, so
    // that the cursor's next batch (thousands of events, one round trip) is on its way
    // before the pages before it are all published.
    const pages = new LogPager(this.options.store, this.batchSize, READ_AHEAD_PAGES);
    let unsent: RecordedEvent[] = [];
    const dropPages = () => {
      unsent = [];
      return pages.drop();
    };
    // Each Kafka request waited for a checkpoint write (a round trip, and an update on the
    // store's server) before the next could go: stored now at most every checkpointEveryMs.
    let savedAt = -Infinity;
    const save = async (position: number) => {
      await this.options.checkpoint.save(position);
      this.stored = position;
      savedAt = performance.now();
      this.notifyWaiters();
    };
    const checkpointStep = (position: number) => `store the relay checkpoint ${position} (events up to it are already on ${this.kafkaName})`;
    while (this.running) {
      let step = 'load the relay checkpoint';
      try {
        if (this.position === undefined) this.stored = this.position = await this.options.checkpoint.load();
        if (!pending) {
          step = `read the event store after position ${this.position}`;
          if (!unsent.length) unsent = await pages.next(this.position);
          if (!unsent.length) {
            // Nothing new: the checkpoint is stored once checkpointEveryMs has passed since the
            // last time, so that a trickle of events (one a request) is not one update each,
            // or at once if someone waits for it (`caughtUp`).
            const due = savedAt + this.checkpointEveryMs - performance.now();
            const awaited = this.waiters.some((w) => w.target <= this.position!);
            if (this.position > this.stored && (due <= 0 || awaited)) {
              step = checkpointStep(this.position);
              await save(this.position);
            }
            this.recovered();
            failures = 0;
            await this.sleep(this.position > this.stored ? Math.min(due, this.pollIntervalMs) : this.pollIntervalMs, true);
            continue;
          }
          const messages = this.fitToRequest(unsent);
          pending = { events: unsent.slice(0, messages.length), messages };
          unsent = unsent.slice(messages.length);
          published = false;
        }
        const first = pending.events[0]!.position;
        const last = pending.events[pending.events.length - 1]!.position;
        if (!published) {
          step = `publish events at positions ${first}–${last} to topic ${this.topic} on ${this.kafkaName}`;
          await this.publish(pending.messages);
          published = true;
        }
        this.position = last;
        pending = undefined;
        if (performance.now() - savedAt >= this.checkpointEveryMs) {
          step = checkpointStep(last);
          await save(last);
        }
        failures = 0;
        this.recovered();
        this.notifyWaiters();
      } catch (error) {
        // Not waited for: with the store down, closing its cursor could take as long as the outage.
        void dropPages();
        failures++;
        this.failed(step, error);
        if (pending && !published && failures % RESET_PRODUCER_AFTER === 0) await this.disconnect();
        await this.sleep(Math.min(this.maxRetryMs, this.initialRetryMs * 2 ** Math.min(failures - 1, 16)), false);
      }
    }
    await dropPages();
    if (this.position !== undefined && this.position > this.stored) {
      await save(this.position).catch((error: unknown) => this.failed(checkpointStep(this.position!), error));
    }
  }

  /**
   * The first events of `batch` that fit one request, as Kafka records; always at least one
   * (a single oversized event is Kafka's to refuse, loudly). Each event is made into its
   * record once, here: the request sends these very records.
   */
  private fitToRequest(batch: readonly RecordedEvent[]): Message[] {
    const messages: Message[] = [];
    let bytes = 0;
    for (const event of batch) {
      const m = toKafkaMessage(event);
      let size = Buffer.byteLength(m.key) + Buffer.byteLength(m.value);
      for (const name in m.headers) size += name.length + Buffer.byteLength(m.headers[name]!);
      bytes += size;
      if (bytes > this.maxBatchBytes && messages.length > 0) break;
      messages.push(m);
    }
    return messages;
  }

  private async publish(messages: Message[]): Promise<void> {
    if (!this.producer) {
      this.producer = this.options.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        // Java-compatible murmur2: other clients put a stream on the same partition as we do.
        createPartitioner: Partitioners.DefaultPartitioner,
        // Bounded, so that an outage surfaces here (to log it and to let stop() finish);
        // the relay then retries the very same messages itself, forever.
        retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
      });
    }
    if (!this.connected) {
      await this.producer.connect();
      this.connected = true;
    }
    await this.producer.send({ topic: this.topic, acks: -1, messages });
  }

  private async disconnect(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    this.connected = false;
    await producer?.disconnect().catch(() => undefined);
  }

  private failed(step: string, error: unknown): void {
    if (this.outage) return;
    this.outage = { since: Date.now(), what: step };
    this.logger.error(
      `Outbox relay could not ${step}: ${(error as Error)?.message ?? error}. Nothing is skipped: the checkpoint stays at ` +
        `${this.position ?? 'its stored value'}, the relay retries with backoff (up to ${this.maxRetryMs / 1000} s apart) ` +
        'and catches up once it succeeds. This is logged once per outage.',
    );
  }

  private recovered(): void {
    if (!this.outage) return;
    const seconds = Math.round((Date.now() - this.outage.since) / 1000);
    this.outage = undefined;
    this.logger.log(`Outbox relay is working again after ${seconds} s; it has published up to position ${this.position} and is catching up.`);
  }

  /** Waiters for positions up to the stored checkpoint are done. */
  private notifyWaiters(): void {
    const position = this.stored;
    const done = this.waiters.filter((w) => w.target <= position);
    this.waiters = this.waiters.filter((w) => w.target > position);
    done.forEach((w) => w.resolve());
  }

  private sleep(ms: number, idle: boolean): Promise<void> {
    if (!this.running) return Promise.resolve();
    this.idle = idle;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    }).finally(() => {
      this.idle = false;
      this.wake = undefined;
    });
  }
}
