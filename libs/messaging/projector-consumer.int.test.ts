import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import kafkajs, { type Admin, type Kafka, type Message, type Producer } from 'kafkajs';
import type { RecordedEvent } from '../kernel/index.js';
import { applyEvents, InMemoryReadModelStore, type Projection, type ReadModelStore } from '../projections/index.js';
import { toKafkaMessage } from './infrastructure/cloud-events.js';
import { connectKafka, ensureTopics, type MessagingLogger } from './infrastructure/kafka-topics.js';
import { DLQ_HEADERS } from './infrastructure/dead-letters.js';
import { ProjectorConsumer } from './infrastructure/projector-consumer.js';
import { counted, streamCounter, type Count } from '../../tests/support/stream-counter.js';

const run = promisify(execFile);
const BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const RUN = `${Date.now().toString(36)}-${process.pid}`;
const quiet: MessagingLogger = { log: () => {}, warn: () => {}, error: () => {} };
// Small timeouts so that joins, rebalances and leaves take well under a second or two.
const CONSUMER = { sessionTimeout: 6000, rebalanceTimeout: 3000, heartbeatInterval: 300, maxWaitTimeInMs: 100 };

const counter = streamCounter;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await sleep(50);
  }
}

async function counts(store: ReadModelStore): Promise<Count[]> {
  return (await store.find<Count>('counts')).map(({ stream, count, versions }) => ({ stream, count, versions }));
}

describe('ProjectorConsumer against the real broker', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  const topics: string[] = [];
  const running: ProjectorConsumer[] = [];
  const groups = new Set<string>();

  beforeAll(async () => {
    kafka = await connectKafka(BROKERS, { logger: quiet });
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
    await producer.connect();
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await producer.disconnect();
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.deleteGroups([...groups]).catch(() => undefined);
    await admin.disconnect();
  });

  async function freshTopic(name: string, partitions: number): Promise<string> {
    const topic = `test.projector.${name}.${RUN}`;
    await ensureTopics(admin, { topic, partitions, replicationFactor: 1, logger: quiet });
    topics.push(topic, `${topic}.dlq`);
    return topic;
  }

  async function consumer(topic: string, groupId: string, readModels: ReadModelStore, extra: Partial<ConstructorParameters<typeof ProjectorConsumer>[0]> = {}): Promise<ProjectorConsumer> {
    const c = new ProjectorConsumer({ kafka, readModels, projections: [counter], topic, groupId, consumer: CONSUMER, retry: { initialMs: 50, maxMs: 300 }, logger: quiet, ...extra });
    running.push(c);
    groups.add(groupId);
    await c.start();
    return c;
  }

  async function send(topic: string, messages: Message[]): Promise<void> {
    await producer.send({ topic, acks: -1, messages });
  }

  it('two members of one group share the partitions and build the same read model as one member alone', async () => {
    const topic = await freshTopic('group', 6);
    const shared = new InMemoryReadModelStore();
    const group = `test-group-${RUN}`;
    const a = await consumer(topic, group, shared);
    const b = await consumer(topic, group, shared);
    await until(() => a.assignedPartitions().length > 0 && b.assignedPartitions().length > 0 && a.assignedPartitions().length + b.assignedPartitions().length === 6, 20_000, 'both members assigned');
    expect([...a.assignedPartitions(), ...b.assignedPartitions()].sort()).toEqual([0, 1, 2, 3, 4, 5]);

    const streams = Array.from({ length: 12 }, (_, i) => `stream-${i}`);
    for (let v = 1; v <= 10; v++) await send(topic, streams.map((s) => toKafkaMessage(counted(s, v))));
    const expected = streams.map((stream) => ({ stream, count: 10, versions: Array.from({ length: 10 }, (_, i) => i + 1) })).sort((x, y) => (x.stream < y.stream ? -1 : 1));
    await until(async () => JSON.stringify(await counts(shared)) === JSON.stringify(expected), 20_000, 'shared read model complete');
    expect(a.stats().handled).toBeGreaterThan(0);
    expect(b.stats().handled).toBeGreaterThan(0);
    expect(a.stats().handled + b.stats().handled).toBe(120);

    const alone = new InMemoryReadModelStore();
    await consumer(topic, `test-alone-${RUN}`, alone);
    await until(async () => (await counts(alone)).length === 12 && (await counts(alone)).every((c) => c.count === 10), 20_000, 'solo read model complete');
    expect(await alone.find('counts')).toEqual(await shared.find('counts'));
  }, 40_000);

  it('dead-letters a poison message with its reason and origin, and keeps consuming the same partition', async () => {
    const topic = await freshTopic('poison', 3);
    const readModels = new InMemoryReadModelStore();
    const key = 'stream-poison';
    const garbage: Message = { key, value: '{"not":"a cloud event"}', headers: { 'content-type': 'application/json' } };
    const badJson = { ...toKafkaMessage(counted(key, 99)), value: '{oops' };
    await send(topic, [
      toKafkaMessage(counted(key, 1)),
      garbage,
      toKafkaMessage(counted(key, 2, { poison: true })),
      toKafkaMessage(counted(key, 3)),
      badJson,
      toKafkaMessage(counted(key, 4)),
    ]);
    const c = await consumer(topic, `test-poison-${RUN}`, readModels);
    await until(async () => (await readModels.get<Count>('counts', key))?.count === 3, 20_000, 'events after the poison applied');
    expect((await readModels.get<Count>('counts', key))?.versions).toEqual([1, 3, 4]);
    await until(() => c.stats().deadLettered === 3, 10_000, 'three dead letters');

    const { stdout } = await run('kcat', ['-b', BROKERS, '-C', '-t', `${topic}.dlq`, '-o', 'beginning', '-e', '-q', '-J'], { timeout: 20_000 });
    const dead = stdout
      .trim()
      .split('\n')
      .map((l) => {
        const r = JSON.parse(l) as { key: string; payload: string; headers: string[] };
        const h: Record<string, string> = {};
        for (let i = 0; i < r.headers.length; i += 2) h[r.headers[i]!] = r.headers[i + 1]!;
        return { key: r.key, payload: r.payload, h };
      });
    expect(dead).toHaveLength(3);
    const partition = dead[0]!.h[DLQ_HEADERS.partition];
    expect(dead.map((d) => [d.key, d.h[DLQ_HEADERS.topic], d.h[DLQ_HEADERS.partition], d.h[DLQ_HEADERS.offset], d.h[DLQ_HEADERS.stage]])).toEqual([
      [key, topic, partition, '1', 'decode'],
      [key, topic, partition, '2', 'projection:stream-counter'],
      [key, topic, partition, '4', 'decode'],
    ]);
    expect(dead[0]!.h[DLQ_HEADERS.reason]).toMatch(/ce_specversion is missing/);
    expect(dead[1]!.h[DLQ_HEADERS.reason]).toMatch(/projection stream-counter failed on Counted stream-poison-v2: this event is poison/);
    expect(dead[2]!.h[DLQ_HEADERS.reason]).toMatch(/not valid JSON/);
    expect(dead[0]!.payload).toBe('{"not":"a cloud event"}');
    // The original CloudEvents headers travel along, so a dead letter can be replayed as is.
    expect(dead[1]!.h.ce_id).toBe('stream-poison-v2');
    expect(dead[0]!.h[DLQ_HEADERS.group]).toBe(`test-poison-${RUN}`);

    // Offsets were committed past the poison: a restarted member does not see it again.
    const offsets = await admin.fetchOffsets({ groupId: `test-poison-${RUN}`, topics: [topic] });
    expect(offsets[0]!.partitions.find((p) => String(p.partition) === partition)?.offset).toBe('6');
  }, 40_000);

  it('retries while the read model store is down, without dead-lettering or skipping', async () => {
    const topic = await freshTopic('transient', 3);
    const inner = new InMemoryReadModelStore();
    let failuresLeft = 5;
    const flaky: ReadModelStore = {
      get: (c, id) => inner.get(c, id),
      find: (c, f) => inner.find(c, f),
      isEmpty: (c) => inner.isEmpty(c),
      checkpoint: (p) => inner.checkpoint(p),
      reset: (p, cs) => inner.reset(p, cs),
      commit: async (p, w, cp) => {
        if (failuresLeft-- > 0) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:27017'), { code: 'ECONNREFUSED' });
        return inner.commit(p, w, cp);
      },
    };
    const errors: string[] = [];
    await send(topic, [1, 2, 3].map((v) => toKafkaMessage(counted('stream-t', v))));
    const c = await consumer(topic, `test-transient-${RUN}`, flaky, { logger: { ...quiet, error: (m) => errors.push(m) } });
    await until(async () => (await inner.get<Count>('counts', 'stream-t'))?.count === 3, 20_000, 'applied after the store came back');
    expect((await inner.get<Count>('counts', 'stream-t'))?.versions).toEqual([1, 2, 3]);
    expect(c.stats().deadLettered).toBe(0);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/could not apply 3 events to projection stream-counter: The read model store failed to commit documents: connect ECONNREFUSED.*retries with backoff without committing offsets/);
  }, 30_000);

  it('stops promptly while retrying, without committing the offsets of what it could not apply', async () => {
    const topic = await freshTopic('stop', 3);
    const group = `test-stop-${RUN}`;
    const inner = new InMemoryReadModelStore();
    const refuse = () => Promise.reject(new Error('store is down'));
    const down: ReadModelStore = { get: refuse, find: refuse, isEmpty: refuse, checkpoint: refuse, commit: refuse, reset: refuse };
    const errors: string[] = [];
    await send(topic, [1, 2, 3].map((v) => toKafkaMessage(counted('stream-s', v))));
    const stuck = await consumer(topic, group, down, { logger: { ...quiet, error: (m) => errors.push(m) } });
    await until(() => errors.length > 0, 20_000, 'the store failure noticed');
    const started = Date.now();
    await stuck.stop();
    expect(Date.now() - started).toBeLessThan(3000);
    const offsets = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    expect(offsets[0]!.partitions.every((p) => p.offset === '-1')).toBe(true);

    // The next member of the group gets the same records again and applies them.
    const next = await consumer(topic, group, inner);
    await until(async () => (await inner.get<Count>('counts', 'stream-s'))?.count === 3, 20_000, 'applied by the next member');
    expect(next.stats().deadLettered).toBe(0);
  }, 40_000);

  it('changes nothing when messages are duplicated or redelivered', async () => {
    const topic = await freshTopic('dupes', 3);
    const readModels = new InMemoryReadModelStore();
    const events = [1, 2, 3, 4, 5].map((v) => counted('stream-d', v));
    // The relay's at-least-once: a batch published again after a lost acknowledgement.
    await send(topic, [...events.slice(0, 3), ...events.slice(1, 3), ...events.slice(3), ...events].map(toKafkaMessage));
    const first = await consumer(topic, `test-dupes-${RUN}`, readModels);
    await until(() => first.stats().handled === 12, 20_000, 'all twelve records handled');
    const snapshot = await readModels.find('counts');
    expect(snapshot).toEqual([expect.objectContaining({ stream: 'stream-d', count: 5, versions: [1, 2, 3, 4, 5] })]);

    // Redelivery of everything: another group replays the topic into the same store.
    const replay = await consumer(topic, `test-dupes-replay-${RUN}`, readModels);
    await until(() => replay.stats().handled === 12, 20_000, 'replay handled');
    expect(await readModels.find('counts')).toEqual(snapshot);
    // No global checkpoint was touched: partitioned progress lives in the group offsets.
    expect(await readModels.checkpoint('stream-counter')).toBe(0);
  }, 40_000);

  it('keeps its group membership while one chunk takes longer than the session timeout, so the chunk is applied once', async () => {
    const topic = await freshTopic('slow', 3);
    const readModels = new InMemoryReadModelStore();
    let calls = 0;
    // The first chunk takes 1.5 times the session timeout, as a chunk does on a slow store.
    const slowApply = async (projection: Projection, events: readonly RecordedEvent[]) => {
      if (calls++ === 0) await sleep(CONSUMER.sessionTimeout * 1.5);
      await applyEvents(projection, readModels, events);
    };
    await send(topic, [1, 2, 3].map((v) => toKafkaMessage(counted('stream-slow', v))));
    await consumer(topic, `test-slow-${RUN}`, readModels, { apply: slowApply });
    await until(async () => (await readModels.get<Count>('counts', 'stream-slow'))?.count === 3, 30_000, 'the slow chunk applied');
    // A marker behind it on the same partition: had the member been dropped, the uncommitted
    // chunk would have come back before the marker, as a call of its own.
    await send(topic, [toKafkaMessage(counted('stream-slow', 4))]);
    await until(async () => (await readModels.get<Count>('counts', 'stream-slow'))?.count === 4, 30_000, 'the marker applied');
    expect(calls).toBe(2);
    expect((await readModels.get<Count>('counts', 'stream-slow'))?.versions).toEqual([1, 2, 3, 4]);
  }, 60_000);

  it('retries an error its isTransient hook calls an outage, and never dead-letters it', async () => {
    const topic = await freshTopic('outage', 3);
    const readModels = new InMemoryReadModelStore();
    let failures = 0;
    const flakyApply = async (projection: Projection, events: readonly RecordedEvent[]) => {
      if (failures < 3) {
        failures++;
        throw new Error('connect ECONNREFUSED 127.0.0.1:27017');
      }
      await applyEvents(projection, readModels, events);
    };
    await send(topic, [1, 2].map((v) => toKafkaMessage(counted('stream-outage', v))));
    const c = await consumer(topic, `test-outage-${RUN}`, readModels, { apply: flakyApply, isTransient: (e) => /ECONNREFUSED/.test((e as Error).message) });
    await until(async () => (await readModels.get<Count>('counts', 'stream-outage'))?.count === 2, 20_000, 'applied once the store is back');
    expect(failures).toBe(3);
    expect(c.stats().deadLettered).toBe(0);
  }, 40_000);

  it('finds a poison event in a large chunk by halves, in a few attempts, and applies the rest in order', async () => {
    const topic = await freshTopic('halves', 3);
    const readModels = new InMemoryReadModelStore();
    const attempts: number[][] = [];
    const countingApply = async (projection: Projection, events: readonly RecordedEvent[]) => {
      attempts.push(events.map((e) => e.streamVersion));
      await applyEvents(projection, readModels, events);
    };
    // One stream, so one partition and one chunk: 200 events, the 137th poison.
    const key = 'stream-halves';
    await send(topic, Array.from({ length: 200 }, (_, i) => toKafkaMessage(counted(key, i + 1, i + 1 === 137 ? { poison: true } : {}))));
    const c = await consumer(topic, `test-halves-${RUN}`, readModels, { apply: countingApply });
    await until(() => c.stats().handled === 200, 20_000, 'the 200 records handled');
    await until(() => c.stats().deadLettered === 1, 10_000, 'one dead letter');
    const doc = await readModels.get<Count>('counts', key);
    expect(doc?.versions).toEqual(Array.from({ length: 200 }, (_, i) => i + 1).filter((v) => v !== 137));
    // Whatever the fetch sizes, each attempt after a failure holds half of what failed, so
    // the search takes about 2·log2(200) ≈ 16 attempts; one event at a time took 200.
    expect(attempts.length).toBeLessThanOrEqual(24);
    // Every attempt that held the poison failed, and each was half the one before.
    const withPoison = attempts.filter((a) => a.includes(137)).map((a) => a.length);
    expect(withPoison.at(-1)).toBe(1);
    for (let i = 1; i < withPoison.length; i++) expect(withPoison[i]).toBeLessThanOrEqual(Math.ceil(withPoison[i - 1]! / 2));
  }, 40_000);

  it('applies a chunk to its projections side by side, and poison for one projection is dead-lettered without holding back the other', async () => {
    const topic = await freshTopic('side-by-side', 3);
    const readModels = new InMemoryReadModelStore();
    const second: Projection = { ...counter, name: 'second-counter', collections: ['seconds'], async apply(event, view) {
      await view.update<Count>('seconds', event.streamId, (doc) => ({ stream: event.streamId, count: (doc?.count ?? 0) + 1, versions: [...(doc?.versions ?? []), event.streamVersion] }));
    } };
    let inFlight = 0;
    let most = 0;
    const slowApply = async (projection: Projection, events: readonly RecordedEvent[]) => {
      most = Math.max(most, ++inFlight);
      await sleep(300);
      inFlight--;
      await applyEvents(projection, readModels, events);
    };
    await send(topic, [toKafkaMessage(counted('stream-side', 1)), toKafkaMessage(counted('stream-side', 2, { poison: true }))]);
    const c = await consumer(topic, `test-side-${RUN}`, readModels, { apply: slowApply, projections: [counter, second] });
    await until(() => c.stats().handled === 2, 20_000, 'both records handled');
    expect(most).toBe(2);
    // The counter found the poison record; the second projection took both events.
    expect((await readModels.get<Count>('counts', 'stream-side'))?.versions).toEqual([1]);
    expect((await readModels.get<Count>('seconds', 'stream-side'))?.versions).toEqual([1, 2]);
    expect(c.stats().deadLettered).toBe(1);
  }, 40_000);

  it('writes the chunks of partitions consumed side by side together, and poison in one chunk fails no other', async () => {
    const topic = await freshTopic('joint', 3);
    const readModels = new InMemoryReadModelStore();
    const calls: string[][] = [];
    const slowApply = async (projection: Projection, events: readonly RecordedEvent[]) => {
      calls.push(events.map((e) => e.streamId));
      await sleep(500);
      await applyEvents(projection, readModels, events);
    };
    // One record on each partition, all there before the member joins: one fetch brings the
    // three, and they are written together (or, if the fetch is split, the ones that wait for
    // the first write are). Two are poison, so a joint write holds poison.
    const streamsOf = ['stream-joint-ok', 'stream-joint-bad-1', 'stream-joint-bad-2'];
    await send(topic, streamsOf.map((stream, p) => ({ ...toKafkaMessage(counted(stream, 1, p > 0 ? { poison: true } : {})), partition: p })));
    const c = await consumer(topic, `test-joint-${RUN}`, readModels, { apply: slowApply });
    await until(() => c.stats().handled === 3, 20_000, 'the three records handled');
    const joint = calls.find((call) => call.length >= 2);
    expect(joint).toBeDefined();
    // The joint write failed on its poison, so each of its chunks was then written alone.
    const after = calls.slice(calls.indexOf(joint!) + 1);
    for (const stream of joint!) expect(after).toContainEqual([stream]);
    expect((await counts(readModels)).map((x) => x.stream)).toEqual(['stream-joint-ok']);
    expect(c.stats().deadLettered).toBe(2);
  }, 40_000);
});
