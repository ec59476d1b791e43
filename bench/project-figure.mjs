// The project figure: the projector consumer against a no-op Kafka consumer, on the events the
// bench published (a `DistributedBench` is `b`).
import kafkajs from 'kafkajs';
import { Redis } from 'ioredis';
import { MongoReadModelStore } from '../dist/libs/projections/infrastructure/mongo-read-model-store.js';
import { ProjectorConsumer } from '../dist/libs/messaging/infrastructure/projector-consumer.js';
import { toKafkaMessage } from '../dist/libs/messaging/infrastructure/cloud-events.js';
import { READ_MODEL_PROJECTIONS } from '../dist/apps/runtime/projection-catalog.js';
import { ProjectionWriter } from '../dist/libs/projections/infrastructure/projection-writer.js';
import { demarcheEventRegistry } from '../dist/apps/runtime/event-types.js';
import { interleaved, now, sleep } from './lib.mjs';

const { Partitioners } = kafkajs;
const quiet = { log: () => undefined, warn: () => undefined, error: (m) => console.error(`    [bench] ${m}`) };
const registry = demarcheEventRegistry();
const upcast = (e) => registry.upcast(e);

// 6. project: the projector consumer (all read models, written as the distributed projector
// role writes them) vs a no-op eachBatch consumer.
export async function projectFigure(b) {
  const { reps, warmup, events: limit } = b.sizes.project;
  const topic = await b.topic('project');
  const events = b.recorded.slice(0, limit);
  const producer = b.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  for (let i = 0; i < events.length; i += 100) await producer.send({ topic, acks: -1, messages: events.slice(i, i + 100).map(toKafkaMessage) });
  await producer.disconnect();
  const n = events.length;
  b.log(`project: ${reps} reps of ${n} events from ${topic}, fresh consumer group and emptied read models each`);
  // One read model database for every repetition, emptied through the port before each:
  // its collections exist, as they do in production. In a fresh database FerretDB creates
  // a table and its indexes at each collection's first write, which no projector pays twice.
  const dbName = b.db('proj');
  const readModels = await MongoReadModelStore.connect(b.mongoUrl, dbName);
  const redis = new Redis(b.redisUrl);
  const result = await interleaved({
    reps,
    warmup,
    log: b.log,
    profile: b.profiler?.hook('project'),
    ours: async (i) => {
      for (const p of READ_MODEL_PROJECTIONS) await readModels.reset(p.name, p.collections);
      // As a projector process writes: in turns under a lock in Redis, into the active
      // version, keeping its documents between turns. A new member each time (its own
      // prefix), since the read models were emptied behind its back.
      const writer = new ProjectionWriter(redis, `${b.run}_pw${i + 10}`, readModels);
      const consumer = new ProjectorConsumer({
        kafka: b.kafka,
        readModels,
        apply: (projection, events) => writer.apply(projection, events),
        projections: READ_MODEL_PROJECTIONS,
        topic,
        groupId: b.group(`proj-ours-${i + 10}`),
        fromBeginning: true,
        upcast,
        logger: quiet,
        // Both sides poll at most 100 ms when idle, so that leaving the group after the
        // measurement does not wait out a 5 s fetch (which a system profile would count).
        consumer: { maxWaitTimeInMs: 100 },
      });
      const t0 = now();
      await consumer.start();
      while (consumer.stats().handled < n) await sleep(5);
      const rate = n / ((now() - t0) / 1000);
      await consumer.stop();
      return { rate };
    },
    raw: async (i) => {
      const consumer = b.kafka.consumer({ groupId: b.group(`proj-raw-${i + 10}`), maxWaitTimeInMs: 100 });
      let seen = 0;
      const t0 = now();
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ eachBatch: async ({ batch }) => void (seen += batch.messages.length) });
      while (seen < n) await sleep(5);
      const rate = n / ((now() - t0) / 1000);
      await consumer.disconnect();
      return { rate };
    },
  });
  await readModels['connection']?.close?.().catch(() => undefined);
  redis.disconnect();
  return result;
}
