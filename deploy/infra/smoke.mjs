// Smoke test of the local infrastructure with real clients (kafkajs, mongodb driver, redis-cli).
// Usage: node deploy/infra/smoke.mjs      (after `bash deploy/infra/infra.sh up` and `npm install`)
// Exits 0 when Kafka, the MongoDB-compatible server and Redis all behave; prints what failed otherwise.
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(path.join(repo, 'package.json'));
const kafkaPort = process.env.KAFKA_PORT || '9092';
const mongoPort = process.env.MONGO_PORT || '27017';
const redisPort = process.env.REDIS_PORT || '6379';
const run = `${process.pid}-${Date.now()}`;

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

async function checkKafka() {
  const { Kafka, logLevel } = require('kafkajs');
  const kafka = new Kafka({ clientId: 'demarche-smoke', brokers: [`127.0.0.1:${kafkaPort}`], logLevel: logLevel.WARN });
  const admin = kafka.admin();
  const topic = `smoke-${run}`;
  await admin.connect();
  try {
    assert(await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true }), 'createTopics returned false');
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    assert(meta.topics[0].partitions.length === 3, `expected 3 partitions, got ${meta.topics[0].partitions.length}`);

    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const sent = Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));
    await producer.send({ topic, acks: -1, messages: sent });

    // Transactions (exactly-once produce) must work too.
    const txProducer = kafka.producer({ transactionalId: `smoke-tx-${run}`, idempotent: true, maxInFlightRequests: 1 });
    await txProducer.connect();
    const tx = await txProducer.transaction();
    await tx.send({ topic, messages: [{ key: 'tx', value: 'committed' }] });
    await tx.commit();
    await txProducer.disconnect();
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: `smoke-group-${run}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const got = new Map();
    const partitions = new Set();
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`consumed only ${got.size}/31 messages in 30 s`)), 30000);
      consumer.run({
        eachMessage: async ({ partition, message }) => {
          got.set(message.key.toString(), message.value.toString());
          partitions.add(partition);
          if (got.size === 31) { clearTimeout(timer); resolve(); }
        },
      }).catch(reject);
    });
    await consumer.disconnect();
    assert(got.get('tx') === 'committed' && got.get('k7') === 'v7', 'consumed values differ from produced ones');
    const offsets = await admin.fetchOffsets({ groupId: `smoke-group-${run}`, topics: [topic] });
    const committed = offsets[0].partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
    assert(committed >= 31, `committed offsets sum to ${committed}, expected >= 31`);
    await admin.deleteTopics({ topics: [topic] });
    return `topic with 3 partitions, 31 messages (1 transactional) over ${partitions.size} partitions, offsets committed`;
  } finally {
    await admin.disconnect();
  }
}

async function checkMongo() {
  const { MongoClient } = require('mongodb');
  const client = new MongoClient(`mongodb://127.0.0.1:${mongoPort}/`, { serverSelectionTimeoutMS: 10000 });
  await client.connect();
  try {
    const db = client.db(`smoke_${process.pid}`);
    const events = db.collection('events');
    await events.createIndex({ stream: 1, version: 1 }, { unique: true });
    await events.insertOne({ stream: 's-1', version: 1, type: 'Created' });
    await events.insertOne({ stream: 's-1', version: 2, type: 'Updated' });
    let duplicate = null;
    try {
      await events.insertOne({ stream: 's-1', version: 2, type: 'Conflict' });
    } catch (e) {
      duplicate = e;
    }
    assert(duplicate && duplicate.code === 11000, `unique index did not reject a duplicate (${duplicate && duplicate.code})`);
    const docs = await events.find({ stream: 's-1' }).sort({ version: 1 }).toArray();
    assert(docs.length === 2 && docs[1].type === 'Updated', `find returned ${JSON.stringify(docs)}`);
    const { version } = await db.admin().command({ buildInfo: 1 });
    await db.dropDatabase();
    return `insert/find/unique index (E11000 on duplicate) ok, reports MongoDB ${version}`;
  } finally {
    await client.close();
  }
}

function checkRedis() {
  const cli = (...args) => execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', redisPort, ...args], { encoding: 'utf8' }).trim();
  assert(cli('PING') === 'PONG', 'PING did not answer PONG');
  cli('SET', `smoke:${run}`, 'ok', 'EX', '60');
  assert(cli('GET', `smoke:${run}`) === 'ok', 'GET did not return the value just SET');
  cli('DEL', `smoke:${run}`);
  const version = cli('INFO', 'server').match(/redis_version:(\S+)/)?.[1];
  const aof = cli('CONFIG', 'GET', 'appendonly').split('\n')[1];
  return `PING/SET/GET ok, Redis ${version}, appendonly ${aof}`;
}

let failed = 0;
for (const [name, check] of [['kafka', checkKafka], ['mongo', checkMongo], ['redis', checkRedis]]) {
  const started = Date.now();
  try {
    const detail = await check();
    console.log(`ok   ${name}: ${detail} (${Date.now() - started} ms)`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e && e.stack ? e.stack : e}`);
  }
}
process.exit(failed ? 1 : 0);
