import type { Admin, Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import type { EventStore } from '../../event-store/index.js';
import type { ReadModelStore } from '../../projections/index.js';
import type { BullTimers } from '../../follow-ups/infrastructure/bullmq-timers.js';
import { createKafka, KAFKA_RELAY_CHECKPOINT, type MessagingLogger } from '../../messaging/index.js';
import type { DemarcheConfig } from '../config/config.js';
import { within, type Operations, type ServerProbe } from '../observability/operations.js';
import { ALL_PROJECTIONS_SHAPE, READ_MODEL_PROJECTIONS } from './projection-catalog.js';

const PROBE_TIMEOUT_MS = 3000;

/** Before the first worker or projector created the topics, nothing is on them. */
function noTopicYet(error: unknown): [] {
  if ((error as { type?: string })?.type === 'UNKNOWN_TOPIC_OR_PARTITION') return [];
  throw error;
}
const redact = (url: string) => url.replace(/\/\/[^@/]*@/, '//***@');

/**
 * The distributed profile seen from outside: MongoDB, Kafka and Redis, the relay's
 * checkpoint, the consumer group's offsets, the BullMQ queues and the dead-letter topic.
 * Its Kafka admin client connects on first use and is dropped after any failure, so a
 * broker that comes back is found again.
 */
export class DistributedOperations implements Operations {
  readonly servers: readonly ServerProbe[];
  private kafka?: Kafka;
  private admin?: Promise<Admin>;

  constructor(
    private readonly config: DemarcheConfig,
    connection: Connection,
    redis: Redis,
    private readonly store: EventStore,
    /** The physical read model store (the relay keeps its checkpoint there). */
    private readonly rawReadModels: ReadModelStore,
    /** The active versions of the read models. */
    private readonly readModels: ReadModelStore,
    private readonly timers: BullTimers,
    private readonly logger: MessagingLogger,
  ) {
    const { mongoUrl, mongoDb, kafkaBrokers, redisUrl } = config.distributed;
    const probe = (name: string, what: string, advice: string, check: () => Promise<unknown>): ServerProbe => ({
      name,
      check: async () => {
        try {
          await within(PROBE_TIMEOUT_MS, `no answer within ${PROBE_TIMEOUT_MS / 1000} s`, check());
        } catch (error) {
          throw new Error(`${what} does not answer (${(error as Error)?.message ?? error}): ${advice}`, { cause: error });
        }
      },
    });
    this.servers = [
      probe('mongodb', `MongoDB at ${redact(mongoUrl)} (database ${mongoDb})`, 'check that it runs (npm run infra:status) and that MONGO_URL points at it; Demarche reconnects by itself.', async () => {
        if (!connection.db) throw new Error('the connection is closed');
        await connection.db.command({ ping: 1 });
      }),
      probe('kafka', `Kafka at ${kafkaBrokers.join(',')}`, 'check that the brokers run (npm run infra:status) and that KAFKA_BROKERS names them; events wait in the log and are published once Kafka is back.', () =>
        this.withAdmin((admin) => admin.describeCluster()),
      ),
      probe('redis', `Redis at ${redact(redisUrl)}`, 'check that it runs (npm run infra:status) and that REDIS_URL points at it; timers and leases resume once it is back.', () => redis.ping()),
    ];
  }

  async relayLag(): Promise<number> {
    const [head, checkpoint] = await Promise.all([this.store.headPosition(), this.rawReadModels.checkpoint(KAFKA_RELAY_CHECKPOINT)]);
    return Math.max(0, head - checkpoint);
  }

  /**
   * The playbook follows the log from a checkpoint; the read models are fed by Kafka, so
   * theirs is what the relay has not published plus what the group has not consumed.
   */
  async projectionLags(): Promise<ReadonlyMap<string, number>> {
    const head = await this.store.headPosition();
    const kafkaFed = new Set(READ_MODEL_PROJECTIONS.map((p) => p.name));
    const [relayLag, groupLag] = await Promise.all([this.relayLag(), this.groupLag()]);
    const lags = await Promise.all(
      ALL_PROJECTIONS_SHAPE.map(async (p) => [p.name, kafkaFed.has(p.name) ? relayLag + groupLag : Math.max(0, head - (await this.readModels.checkpoint(p.name)))] as const),
    );
    return new Map(lags);
  }

  async queueDepths(): Promise<ReadonlyMap<string, Readonly<Record<string, number>>>> {
    const depths = await this.timers.depths();
    return new Map(Object.entries(depths).map(([queue, d]) => [queue, { waiting: d.waiting, delayed: d.delayed, active: d.active, failed: d.failed }]));
  }

  async deadLetters(): Promise<number> {
    const offsets = await this.withAdmin((admin) => admin.fetchTopicOffsets(`${this.config.distributed.kafkaTopic}.dlq`).catch(noTopicYet));
    return offsets.reduce((n, p) => n + Math.max(0, Number(p.high) - Number(p.low)), 0);
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.then((a) => a.disconnect()).catch(() => undefined);
  }

  /** Messages on the events topic that the projectors' group has not committed. */
  private async groupLag(): Promise<number> {
    const { kafkaTopic, kafkaGroup } = this.config.distributed;
    return this.withAdmin(async (admin) => {
      const high = await admin.fetchTopicOffsets(kafkaTopic).catch(noTopicYet);
      const [committed] = await admin.fetchOffsets({ groupId: kafkaGroup, topics: [kafkaTopic] });
      const done = new Map((committed?.partitions ?? []).map((p) => [p.partition, Math.max(0, Number(p.offset))]));
      return high.reduce((n, p) => n + Math.max(0, Number(p.high) - (done.get(p.partition) ?? Number(p.low))), 0);
    });
  }

  private async withAdmin<T>(use: (admin: Admin) => Promise<T>): Promise<T> {
    if (!this.admin) {
      // No retries of its own: a scrape or a probe should fail fast, and the next one tries again.
      this.kafka ??= createKafka(this.config.distributed.kafkaBrokers, { logger: this.logger, retry: { retries: 0 } });
      const admin = this.kafka.admin();
      this.admin = admin.connect().then(() => admin);
    }
    const pending = this.admin;
    try {
      return await within(PROBE_TIMEOUT_MS, `no answer within ${PROBE_TIMEOUT_MS / 1000} s`, pending.then(use));
    } catch (error) {
      if (this.admin === pending) this.admin = undefined;
      void pending.then((a) => a.disconnect()).catch(() => undefined);
      throw error;
    }
  }
}
