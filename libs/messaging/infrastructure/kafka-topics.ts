import kafkajs, { type Admin, type Kafka, type KafkaConfig, type logCreator } from 'kafkajs';

// kafkajs is CommonJS and spreads its error classes into module.exports, which Node's ESM
// loader cannot see as named exports: take everything from the default export.
const { Kafka: KafkaClient, logLevel } = kafkajs;

/** The topic the outbox relay publishes every event to (CloudEvents, key = stream id). */
export const EVENTS_TOPIC = 'demarche.events';
/** Where consumers set aside records they can never process, with the reason in headers. */
export const DEAD_LETTER_TOPIC = `${EVENTS_TOPIC}.dlq`;
export const DEFAULT_BROKERS = '127.0.0.1:9092';
export const DEFAULT_PARTITIONS = 6;
/** Fewer partitions would leave a consumer group nothing to share. */
export const MIN_PARTITIONS = 3;

/** What our messaging classes log through (Nest's `Logger` fits). */
export interface MessagingLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const consoleLogger = (context: string): MessagingLogger => ({
  log: (m) => console.log(`[${context}] ${m}`),
  warn: (m) => console.warn(`[${context}] ${m}`),
  error: (m) => console.error(`[${context}] ${m}`),
});

/** `KAFKA_BROKERS` (comma separated), or the local broker of `npm run infra:up`. */
export function brokersFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.KAFKA_BROKERS ?? DEFAULT_BROKERS)
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
}

/** `DEMARCHE_KAFKA_PARTITIONS` (default 6); refuses anything below 3 rather than silently changing it. */
export function partitionsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.DEMARCHE_KAFKA_PARTITIONS?.trim();
  if (!raw) return DEFAULT_PARTITIONS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < MIN_PARTITIONS) {
    throw new Error(`DEMARCHE_KAFKA_PARTITIONS is "${raw}"; it must be a whole number of at least ${MIN_PARTITIONS} (default ${DEFAULT_PARTITIONS}).`);
  }
  return n;
}

/** Kafka could not be reached: the message says which brokers and what to do. */
export class KafkaUnavailable extends Error {
  constructor(
    readonly brokers: readonly string[],
    cause: unknown,
  ) {
    super(
      `Kafka at ${brokers.join(',')} did not answer (${(cause as Error)?.message ?? cause}): ` +
        'start it (npm run infra:up) or set KAFKA_BROKERS to brokers that run.',
      { cause },
    );
    this.name = 'KafkaUnavailable';
  }
}

// Connection-level errors that the relay and the consumer already report in human terms
// (once per outage); kafkajs would otherwise log each retry of each connection.
const NOISY_NAMESPACES = new Set(['Connection', 'BrokerPool', 'Cluster', 'RequestQueue']);

function kafkaLogCreator(logger: MessagingLogger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      if (level === logLevel.ERROR && NOISY_NAMESPACES.has(namespace)) return;
      // The relay bounds kafkajs' retries (so it can log and stop) and retries the very same
      // batch itself, forever; kafkajs' warning about bounded retries does not apply.
      if (namespace === 'Producer' && log.message.startsWith('Limiting retries for the idempotent producer')) return;
      const text = `kafkajs ${namespace}: ${log.message}${log.error ? ` (${String(log.error)})` : ''}`;
      if (level === logLevel.ERROR) logger.error(text);
      else if (level === logLevel.WARN) logger.warn(text);
      else logger.log(text);
    };
}

export interface CreateKafkaOptions extends Partial<Omit<KafkaConfig, 'brokers'>> {
  readonly logger?: MessagingLogger;
}

/**
 * A kafkajs client with short connection (3 s) and request (10 s) timeouts and a few quick
 * retries (about 2 s in all), no connection attempt yet. Long-running roles (relay, consumer)
 * use this and ride out outages with their own backoff; start-up paths that should fail fast
 * use {@link connectKafka}.
 *
 * kafkajs surprise: `kafka.admin({ retry })` / `producer({ retry })` do NOT govern connecting
 * to the cluster (nor metadata refreshes); only the client-level `retry` here does.
 */
export function createKafka(brokers: string | readonly string[] = brokersFromEnv(), options: CreateKafkaOptions = {}): Kafka {
  const { logger = consoleLogger('Kafka'), ...config } = options;
  return new KafkaClient({
    clientId: 'demarche',
    connectionTimeout: 3000,
    requestTimeout: 10_000,
    retry: { retries: 3, initialRetryTime: 250, maxRetryTime: 5000 },
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(logger),
    ...config,
    brokers: brokerList(brokers),
  });
}

/**
 * A client whose brokers answered: probes them with a throwaway client that retries once
 * (a few seconds at most, never a hang) and throws {@link KafkaUnavailable} naming the
 * brokers otherwise. The client returned has the ordinary retries of {@link createKafka}.
 */
export async function connectKafka(brokers: string | readonly string[] = brokersFromEnv(), options: CreateKafkaOptions = {}): Promise<Kafka> {
  const list = brokerList(brokers);
  const probe = createKafka(list, { ...options, retry: { retries: 1, initialRetryTime: 200, maxRetryTime: 1000 } }).admin();
  try {
    await probe.connect();
    await probe.describeCluster();
  } catch (error) {
    throw new KafkaUnavailable(list, error);
  } finally {
    await probe.disconnect().catch(() => undefined);
  }
  return createKafka(list, options);
}

function brokerList(brokers: string | readonly string[]): string[] {
  return typeof brokers === 'string' ? brokers.split(',').map((b) => b.trim()).filter(Boolean) : [...brokers];
}

export interface EnsureTopicsOptions {
  readonly topic?: string;
  readonly deadLetterTopic?: string;
  /** Default: `DEMARCHE_KAFKA_PARTITIONS`, else 6. */
  readonly partitions?: number;
  /** Default: `DEMARCHE_KAFKA_REPLICATION_FACTOR`, else min(3, brokers in the cluster). */
  readonly replicationFactor?: number;
  readonly logger?: MessagingLogger;
}

export interface TopicState {
  readonly topic: string;
  readonly partitions: number;
  readonly created: boolean;
}

/**
 * Creates the events topic and its dead-letter topic when missing. Safe to run from every
 * process at start-up: a topic another process created meanwhile counts as existing. An
 * existing topic is never altered; with fewer partitions than asked it is only reported,
 * since adding partitions moves keys and would break per-stream order.
 */
export async function ensureTopics(admin: Admin, options: EnsureTopicsOptions = {}): Promise<TopicState[]> {
  const topic = options.topic ?? EVENTS_TOPIC;
  const deadLetterTopic = options.deadLetterTopic ?? `${topic}.dlq`;
  const partitions = options.partitions ?? partitionsFromEnv();
  if (!Number.isInteger(partitions) || partitions < MIN_PARTITIONS) throw new Error(`${topic} needs at least ${MIN_PARTITIONS} partitions, not ${partitions}.`);
  const envFactor = Number(process.env.DEMARCHE_KAFKA_REPLICATION_FACTOR);
  const replicationFactor =
    options.replicationFactor ?? (Number.isInteger(envFactor) && envFactor > 0 ? envFactor : Math.min(3, (await admin.describeCluster()).brokers.length));
  const logger = options.logger ?? consoleLogger('Kafka');

  const wanted = [
    { topic, numPartitions: partitions, replicationFactor },
    // Dead letters wait for a human: keep them until someone deals with them.
    { topic: deadLetterTopic, numPartitions: partitions, replicationFactor, configEntries: [{ name: 'retention.ms', value: '-1' }] },
  ];
  const states: TopicState[] = [];
  for (const spec of wanted) {
    let created = false;
    if (!(await topicPartitions(admin, spec.topic))) {
      // false (not an error) when someone else created it between our look and our create.
      created = await admin.createTopics({ topics: [spec], waitForLeaders: true });
    }
    const actual = await waitForTopic(admin, spec.topic);
    if (actual < spec.numPartitions) {
      logger.warn(`Topic ${spec.topic} has ${actual} partitions, fewer than the ${spec.numPartitions} asked; it is left as it is (adding partitions would move streams between partitions).`);
    }
    states.push({ topic: spec.topic, partitions: actual, created });
  }
  return states;
}

async function topicPartitions(admin: Admin, topic: string): Promise<number | undefined> {
  const topics = await admin.listTopics();
  if (!topics.includes(topic)) return undefined;
  const { topics: meta } = await admin.fetchTopicMetadata({ topics: [topic] });
  return meta[0]?.partitions.length;
}

/** Partitions of a topic once every one has a leader (a topic created by a racing process may not yet). */
async function waitForTopic(admin: Admin, topic: string, timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      const parts = topics[0]?.partitions ?? [];
      if (parts.length && parts.every((p) => p.leader >= 0)) return parts.length;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`Topic ${topic} exists but its partitions have no leader after ${timeoutMs / 1000} s.`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Before the first worker or projector created the topics, nothing is on them. */
export function noTopicYet(error: unknown): [] {
  if ((error as { type?: string })?.type === 'UNKNOWN_TOPIC_OR_PARTITION') return [];
  throw error;
}

/**
 * Per partition of a topic, the records a consumer group has not committed yet. A partition
 * the group never committed counts from its low offset: records retention removed are no lag.
 */
export async function consumerGroupLags(admin: Admin, topic: string, groupId: string): Promise<{ partition: number; lag: number }[]> {
  const high = await admin.fetchTopicOffsets(topic).catch(noTopicYet);
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const done = new Map((committed?.partitions ?? []).map((p) => [p.partition, Math.max(0, Number(p.offset))]));
  return high.map((p) => ({ partition: p.partition, lag: Math.max(0, Number(p.high) - (done.get(p.partition) ?? Number(p.low))) }));
}
