import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import { freePort } from '../../tests/support/free-port.js';
import { TcpProxy } from '../../tests/support/tcp-proxy.js';
import { eventually } from '../../tests/support/eventually.js';
import type { Admin, Kafka, Producer, ProducerRecord } from 'kafkajs';
import { InMemoryEventStore, type EventStore } from '../event-store/index.js';
import { InMemoryReadModelStore } from '../projections/index.js';
import { KAFKA_RELAY_CHECKPOINT, readModelCheckpoint } from './index.js';
import { fromKafkaMessage, toKafkaMessage } from './infrastructure/cloud-events.js';
import { connectKafka, createKafka, ensureTopics, type MessagingLogger } from './infrastructure/kafka-topics.js';
import { OutboxRelay } from './infrastructure/outbox-relay.js';

const run = promisify(execFile);
const BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const [BROKER_HOST, BROKER_PORT] = [BROKERS.split(',')[0]!.split(':')[0]!, Number(BROKERS.split(',')[0]!.split(':')[1] ?? 9092)];
const RUN = `${Date.now().toString(36)}-${process.pid}`;
const quiet: MessagingLogger = { log: () => {}, warn: () => {}, error: () => {} };

/** Appends `perStream` events to each stream, interleaved across streams. */
async function appendInterleaved(store: EventStore, streams: readonly string[], perStream: number, tag: string): Promise<void> {
  for (let i = 0; i < perStream; i++) {
    for (const s of streams) {
      await store.append(s, 'any', [
        {
          id: `${tag}-${s}-${i}`,
          type: 'Counted',
          schemaVersion: 1,
          occurredAt: '2026-01-01',
          data: { i },
          metadata: { actor: 'test', correlationId: tag, causationId: tag },
        },
      ]);
    }
  }
}

interface Published {
  key: string;
  partition: number;
  offset: number;
  id: string;
  streamVersion: number;
  position: number;
}

/** Everything on the topic, read by kcat (an independent client), in offset order per partition. */
async function readTopic(topic: string): Promise<Published[]> {
  const { stdout } = await run('kcat', ['-b', BROKERS, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-J'], { timeout: 20_000, maxBuffer: 64 * 1024 * 1024 });
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const r = JSON.parse(line) as { key: string; partition: number; offset: number; payload: string; headers: string[] };
      const headers: Record<string, string> = {};
      for (let i = 0; i < r.headers.length; i += 2) headers[r.headers[i]!] = r.headers[i + 1]!;
      const e = fromKafkaMessage({ key: r.key, value: r.payload, headers });
      return { key: r.key, partition: r.partition, offset: r.offset, id: e.id, streamVersion: e.streamVersion, position: e.position };
    })
    .sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

/** Per key, the stream versions in the order Kafka holds them. */
function versionsByKey(records: readonly Published[]): Map<string, number[]> {
  const byKey = new Map<string, number[]>();
  for (const r of records) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r.streamVersion]);
  return byKey;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** A client of the real broker whose producers tell `seen` about every `send` before making it. */
function kafkaSeeingSends(seen: (record: ProducerRecord) => void): Kafka {
  const real = createKafka(BROKERS, { logger: quiet });
  return {
    producer: (options: Parameters<Kafka['producer']>[0]): Producer => {
      const producer = real.producer(options);
      const send = producer.send.bind(producer);
      producer.send = (record) => {
        seen(record);
        return send(record);
      };
      return producer;
    },
  } as unknown as Kafka;
}

async function untilCaughtUp(relay: OutboxRelay): Promise<void> {
  relay.start();
  try {
    await relay.caughtUp();
  } finally {
    await relay.stop();
  }
}

describe('OutboxRelay against the real broker', () => {
  let admin: Admin;
  const topics: string[] = [];

  beforeAll(async () => {
    admin = (await connectKafka(BROKERS, { logger: quiet })).admin();
    await admin.connect();
  });
  afterAll(async () => {
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  });

  async function freshTopic(name: string): Promise<string> {
    const topic = `test.relay.${name}.${RUN}`;
    await ensureTopics(admin, { topic, partitions: 3, replicationFactor: 1, logger: quiet });
    topics.push(topic, `${topic}.dlq`);
    return topic;
  }

  it('publishes every event in order per stream, and resumes from its checkpoint without publishing anything twice', async () => {
    const topic = await freshTopic('order');
    const store = new InMemoryEventStore();
    const readModels = new InMemoryReadModelStore();
    const streams = ['mission-1', 'mission-2', 'country-FRA', 'country-KEN', 'campaign-x'];
    await appendInterleaved(store, streams, 8, 'first');

    const kafka = createKafka(BROKERS, { logger: quiet });
    const first = new OutboxRelay({ store, checkpoint: readModelCheckpoint(readModels), kafka, topic, batchSize: 7, logger: quiet });
    expect(await first.lag()).toBe(40);
    first.start();
    await first.caughtUp();
    await first.stop();
    expect(await readModels.checkpoint(KAFKA_RELAY_CHECKPOINT)).toBe(40);
    expect(await first.lag()).toBe(0);

    let records = await readTopic(topic);
    expect(records).toHaveLength(40);
    for (const s of streams) expect(versionsByKey(records).get(s)).toEqual(range(8));

    // Appended while no relay runs; a new relay picks up where the checkpoint says.
    await appendInterleaved(store, streams, 4, 'second');
    const second = new OutboxRelay({ store, checkpoint: readModelCheckpoint(readModels), kafka, topic, batchSize: 7, logger: quiet });
    expect(await second.lag()).toBe(20);
    second.start();
    await second.caughtUp();
    // Appends while running are woken up by the store, not only by polling.
    await appendInterleaved(store, streams, 1, 'third');
    await second.caughtUp();
    await second.stop();
    expect(await readModels.checkpoint(KAFKA_RELAY_CHECKPOINT)).toBe(65);

    // A stop right after a start lets the batch in flight finish and checkpoints it:
    // what is on the topic is exactly what the checkpoint says.
    await appendInterleaved(store, streams, 2, 'fourth');
    const third = new OutboxRelay({ store, checkpoint: readModelCheckpoint(readModels), kafka, topic, batchSize: 3, logger: quiet });
    third.start();
    await third.stop();
    const stoppedAt = await readModels.checkpoint(KAFKA_RELAY_CHECKPOINT);
    expect((await readTopic(topic)).length).toBe(stoppedAt);
    const fourth = new OutboxRelay({ store, checkpoint: readModelCheckpoint(readModels), kafka, topic, batchSize: 3, logger: quiet });
    fourth.start();
    await fourth.caughtUp();
    await fourth.stop();
    expect(await readModels.checkpoint(KAFKA_RELAY_CHECKPOINT)).toBe(75);

    records = await readTopic(topic);
    // Clean stops acknowledge before checkpointing: nothing was published twice.
    expect(records).toHaveLength(75);
    expect(new Set(records.map((r) => r.id)).size).toBe(75);
    for (const s of streams) expect(versionsByKey(records).get(s)).toEqual(range(15));
    // Same key, same partition; positions grow along each partition.
    for (const s of streams) expect(new Set(records.filter((r) => r.key === s).map((r) => r.partition)).size).toBe(1);
    for (const p of [0, 1, 2]) {
      const positions = records.filter((r) => r.partition === p).map((r) => r.position);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
    }
  }, 30_000);

  it('reads a backlog through one readAllPages iteration, cuts its pages to fit a request, and after a failure reads again from its checkpoint', async () => {
    const topic = await freshTopic('pages');
    const store = new InMemoryEventStore();
    const readModels = new InMemoryReadModelStore();
    await appendInterleaved(store, ['p-a', 'p-b', 'p-c'], 10, 'backlog');
    const events = await store.readAll(0, 100);
    const bytes = (e: (typeof events)[number]) => {
      const m = toKafkaMessage(e);
      return Buffer.byteLength(m.key) + Buffer.byteLength(m.value) + Object.entries(m.headers).reduce((n, [k, v]) => n + k.length + Buffer.byteLength(v), 0);
    };
    const maxBatchBytes = Math.floor(4.5 * Math.max(...events.map(bytes)));

    // Where each readAllPages iteration starts, and what each Kafka request carries.
    const iterations: number[] = [];
    const counted: EventStore = Object.assign(Object.create(store) as EventStore, {
      readAllPages: (after: number, pageSize: number) => {
        iterations.push(after);
        return store.readAllPages(after, pageSize);
      },
    });
    const requests: number[][] = [];
    const kafka = kafkaSeeingSends((record) => requests.push(record.messages.map((m) => Number(m.headers!['ce_demarcheposition']))));
    // The second checkpoint write fails once, after Kafka acknowledged its batch.
    const checkpoint = readModelCheckpoint(readModels);
    let saves = 0;
    const flaky = { load: checkpoint.load, save: async (position: number) => (++saves === 2 ? Promise.reject(new Error('checkpoint store down')) : checkpoint.save(position)) };
    // The checkpoint after every request, so that the second one fails in the middle of the backlog.
    await untilCaughtUp(new OutboxRelay({ store: counted, checkpoint: flaky, kafka, topic, batchSize: 10, maxBatchBytes, checkpointEveryMs: 0, retry: { initialMs: 50, maxMs: 100 }, logger: quiet }));
    expect(await readModels.checkpoint(KAFKA_RELAY_CHECKPOINT)).toBe(30);
    // The failed checkpoint's batch was not sent again: its retry only stores the checkpoint.
    expect(requests.flat()).toEqual(range(30));
    expect(Math.max(...requests.map((r) => r.length))).toBe(4);
    // One iteration for the backlog until the failure; then a fresh one from the stored checkpoint.
    const stored = requests[0]!.length + requests[1]!.length;
    expect(iterations.filter((p) => p < 30)).toEqual([0, stored]);
    const records = await readTopic(topic);
    expect(records.map((r) => r.id).sort()).toEqual(events.map((e) => e.id).sort());
  }, 30_000);

  it('stores its checkpoint at most every checkpointEveryMs, when nothing more comes once that time has passed, and at once for caughtUp', async () => {
    const topic = await freshTopic('saves');
    const store = new InMemoryEventStore();
    const readModels = new InMemoryReadModelStore();
    await appendInterleaved(store, ['s-a', 's-b', 's-c'], 20, 'saves');
    const checkpoint = readModelCheckpoint(readModels);
    const saves: number[] = [];
    const counting = { load: checkpoint.load, save: async (position: number) => { saves.push(position); await checkpoint.save(position); } };
    const relay = new OutboxRelay({ store, checkpoint: counting, kafka: createKafka(BROKERS, { logger: quiet }), topic, batchSize: 5, checkpointEveryMs: 3_000, logger: quiet });
    relay.start();
    try {
      // Twelve requests, two checkpoints: the first request's, then none for 3 s, then the
      // last one once that time has passed.
      await eventually(async () => (relay.checkpoint === 60 ? true : undefined), 'the backlog published', 10_000);
      expect(saves).toEqual([5]);
      await eventually(async () => (saves.length === 2 ? true : undefined), 'the last checkpoint stored once the time has passed', 10_000);
      expect(saves).toEqual([5, 60]);
      const storedAt = Date.now();
      // Someone waits for it: what the relay then publishes is stored at once.
      await appendInterleaved(store, ['s-d'], 3, 'more');
      await relay.caughtUp();
      expect(saves).toEqual([5, 60, 63]);
      expect(Date.now() - storedAt).toBeLessThan(3_000);
      expect(await readModels.checkpoint(KAFKA_RELAY_CHECKPOINT)).toBe(63);
      // Nobody waits: two more are published, and their checkpoint waits for the time to pass.
      await appendInterleaved(store, ['s-e'], 2, 'last');
      await eventually(async () => (relay.checkpoint === 65 ? true : undefined), 'the last two published', 5_000);
      expect(saves).toEqual([5, 60, 63]);
    } finally {
      // Stopping stores what was published since.
      await relay.stop();
    }
    expect(saves).toEqual([5, 60, 63, 65]);
    expect((await readTopic(topic)).length).toBe(65);
  }, 40_000);

  it('reads the next page of a backlog while the one before goes to Kafka', async () => {
    const topic = await freshTopic('ahead');
    const store = new InMemoryEventStore();
    const readModels = new InMemoryReadModelStore();
    await appendInterleaved(store, ['a-a', 'a-b'], 10, 'ahead');
    // Reads take 50 ms here, one after the other as a cursor's do; a send that starts while
    // one is under way overlaps it.
    let reading = 0;
    let overlapping = 0;
    const watched: EventStore = Object.assign(Object.create(store) as EventStore, {
      readAllPages: (after: number, pageSize: number) => {
        const pages = store.readAllPages(after, pageSize)[Symbol.asyncIterator]();
        let previous: Promise<unknown> = Promise.resolve();
        const read = async () => {
          await previous.catch(() => undefined);
          reading++;
          try {
            await sleep(50);
            return await pages.next();
          } finally {
            reading--;
          }
        };
        return {
          [Symbol.asyncIterator]: () => ({
            next: () => {
              const page = read();
              previous = page;
              return page;
            },
            return: (value?: unknown) => pages.return?.(value) ?? Promise.resolve({ done: true as const, value: undefined }),
          }),
        };
      },
    });
    const kafka = kafkaSeeingSends(() => void (reading && overlapping++));
    await untilCaughtUp(new OutboxRelay({ store: watched, checkpoint: readModelCheckpoint(readModels), kafka, topic, batchSize: 5, retry: { initialMs: 50, maxMs: 100 }, logger: quiet }));
    expect(await readModels.checkpoint(KAFKA_RELAY_CHECKPOINT)).toBe(20);
    // Four pages of five: while each of them was sent, the next read was under way.
    expect(overlapping).toBe(4);
    expect((await readTopic(topic)).map((r) => r.id).sort()).toEqual((await store.readAll(0, 100)).map((e) => e.id).sort());
  }, 30_000);

  it('keeps its checkpoint while Kafka is unreachable, says so once per outage, and publishes everything when it is back', async () => {
    const topic = await freshTopic('outage');
    const store = new InMemoryEventStore();
    const readModels = new InMemoryReadModelStore();
    const streams = ['s-a', 's-b', 's-c', 's-d'];
    await appendInterleaved(store, streams, 5, 'before');

    const proxy = new TcpProxy(await freePort(), { host: BROKER_HOST, port: BROKER_PORT });
    const logs: { level: string; message: string }[] = [];
    const logger: MessagingLogger = {
      log: (message) => logs.push({ level: 'log', message }),
      warn: (message) => logs.push({ level: 'warn', message }),
      error: (message) => logs.push({ level: 'error', message }),
    };
    // Every connection, to the seed broker and to the broker the metadata advertises, goes
    // through the proxy: otherwise kafkajs would bootstrap via the proxy, then bypass it.
    let connectionAttempts = 0;
    const kafka = createKafka(`127.0.0.1:${proxy.port}`, {
      logger: quiet,
      socketFactory: ({ onConnect }) => {
        connectionAttempts++;
        const socket = net.connect({ host: '127.0.0.1', port: proxy.port }, onConnect);
        socket.setKeepAlive(true, 60_000);
        return socket;
      },
    });
    const relay = new OutboxRelay({ store, checkpoint: readModelCheckpoint(readModels), kafka, topic, batchSize: 6, retry: { initialMs: 100, maxMs: 500 }, kafkaName: 'Kafka via test proxy', logger });

    try {
      // 1. Down from the start.
      relay.start();
      // Several tries, each refused: the outage is reported once, not once per try.
      await until(() => connectionAttempts > 3, 15_000);
      expect(await readModels.checkpoint(KAFKA_RELAY_CHECKPOINT)).toBe(0);
      expect(await relay.lag()).toBe(20);
      const outageLogs = logs.filter((l) => l.level === 'error');
      expect(outageLogs).toHaveLength(1);
      expect(outageLogs[0]!.message).toMatch(/could not publish events at positions 1–6 to topic .* on Kafka via test proxy: .*Nothing is skipped: the checkpoint stays at 0.*catches up/);

      await proxy.start();
      await relay.caughtUp();
      expect(await readModels.checkpoint(KAFKA_RELAY_CHECKPOINT)).toBe(20);
      expect(logs.filter((l) => l.level === 'log').at(-1)?.message).toMatch(/working again after \d+ s/);

      // 2. Down in the middle of a run: established connections are cut.
      await proxy.stop();
      await appendInterleaved(store, streams, 5, 'during');
      // kafkajs first retries the request itself (a few seconds), then the relay reports it.
      await until(() => logs.filter((l) => l.level === 'error').length === 2, 15_000);
      const attemptsReported = connectionAttempts;
      await until(() => connectionAttempts > attemptsReported + 2, 15_000);
      expect(await readModels.checkpoint(KAFKA_RELAY_CHECKPOINT)).toBe(20);
      expect(await relay.lag()).toBe(20);
      expect(logs.filter((l) => l.level === 'error')).toHaveLength(2);

      await proxy.start();
      await relay.caughtUp();
    } finally {
      await relay.stop();
      await proxy.stop();
    }
    expect(await readModels.checkpoint(KAFKA_RELAY_CHECKPOINT)).toBe(40);

    // Everything is there, in stream order. At least once: a request whose acknowledgement
    // was lost may have landed twice, so we assert on first occurrences (consumers dedupe).
    const records = await readTopic(topic);
    expect(new Set(records.map((r) => r.id)).size).toBe(40);
    for (const [key, versions] of versionsByKey(records)) {
      const firsts = versions.filter((v, i) => versions.indexOf(v) === i);
      expect([key, firsts]).toEqual([key, range(10)]);
    }
  }, 40_000);
});
