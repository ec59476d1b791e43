// Figures on the distributed profile's servers (MongoDB wire protocol, Kafka, Redis), each
// against a raw client doing the same work on the same data, interleaved.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import kafkajs from 'kafkajs';
import { Redis } from 'ioredis';
import { MongoEventStore } from '../dist/libs/event-store/infrastructure/mongo-event-store.js';
import { ProjectionVersions, rebuildProjection } from '../dist/libs/projections/index.js';
import { MAX_WRITES_PER_COMMAND, MongoReadModelStore } from '../dist/libs/projections/infrastructure/mongo-read-model-store.js';
import { createKafka, ensureTopics } from '../dist/libs/messaging/infrastructure/kafka-topics.js';
import { OutboxRelay } from '../dist/libs/messaging/infrastructure/outbox-relay.js';
import { toKafkaMessage } from '../dist/libs/messaging/infrastructure/cloud-events.js';
import { READ_MODEL_PROJECTIONS } from '../dist/apps/runtime/projection-catalog.js';
import { demarcheEventRegistry } from '../dist/apps/runtime/event-types.js';
import { followUpsFigure } from './follow-ups-figure.mjs';
import { projectFigure } from './project-figure.mjs';
import { COUNTRIES, interleaved, letterEvents, median, now, rawEventDoc, round, rounds } from './lib.mjs';

const { Partitioners, logLevel } = kafkajs;
const quiet = { log: () => undefined, warn: () => undefined, error: (m) => console.error(`    [bench] ${m}`) };
const registry = demarcheEventRegistry();
const upcast = (e) => registry.upcast(e);
const projectionNamed = (name) => READ_MODEL_PROJECTIONS.find((p) => p.name === name);

/**
 * FerretDB built as a library (`deploy/infra/ferretdb`) reports its version as `unknown`: then
 * it is the one `go.mod` of that build requires.
 */
function ferretdbVersion(reported) {
  if (reported !== 'unknown') return reported;
  const goMod = readFileSync(fileURLToPath(new URL('../deploy/infra/ferretdb/go.mod', import.meta.url)), 'utf8');
  const required = /^\s*(?:require\s+)?github\.com\/FerretDB\/FerretDB\s+(v\S+)/m.exec(goMod)?.[1];
  return required ? `${required} (as built by deploy/infra)` : reported;
}

/** Shared state of the distributed figures: servers, names, and what to drop at the end. */
export class DistributedBench {
  constructor({ run, mongoUrl, kafkaBrokers, redisUrl, log, sizes, profiler }) {
    Object.assign(this, { run, mongoUrl, kafkaBrokers, redisUrl, log, sizes, profiler });
    this.databases = new Set();
    this.topics = new Set();
    this.groups = new Set();
  }

  async open() {
    this.client = await new MongoClient(this.mongoUrl, { serverSelectionTimeoutMS: 5000 }).connect();
    this.kafka = createKafka(this.kafkaBrokers, { logger: quiet, logLevel: logLevel.ERROR });
    this.admin = this.kafka.admin();
    await this.admin.connect();
    this.esDb = this.db('es');
    this.store = await MongoEventStore.connect(this.mongoUrl, this.esDb);
    this.rawDb = this.client.db(this.db('raw'));
    this.rawEvents = this.rawDb.collection('events');
    await this.rawEvents.createIndex({ streamId: 1, streamVersion: 1 }, { unique: true });
    this.rawPosition = 0;
    this.events = 0;
  }

  db(suffix) {
    const name = `${this.run}_${suffix}`;
    this.databases.add(name);
    return name;
  }

  async topic(suffix) {
    const topic = `${this.run}.${suffix}`;
    this.topics.add(topic).add(`${topic}.dlq`);
    await ensureTopics(this.admin, { topic, deadLetterTopic: `${topic}.dlq`, partitions: 6, replicationFactor: 1, logger: quiet });
    return topic;
  }

  group(suffix) {
    const g = `${this.run}-${suffix}`;
    this.groups.add(g);
    return g;
  }

  async serverVersions() {
    const build = await this.client.db('admin').command({ buildInfo: 1 }).catch(() => ({}));
    const redis = new Redis(this.redisUrl);
    const info = await redis.info('server').catch(() => '');
    redis.disconnect();
    const cluster = await this.admin.describeCluster().catch(() => ({ brokers: [] }));
    return {
      mongo: build.ferretdbVersion ? `FerretDB ${ferretdbVersion(build.ferretdbVersion)} (MongoDB wire ${build.version})` : `MongoDB ${build.version ?? '?'}`,
      redis: /redis_version:(\S+)/.exec(info)?.[1] ?? '?',
      kafkaBrokers: cluster.brokers.length,
    };
  }

  /** One commit of 100 events to a fresh stream in both stores. */
  batch(tag, k) {
    const campaignId = `b${tag}x${k}`;
    const iso3 = COUNTRIES[k % COUNTRIES.length];
    const events = letterEvents(campaignId, iso3, 100);
    return { streamId: `outreach-${campaignId}-${iso3}`, events };
  }

  rawDocs({ streamId, events }) {
    const recordedAt = new Date().toISOString();
    return events.map((e, i) => rawEventDoc(e, streamId, i + 1, ++this.rawPosition, recordedAt));
  }

  // 1. batched append: event store append vs driver insertMany, 100 events of ~300 B a commit.
  async batchedAppend() {
    const { commits, reps, warmup } = this.sizes.append;
    this.log(`batched append: ${reps} x ${commits} commits of 100 events`);
    return interleaved({
      reps,
      warmup,
      log: this.log,
      profile: this.profiler?.hook('batchedAppend'),
      ours: async (i) => {
        const batches = Array.from({ length: commits }, (_, k) => this.batch(`o${i}`, k));
        const t0 = now();
        for (const b of batches) await this.store.append(b.streamId, 0, b.events);
        this.events += commits * 100;
        return { rate: (commits * 100) / ((now() - t0) / 1000) };
      },
      raw: async (i) => {
        const docs = Array.from({ length: commits }, (_, k) => this.rawDocs(this.batch(`r${i}`, k)));
        const t0 = now();
        for (const d of docs) await this.rawEvents.insertMany(d, { ordered: true });
        return { rate: (commits * 100) / ((now() - t0) / 1000) };
      },
    });
  }

  /** Tops both stores up to `target` events (untimed), the same events in each. */
  async populate(target) {
    let k = 0;
    const t0 = now();
    while (this.events < target || this.rawPosition < target) {
      const b = this.batch('p', k++);
      if (this.events < target) {
        await this.store.append(b.streamId, 0, b.events);
        this.events += 100;
      }
      if (this.rawPosition < target) await this.rawEvents.insertMany(this.rawDocs(b));
    }
    this.log(`populated ${this.events} events in the store and ${this.rawPosition} raw documents (${((now() - t0) / 1000).toFixed(1)} s)`);
  }

  // A replay as the library does one: pages of one `readAllPages` iteration.
  async readAllOurs(batch = 1000) {
    let n = 0;
    for await (const events of this.store.readAllPages(0, batch)) n += events.length;
    return n;
  }

  async readAllRaw() {
    let n = 0;
    for await (const doc of this.rawEvents.find({}, { batchSize: 1000 })) {
      JSON.parse(doc.data);
      n++;
    }
    return n;
  }

  /**
   * The store's own documents read by the driver alone: its commits in log order, as many a
   * round trip as the store asks for (5,000 events' worth), each commit's events parsed. What
   * the store adds to this is what its code costs.
   */
  async readAllSameLayout() {
    let n = 0;
    const commits = this.client.db(this.esDb).collection('commits');
    for await (const doc of commits.find({ lastPosition: { $gt: 0 } }, { sort: { lastPosition: 1 }, batchSize: 50 })) {
      n += (typeof doc.events === 'string' ? JSON.parse(doc.events) : doc.events).length;
    }
    return n;
  }

  // 3. replay read: event store readAllPages vs the driver reading the store's own commits, and
  // vs a cursor over one document per event (batch size 1000).
  async replay() {
    const { reps, warmup } = this.sizes.replay;
    this.log(`replay read: ${reps} reps over ${this.events} events`);
    const timed = (read) => async () => {
      const t0 = now();
      const n = await read();
      return { rate: n / ((now() - t0) / 1000) };
    };
    return withSameLayout(
      await rounds({
        reps,
        warmup,
        log: this.log,
        profile: this.profiler?.hook('replay'),
        sides: { ours: timed(() => this.readAllOurs()), raw: timed(() => this.readAllRaw()), sameLayout: timed(() => this.readAllSameLayout()) },
      }),
    );
  }

  // 4. full projection rebuild vs raw cursor read + raw bulkWrite of the final documents.
  async rebuild(name = 'campaign-summary') {
    const { reps, warmup } = this.sizes.rebuild;
    const projection = projectionNamed(name);
    const readModels = await MongoReadModelStore.connect(this.mongoUrl, this.db('rm'));
    const versions = new ProjectionVersions(readModels);
    const rawTarget = this.rawDb.collection(`rm_${projection.collections[0]}`);
    let finalDocs;
    this.log(`rebuild ${name}: ${reps} reps over ${this.events} events`);
    // The raw rebuilds: a read, then the final documents written once, in commands of the size
    // the store sends (bigger ones hang FerretDB, see MAX_WRITES_PER_COMMAND).
    const rawRebuild = (read) => async () => {
      const t0 = now();
      const n = await read();
      const ops = finalDocs.map((d) => ({ replaceOne: { filter: { _id: d.campaignId ?? d.iso3 ?? d.id }, replacement: d, upsert: true } }));
      for (let i = 0; i < ops.length; i += MAX_WRITES_PER_COMMAND) await rawTarget.bulkWrite(ops.slice(i, i + MAX_WRITES_PER_COMMAND), { ordered: false });
      return { rate: n / ((now() - t0) / 1000) };
    };
    try {
      return withSameLayout(
        await rounds({
          reps,
          warmup,
          log: this.log,
          profile: this.profiler?.hook('rebuild'),
          sides: {
            ours: async () => {
              const t0 = now();
              const result = await rebuildProjection(this.store, readModels, projection, { swap: true, upcast });
              const rate = result.events / ((now() - t0) / 1000);
              if (!finalDocs) finalDocs = await versions.pinned((await versions.of(name)).active).find(projection.collections[0]);
              return { rate };
            },
            raw: rawRebuild(() => this.readAllRaw()),
            sameLayout: rawRebuild(() => this.readAllSameLayout()),
          },
        }),
      );
    } finally {
      await readModels['connection']?.close?.().catch(() => undefined);
    }
  }

  // 5. publish: the outbox relay to Kafka vs kafkajs send of 100-message batches.
  async publish() {
    const { reps, warmup } = this.sizes.publish;
    const topic = await this.topic('publish');
    const all = [];
    for (let p = 0; ; ) {
      const batch = await this.store.readAll(p, 5000);
      if (!batch.length) break;
      all.push(...batch);
      p = batch[batch.length - 1].position;
    }
    const messages = all.map(toKafkaMessage);
    this.recorded = all;
    this.log(`publish: ${reps} reps of ${messages.length} events to ${topic}`);
    return interleaved({
      reps,
      warmup,
      log: this.log,
      profile: this.profiler?.hook('publish'),
      ours: async () => {
        let saved = 0;
        const relay = new OutboxRelay({ store: this.store, checkpoint: { load: async () => 0, save: async (p) => void (saved = p) }, kafka: this.kafka, topic, logger: quiet });
        const t0 = now();
        relay.start();
        await relay.caughtUp();
        const rate = messages.length / ((now() - t0) / 1000);
        await relay.stop();
        if (saved < all[all.length - 1].position) throw new Error('the relay stopped before the head');
        return { rate };
      },
      raw: async () => {
        const producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
        const t0 = now();
        await producer.connect();
        for (let i = 0; i < messages.length; i += 100) await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 100) });
        const rate = messages.length / ((now() - t0) / 1000);
        await producer.disconnect();
        return { rate };
      },
    });
  }

  /**
   * Diagnostic: how long single event store calls take on this server once the log holds the
   * figures' events. A `readAll` page that costs the same at 200 and 1000 events, or a
   * `readStream` of a 100-event stream that costs more than reading 1000 events, is a scan.
   */
  async storeCalls() {
    const head = await this.store.headPosition();
    const timed = async (fn) => {
      const times = [];
      for (let k = 0; k < 5; k++) {
        const t0 = now();
        await fn(k);
        times.push(now() - t0);
      }
      return round(median(times));
    };
    const stream = this.batch('p', 0).streamId.replace(/-[A-Z]{3}$/, '-KEN');
    const out = {
      readAll200_start: await timed(() => this.store.readAll(0, 200)),
      readAll1000_start: await timed(() => this.store.readAll(0, 1000)),
      readAll200_middle: await timed(() => this.store.readAll(Math.floor(head / 2), 200)),
      readAll1000_middle: await timed(() => this.store.readAll(Math.floor(head / 2), 1000)),
      readStream: await timed(() => this.store.readStream(stream)),
      queryByTypeAndCountry: await timed(() => this.store.query({ types: ['LetterDelivered'], country: 'KEN', limit: 1 })),
      headPosition: await timed(() => this.store.headPosition()),
      appendOneEvent: await timed((k) => this.store.append(`bench-single-${k}`, 0, letterEvents('single', 'KEN', 1))),
    };
    this.events += 5;
    this.log(`event store calls over ${head} events (median of 5, ms): ${JSON.stringify(out)}`);
    return { head, ...out };
  }

  // 6. project: see project-figure.mjs.
  project() {
    return projectFigure(this);
  }

  // 7. follow-up jobs: see follow-ups-figure.mjs.
  followUps() {
    return followUpsFigure(this);
  }

  /** Drops everything of this run; each step gives up after 60 s rather than hang the bench. */
  async close() {
    const bounded = (p) => Promise.race([Promise.resolve(p).catch(() => undefined), new Promise((r) => setTimeout(r, 60_000).unref())]);
    await bounded(this.closeAll());
  }

  async closeAll() {
    await this.store?.close().catch(() => undefined);
    for (const name of this.databases) await this.client?.db(name).dropDatabase().catch(() => undefined);
    if (this.admin) {
      const existing = new Set(await this.admin.listTopics().catch(() => []));
      const topics = [...this.topics].filter((t) => existing.has(t));
      if (topics.length) await this.admin.deleteTopics({ topics }).catch(() => undefined);
      if (this.groups.size) await this.admin.deleteGroups([...this.groups]).catch(() => undefined);
      await this.admin.disconnect().catch(() => undefined);
    }
    const redis = new Redis(this.redisUrl);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.run}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
    redis.disconnect();
    await this.client?.close().catch(() => undefined);
  }
}

/** A figure with two baselines: the per-event layout (`raw`, `ratio`) and the store's own documents (`sameLayout`, `ratioSameLayout`). */
function withSameLayout({ sides }) {
  return {
    ours: sides.ours,
    raw: sides.raw,
    ratio: round(sides.ours.median / sides.raw.median, 3),
    sameLayout: sides.sameLayout,
    ratioSameLayout: round(sides.ours.median / sides.sameLayout.median, 3),
  };
}
