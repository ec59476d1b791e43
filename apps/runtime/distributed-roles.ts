import { Inject, Injectable, Logger, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import { EVENT_STORE, EventRegistry, type EventStore } from '../../libs/event-store/index.js';
import { RAW_READ_MODEL_STORE, ReadModelUnavailable, upgradeLayouts, type Projection, type ReadModelStore } from '../../libs/projections/index.js';
import { FollowUpWorkflow, recordTimerElapsed, TIMERS } from '../../libs/follow-ups/index.js';
import { NotificationsWorker } from '../../libs/notifications/index.js';
import { BullTimerWorker } from '../../libs/follow-ups/infrastructure/bullmq-timer-worker.js';
import type { BullTimers } from '../../libs/follow-ups/infrastructure/bullmq-timers.js';
import { readModelCheckpoint } from '../../libs/messaging/index.js';
import { ProjectorConsumer } from '../../libs/messaging/infrastructure/projector-consumer.js';
import { OutboxRelay } from '../../libs/messaging/infrastructure/outbox-relay.js';
import { connectKafka, consumerGroupLags, ensureTopics } from '../../libs/messaging/infrastructure/kafka-topics.js';
import { toLocalDate, type Clock, type RecordedEvent } from '../../libs/kernel/index.js';
import type { DemarcheConfig } from '../../libs/platform/config/config.js';
import { LeaseHolder, RedisLease } from '../../libs/platform/distributed/redis-lease.js';
import { RedisMutex } from '../../libs/platform/distributed/redis-mutex.js';
import { ProjectionWriter } from '../../libs/projections/infrastructure/projection-writer.js';
import { REDIS } from '../../libs/platform/persistence/handles.js';
import { appliedKey } from './distributed-operations.js';
import { ProjectionHost, sharedCorrelation } from './projector.module.js';
import { READ_MODEL_PROJECTIONS } from './projection-catalog.js';
import { withCorrelation } from '../../libs/platform/observability/correlation.js';
import { OutageLog } from '../../libs/platform/observability/outage-log.js';
import { serverDown } from '../../libs/platform/http/server-unavailable.js';
import { CLOCK, CONFIG } from '../../libs/platform/runtime/tokens.js';

/**
 * Connects to Kafka (failing fast, naming the brokers, when none answers) and makes sure
 * the topics exist. Several processes starting at once may race to create them; the broker
 * then needs a moment to elect the partitions' leaders, so those errors are retried.
 */
async function kafkaFor(config: DemarcheConfig, logger: Logger): Promise<Kafka> {
  const { kafkaBrokers, kafkaTopic } = config.distributed;
  const kafka = await connectKafka(kafkaBrokers);
  for (let attempt = 1; ; attempt++) {
    const admin = kafka.admin();
    try {
      await admin.connect();
      await ensureTopics(admin, { topic: kafkaTopic, deadLetterTopic: `${kafkaTopic}.dlq`, logger: messagingLogger(logger) });
      return kafka;
    } catch (error) {
      if (attempt >= 10) throw error;
      logger.warn(`Kafka topics not ready yet (${(error as Error).message}); trying again (${attempt}/10).`);
      await new Promise((r) => setTimeout(r, 300 * attempt));
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}

const messagingLogger = (logger: Logger) => ({ log: (m: string) => logger.log(m), warn: (m: string) => logger.warn(m), error: (m: string) => logger.error(m) });

/**
 * The projector role on the distributed profile: a member of the consumer group. Members
 * share the partitions; they take turns (a Redis lock per projection) to write a
 * projection's documents, each chunk into the version active when it starts.
 */
@Injectable()
export class KafkaProjectorService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Projector');
  private consumer?: ProjectorConsumer;
  private kafka?: Kafka;

  constructor(
    @Inject(CONFIG) private readonly config: DemarcheConfig,
    @Inject(RAW_READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly registry: EventRegistry,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { kafkaTopic, kafkaGroup, redisPrefix } = this.config.distributed;
    this.kafka = await kafkaFor(this.config, this.logger);
    const writer = new ProjectionWriter(this.redis, redisPrefix, this.readModels);
    // Members starting together take turns: the first rebuilds a read model an earlier
    // release laid out differently, the others then find it current. It may take a while.
    await new RedisMutex(this.redis, redisPrefix, 30_000, 6 * 3600_000).withLock('layout-upgrade', () =>
      upgradeLayouts(this.store, this.readModels, READ_MODEL_PROJECTIONS, (m) => this.logger.log(m), { upcast: (e) => this.registry.upcast(e) }),
    );
    const apply = async (projection: Projection, events: readonly RecordedEvent[]) => {
      try {
        await withCorrelation(sharedCorrelation(events), () => writer.apply(projection, events));
      } catch (error) {
        // A lock or store failure is worth retrying; an error of the projection itself is not.
        if (error instanceof ReadModelUnavailable || (error as Error).name === 'LockTimeout' || /redis/i.test((error as Error).message)) throw new ReadModelUnavailable('apply a batch', error);
        throw error;
      }
    };
    this.consumer = new ProjectorConsumer({
      kafka: this.kafka,
      readModels: this.readModels,
      projections: READ_MODEL_PROJECTIONS,
      topic: kafkaTopic,
      groupId: kafkaGroup,
      upcast: (e) => this.registry.upcast(e),
      apply,
      // A store or Redis that does not answer is an outage to wait out, never poison (docs/adr/0009).
      isTransient: (error) => serverDown(error) !== undefined,
      onApplied: (partition, position) => recordApplied(this.redis, redisPrefix, partition, position),
      consumer: { sessionTimeout: 30_000, heartbeatInterval: 1000, rebalanceTimeout: 30_000 },
      logger: messagingLogger(this.logger),
    });
    await this.consumer.start();
  }

  /** Before the stores close: the chunk in hand is applied and its offsets committed, then the member leaves the group. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }

  /** Messages on the topic that the group has not committed yet. */
  async lag(): Promise<number> {
    const { kafkaTopic, kafkaGroup } = this.config.distributed;
    const admin = this.kafka!.admin();
    await admin.connect();
    try {
      return (await consumerGroupLags(admin, kafkaTopic, kafkaGroup)).reduce((n, p) => n + p.lag, 0);
    } finally {
      await admin.disconnect();
    }
  }
}

/** Raises a partition's applied position; a member that lost the partition can never lower it. */
async function recordApplied(redis: Redis, prefix: string, partition: number, position: number): Promise<void> {
  await redis.eval(
    "local c = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0') if tonumber(ARGV[2]) > c then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end",
    1,
    appliedKey(prefix),
    String(partition),
    String(position),
  );
}

@Module({ providers: [KafkaProjectorService], exports: [KafkaProjectorService] })
export class KafkaProjectorModule {}

/**
 * The worker role on the distributed profile. Every worker processes due timers (BullMQ
 * jobs). One worker at a time, holding a lease in Redis, relays the log to Kafka and runs
 * the playbook, which must see the log in its global order.
 */
@Injectable()
export class DistributedWorkerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Worker');
  private readonly outages = new OutageLog(this.logger);
  private relay?: OutboxRelay;
  private policyHost?: ProjectionHost;
  private leases: LeaseHolder[] = [];
  private timerWorker?: BullTimerWorker;
  private promoting?: Promise<unknown>;
  private promoteTimer?: NodeJS.Timeout;

  constructor(
    @Inject(CONFIG) private readonly config: DemarcheConfig,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(RAW_READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(TIMERS) private readonly timers: BullTimers,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly registry: EventRegistry,
    private readonly workflow: FollowUpWorkflow,
    private readonly notifications: NotificationsWorker,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { kafkaTopic, redisPrefix, redisUrl } = this.config.distributed;
    const kafka = await kafkaFor(this.config, this.logger);
    this.relay = new OutboxRelay({ store: this.store, checkpoint: readModelCheckpoint(this.readModels), kafka, topic: kafkaTopic, logger: messagingLogger(this.logger) });
    // Workers starting together take turns: the first rebuilds the workflow's memory if an
    // earlier release laid it out differently, the others then find it current.
    await new RedisMutex(this.redis, redisPrefix, 30_000, 6 * 3600_000).withLock('workflow-upgrade', () =>
      upgradeLayouts(this.store, this.readModels, [this.workflow], (m) => this.logger.log(m), { upcast: (e) => this.registry.upcast(e) }),
    );
    this.policyHost = new ProjectionHost(this.store, this.readModels, this.registry, [this.workflow, ...this.notifications.projections], this.logger);
    const relay = this.relay;
    const host = this.policyHost;
    this.leases = [
      new LeaseHolder(new RedisLease(this.redis, `${redisPrefix}:lease:relay`), { start: () => relay.start(), stop: () => relay.stop() }, this.logger),
      new LeaseHolder(new RedisLease(this.redis, `${redisPrefix}:lease:playbook`), { start: () => (host.start(), this.notifications.start()), stop: async () => (await this.notifications.stop(), await host.stop()) }, this.logger),
    ];
    this.leases.forEach((l) => l.start());
    this.timerWorker = new BullTimerWorker({
      redis: redisUrl,
      clock: this.clock,
      prefix: redisPrefix,
      handler: async (timer) => {
        await recordTimerElapsed(this.store, this.registry, timer);
        this.outages.recovered(`timers:${timer.payload.queue}`, (seconds) => `The follow-up timer worker for queue ${timer.payload.queue} is working again after ${seconds} s.`);
      },
      // A job's own failure is worth a line each time; Redis going away is said once until a job runs again.
      onError: (problem) => (problem.timerId ? this.logger.warn(problem.message) : this.outages.failed(`timers:${problem.queue}`, problem.message, 'warn')),
    });
    await this.timerWorker.start();
    const promote = () => {
      this.promoting = this.promoteDue().then(
        () => this.outages.recovered('promote', (seconds) => `Promoting due timers works again after ${seconds} s.`),
        (error) => this.outages.failed('promote', `Could not promote due timers: ${(error as Error).message}. They stay due; the worker tries again every 30 s.`, 'warn'),
      );
      this.promoteTimer = setTimeout(() => void this.promoting!.then(promote), 30_000);
    };
    promote();
  }

  /** Due timers by our clock fire now, whatever delay BullMQ counted in real time. */
  async promoteDue(): Promise<number> {
    return this.timers.promoteDue(toLocalDate(this.clock.now()));
  }

  /** Before the stores close: the relay and the playbook finish their batch and store their checkpoints, timer jobs in hand complete. */
  async beforeApplicationShutdown(): Promise<void> {
    clearTimeout(this.promoteTimer);
    await this.promoting;
    await this.timerWorker?.stop();
    await Promise.all(this.leases.map((l) => l.stop()));
  }

  /** True while this process holds both leases (relay and playbook). */
  get leads(): boolean {
    return this.leases.length > 0 && this.leases.every((l) => l.isLeader);
  }

  async caughtUp(): Promise<void> {
    if (!this.leads) return;
    await this.policyHost!.caughtUp();
    await this.relay!.caughtUp();
  }

  async pendingTimers(): Promise<number> {
    const depths = await this.timers.depths();
    return Object.values(depths).reduce((n, d) => n + d.waiting + d.active, 0);
  }
}

@Module({ providers: [DistributedWorkerService], exports: [DistributedWorkerService] })
export class DistributedWorkerModule {}
