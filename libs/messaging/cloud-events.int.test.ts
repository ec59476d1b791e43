import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { freePort } from '../../tests/support/free-port.js';
import kafkajs, { type Admin, type Kafka, type KafkaMessage } from 'kafkajs';
import type { RecordedEvent } from '../kernel/index.js';
import { CE_HEADERS, fromKafkaMessage, PoisonMessage, toKafkaMessage } from './infrastructure/cloud-events.js';
import { connectKafka, createKafka, ensureTopics, KafkaUnavailable, partitionsFromEnv, type MessagingLogger } from './infrastructure/kafka-topics.js';

const run = promisify(execFile);
const BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const RUN = `${Date.now().toString(36)}-${process.pid}`;
const quiet: MessagingLogger = { log: () => {}, warn: () => {}, error: () => {} };

const letter: RecordedEvent = {
  id: 'evt-0001',
  type: 'LetterDelivered',
  schemaVersion: 2,
  streamId: 'outreach-att-2026 FRA/ü',
  streamVersion: 7,
  position: 4242,
  occurredAt: '2026-03-14',
  recordedAt: '2026-03-15T09:26:53.589Z',
  actor: 'user:ada',
  correlationId: 'corr-1',
  causationId: 'cmd-9',
  data: { letterId: 'L-1', to: 'Ministère des affaires étrangères', copies: 2, tags: ['a', 'b'], nested: { ok: true } },
};

describe('CloudEvents mapping (pure)', () => {
  it('maps an event to binary-mode headers, key = stream id, value = data only', () => {
    const m = toKafkaMessage(letter);
    expect(m.key).toBe(letter.streamId);
    expect(JSON.parse(m.value)).toEqual(letter.data);
    expect(m.headers).toEqual({
      ce_specversion: '1.0',
      ce_id: 'evt-0001',
      ce_type: 'demarche.LetterDelivered.v2',
      ce_source: '/demarche/streams/outreach-att-2026%20FRA%2F%C3%BC',
      ce_subject: letter.streamId,
      ce_time: letter.recordedAt,
      'content-type': 'application/json',
      ce_demarcheposition: '4242',
      ce_demarcheversion: '7',
      ce_demarcheoccurredat: '2026-03-14',
      ce_demarcheactor: 'user:ada',
      ce_demarchecorrelationid: 'corr-1',
      ce_demarchecausationid: 'cmd-9',
      ce_demarcheschemaversion: '2',
    });
    expect(fromKafkaMessage(m)).toEqual(letter);
  });

  const base = () => toKafkaMessage(letter);
  const cases: [string, (m: ReturnType<typeof base>) => void, RegExp][] = [
    ['missing spec version', (m) => delete (m.headers as Record<string, string>).ce_specversion, /ce_specversion is missing/],
    ['other spec version', (m) => (m.headers.ce_specversion = '0.3'), /only CloudEvents 1.0/],
    ['type without version', (m) => (m.headers.ce_type = 'demarche.LetterDelivered'), /not demarche\.<EventType>\.v<schemaVersion>/],
    ['schema versions disagree', (m) => (m.headers.ce_demarcheschemaversion = '1'), /says v2/],
    ['key is not the subject', (m) => (m.key = 'another-stream'), /is not the stream id/],
    ['bad time', (m) => (m.headers.ce_time = 'yesterday'), /not an RFC 3339/],
    ['bad position', (m) => (m.headers.ce_demarcheposition = '-3'), /not a positive integer/],
    ['not JSON', (m) => (m.value = '{oops'), /not valid JSON/],
    ['other content type', (m) => (m.headers['content-type'] = 'application/avro'), /only application\/json/],
    ['empty id', (m) => (m.headers.ce_id = ''), /ce_id is empty/],
  ];
  it.each(cases)('refuses a record with %s as a PoisonMessage with a reason', (_name, spoil, reason) => {
    const m = base();
    spoil(m);
    let error: unknown;
    try {
      fromKafkaMessage(m, { topic: 't', partition: 2, offset: '17' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PoisonMessage);
    expect((error as PoisonMessage).reason).toMatch(reason);
    expect((error as PoisonMessage).message).toMatch(/^Poison message at t\[2\]@17: /);
  });

  it('refuses duplicated attribute headers and tombstones', () => {
    const m = { ...base(), headers: { ...base().headers, ce_id: ['a', 'b'] } };
    expect(() => fromKafkaMessage(m)).toThrow(/ce_id appears 2 times/);
    expect(() => fromKafkaMessage({ ...base(), value: null })).toThrow(/no value/);
  });

  it('reads the partition count from DEMARCHE_KAFKA_PARTITIONS, refusing fewer than 3', () => {
    expect(partitionsFromEnv({})).toBe(6);
    expect(partitionsFromEnv({ DEMARCHE_KAFKA_PARTITIONS: '12' })).toBe(12);
    expect(() => partitionsFromEnv({ DEMARCHE_KAFKA_PARTITIONS: '2' })).toThrow(/at least 3/);
  });
});

describe('CloudEvents on the real broker', () => {
  let kafka: Kafka;
  let admin: Admin;
  const topic = `test.ce.${RUN}`;

  beforeAll(async () => {
    kafka = await connectKafka(BROKERS, { logger: quiet });
    admin = kafka.admin();
    await admin.connect();
  });
  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic, `${topic}.dlq`] }).catch(() => undefined);
    await admin.deleteGroups([`test-ce-${RUN}`]).catch(() => undefined);
    await admin.disconnect();
  });

  it('creates both topics once, even when several processes race to create them', async () => {
    const results = await Promise.all([1, 2, 3].map(() => ensureTopics(admin, { topic, partitions: 3, replicationFactor: 1, logger: quiet })));
    for (const states of results) expect(states.map((s) => [s.topic, s.partitions])).toEqual([[topic, 3], [`${topic}.dlq`, 3]]);
    expect(results.flat().filter((s) => s.created).length).toBeLessThanOrEqual(2);
    const again = await ensureTopics(admin, { topic, partitions: 3, replicationFactor: 1, logger: quiet });
    expect(again.every((s) => !s.created)).toBe(true);
  });

  it('round-trips through Kafka, and an independent client (kcat) sees the CloudEvents headers', async () => {
    const second: RecordedEvent = { ...letter, id: 'evt-0002', streamVersion: 8, position: 4243, data: { n: 2 } };
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [toKafkaMessage(letter), toKafkaMessage(second)] });
    await producer.disconnect();

    // kafkajs reads it back (fresh group) and decodes it to the very same events.
    const consumer = kafka.consumer({ groupId: `test-ce-${RUN}`, sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const got: RecordedEvent[] = [];
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ message }: { message: KafkaMessage }) => {
            got.push(fromKafkaMessage(message));
            if (got.length === 2) resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    expect(got).toEqual([letter, second]);

    // kcat (librdkafka): the same key and headers, without any of our code.
    const { stdout } = await run('kcat', ['-b', BROKERS, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%k %h\n'], { timeout: 20_000 });
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    const [key, headerCsv] = [lines[0]!.slice(0, letter.streamId.length), lines[0]!.slice(letter.streamId.length + 1)];
    expect(key).toBe(letter.streamId);
    for (const [name, value] of Object.entries(toKafkaMessage(letter).headers)) {
      expect(headerCsv.split(',')).toContain(`${name}=${value}`);
    }
    expect(headerCsv).toContain(`${CE_HEADERS.type}=demarche.LetterDelivered.v2`);
    const { stdout: json } = await run('kcat', ['-b', BROKERS, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-J'], { timeout: 20_000 });
    const payloads = json.trim().split('\n').map((l) => JSON.parse(JSON.parse(l).payload as string));
    expect(payloads).toEqual([letter.data, { n: 2 }]);
  }, 30_000);

  it('fails fast, naming the brokers and what to do, when Kafka does not answer', async () => {
    const started = Date.now();
    const closedPort = `127.0.0.1:${await freePort()}`;
    await expect(connectKafka(closedPort, { logger: quiet })).rejects.toThrow(KafkaUnavailable);
    await expect(connectKafka(closedPort, { logger: quiet })).rejects.toThrow(
      new RegExp(`Kafka at ${closedPort} did not answer .*start it \\(npm run infra:up\\) or set KAFKA_BROKERS`),
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    // createKafka alone never connects: long-running roles ride out outages instead.
    expect(createKafka(closedPort, { logger: quiet })).toBeDefined();
  }, 15_000);
});
