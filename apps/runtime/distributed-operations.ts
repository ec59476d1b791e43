import type { Admin, Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import type { EventStore } from '../../libs/event-store/index.js';
import type { ReadModelStore } from '../../libs/projections/index.js';
import type { BullTimers } from '../../libs/follow-ups/infrastructure/bullmq-timers.js';
import { KAFKA_RELAY_CHECKPOINT } from '../../libs/messaging/index.js';
import { consumerGroupLags, createKafka, noTopicYet, type MessagingLogger } from '../../libs/messaging/infrastructure/kafka-topics.js';
import type { DemarcheConfig } from '../../libs/platform/config/config.js';
import { redactUrl } from '../../libs/platform/observability/redact-url.js';
import { within, type Operations, type ReadProgress, type ServerProbe } from '../../libs/platform/observability/operations.js';
import { ALL_PROJECTIONS_SHAPE, READ_MODEL_PROJECTIONS, WORKFLOW_PROJECTION } from './projection-catalog.js';

/** The Redis hash of the highest position each partition's read models have applied. */
export const appliedKey = (prefix: string) => `${prefix}:projector:applied`;

const PROBE_TIMEOUT_MS = 3000;

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
    private readonly redis: Redis,
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
      probe('mongodb', `MongoDB at ${redactUrl(mongoUrl)} (database ${mongoDb})`, 'check that it runs (npm run infra:status) and that MONGO_URL points at it; Demarche reconnects by itself.', async () => {
        if (!connection.db) throw new Error('the connection is closed');
        await connection.db.command({ ping: 1 });
      }),
      probe('kafka', `Kafka at ${kafkaBrokers.join(',')}`, 'check that the brokers run (npm run infra:status) and that KAFKA_BROKERS names them; events wait in the log and are published once Kafka is back.', () =>
        this.withAdmin((admin) => admin.describeCluster()),
      ),
      probe('redis', `Redis at ${redactUrl(redisUrl)}`, 'check that it runs (npm run infra:status) and that REDIS_URL points at it; timers and leases resume once it is back.', () => redis.ping()),
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

  /**
   * The read models are fed by partitions: every event up to a position is applied once the
   * relay published it and each partition that still has records to consume has applied past
   * it (a partition's records come in position order). A partition with nothing left to
   * consume holds nobody back.
   */
  async readProgress(): Promise<ReadProgress> {
    const head = await this.store.headPosition();
    const [workflow, relayed, applied, pending] = await Promise.all([
      this.readModels.checkpoint(WORKFLOW_PROJECTION),
      this.rawReadModels.checkpoint(KAFKA_RELAY_CHECKPOINT),
      this.redis.hgetall(appliedKey(this.config.distributed.redisPrefix)),
      this.withAdmin((admin) => this.partitionsBehind(admin)),
    ]);
    return { head, workflow, readModels: pending.reduce((least, p) => Math.min(least, Number(applied[String(p)] ?? 0)), relayed) };
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
    return this.withAdmin(async (admin) => (await this.partitionLags(admin)).reduce((n, p) => n + p.lag, 0));
  }

  private async partitionsBehind(admin: Admin): Promise<number[]> {
    return (await this.partitionLags(admin)).filter((p) => p.lag > 0).map((p) => p.partition);
  }

  /** Per partition of the events topic, the records the projectors' group has not committed. */
  private partitionLags(admin: Admin): Promise<{ partition: number; lag: number }[]> {
    return consumerGroupLags(admin, this.config.distributed.kafkaTopic, this.config.distributed.kafkaGroup);
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
