import kafkajs, { type IHeaders, type Kafka, type KafkaMessage, type Producer } from 'kafkajs';
import type { RecordLocation } from './cloud-events.js';

const { Partitioners } = kafkajs;

/** Headers a dead-letter record carries on top of the original record's own. */
export const DLQ_HEADERS = {
  reason: 'dlq_reason',
  stage: 'dlq_stage',
  topic: 'dlq_original_topic',
  partition: 'dlq_original_partition',
  offset: 'dlq_original_offset',
  group: 'dlq_consumer_group',
  failedAt: 'dlq_failed_at',
} as const;

/** A record that cannot be read or applied, and why. */
export interface Poisoned {
  readonly message: KafkaMessage;
  readonly location: RecordLocation;
  /** `decode`, or `projection:<name>`. */
  readonly stage: string;
  readonly reason: string;
}

/**
 * The dead-letter topic of a consumer group: each record keeps its key, value and headers,
 * and gains headers saying why it failed and where it came from. The producer connects at
 * the first dead letter (most members never need one); a failed connection is tried again
 * by the next send.
 */
export class DeadLetters {
  private readonly producer: Producer;
  private connected?: Promise<void>;

  constructor(
    kafka: Kafka,
    private readonly topic: string,
    private readonly groupId: string,
  ) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      // Bounded so that stopping never waits on an endless kafkajs retry; the consumer retries forever.
      retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
    });
  }

  async send(poisoned: readonly Poisoned[]): Promise<void> {
    this.connected ??= this.producer.connect().catch((error: unknown) => {
      this.connected = undefined;
      throw error;
    });
    await this.connected;
    const failedAt = new Date().toISOString();
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: poisoned.map(({ message, location, stage, reason }) => ({
        key: message.key,
        value: message.value,
        headers: {
          ...copyHeaders(message.headers),
          [DLQ_HEADERS.reason]: reason,
          [DLQ_HEADERS.stage]: stage,
          [DLQ_HEADERS.topic]: location.topic,
          [DLQ_HEADERS.partition]: String(location.partition),
          [DLQ_HEADERS.offset]: location.offset,
          [DLQ_HEADERS.group]: this.groupId,
          [DLQ_HEADERS.failedAt]: failedAt,
        },
      })),
    });
  }

  async close(): Promise<void> {
    if (this.connected) await this.producer.disconnect();
    this.connected = undefined;
  }
}

/** An error and its causes, outermost first (at most ten deep). */
export function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = error; e !== undefined && e !== null && chain.length < 10; e = (e as { cause?: unknown }).cause) chain.push(e);
  return chain;
}

function copyHeaders(headers: IHeaders | undefined): IHeaders {
  const copy: IHeaders = {};
  for (const [k, v] of Object.entries(headers ?? {})) if (v !== undefined) copy[k] = v;
  return copy;
}
