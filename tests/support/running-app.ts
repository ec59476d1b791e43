import type { INestApplication } from '@nestjs/common';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import request from 'supertest';
import { createDemarcheApp, type Role } from '../../apps/runtime/app.factory.js';
import { loadConfig, type DemarcheConfig } from '../../libs/platform/config/config.js';
import { ProjectorService } from '../../apps/runtime/projector.module.js';
import { WorkerService } from '../../apps/runtime/worker.module.js';
import { DistributedWorkerService, KafkaProjectorService } from '../../apps/runtime/distributed-roles.js';
import { connectMongo } from '../../libs/platform/persistence/mongo-connection.js';
import { connectKafka } from '../../libs/messaging/infrastructure/kafka-topics.js';

/** The DEMARCHE_ADMIN_TOKEN of every test app (and of the CLI runs on its data). */
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

/** The profile the behaviour suite runs on: `DEMARCHE_TEST_PROFILE=distributed` for the servers. */
export const TEST_PROFILE = process.env.DEMARCHE_TEST_PROFILE === 'distributed' ? 'distributed' : 'embedded';

export interface RunningApp {
  readonly app: INestApplication;
  /** The identity of the app's data: a folder (embedded), or the name of its database, topic and queues. */
  readonly dataDir: string;
  readonly config: DemarcheConfig;
  /** Requests as admin (DEMARCHE_ADMIN_TOKEN): `app.http().get('/v1/...')`. */
  readonly http: () => ReturnType<typeof request>;
  /** Requests with another bearer token, or with none (`as(undefined)`). */
  readonly as: (token: string | undefined) => ReturnType<typeof request>;
  /** Waits until the playbook, the timers and every projection have handled all stored events. */
  settle(): Promise<void>;
  /** Stops the app, keeping its data (for restart tests). */
  stop(): Promise<void>;
  /** Stops the app and deletes its data. */
  destroy(): Promise<void>;
}

export interface StartTestAppOptions {
  readonly dataDir?: string;
  /** The instant the app's clock reads at start. */
  readonly now?: string;
  readonly seedStates?: boolean;
  readonly roles?: readonly Role[];
  /** Settings of the access layer to override (a low rate limit, a token cache time). */
  readonly access?: Partial<DemarcheConfig['access']>;
}

/** The servers' names for one test app: its own database, topic, queues and consumer group. */
export function distributedEnv(dataDir: string): Record<string, string> {
  const id = `t${basename(dataDir).replace(/[^a-zA-Z0-9]/g, '').toLowerCase()}`;
  return {
    DEMARCHE_PROFILE: 'distributed',
    DEMARCHE_MONGO_DB: id,
    DEMARCHE_KAFKA_TOPIC: `${id}.events`,
    DEMARCHE_REDIS_PREFIX: id,
    DEMARCHE_KAFKA_GROUP: `${id}-projector`,
  };
}

/** Starts Demarche on the test profile, on a fresh (or the given) data identity, listening on a free port. */
export async function startTestApp(options: StartTestAppOptions = {}): Promise<RunningApp> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'demarche-test-'));
  const env = { ...process.env, DEMARCHE_DATA_DIR: dataDir, DEMARCHE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, ...(TEST_PROFILE === 'distributed' ? distributedEnv(dataDir) : {}) };
  const loaded = loadConfig(env);
  const config: DemarcheConfig = { ...loaded, ...(options.now ? { now: options.now } : {}), seedStates: options.seedStates ?? true, access: { ...loaded.access, ...options.access } };
  const app = await createDemarcheApp({ config, logger: ['error', 'fatal'], ...(options.roles ? { roles: options.roles } : {}) });
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer();
  let stopped = false;
  const as = (token: string | undefined) => withBearer(request(server), token);
  const running: RunningApp = {
    app,
    dataDir,
    config,
    http: () => as(TEST_ADMIN_TOKEN),
    as,
    settle: () => (config.profile === 'distributed' ? settleDistributed(app) : settleEmbedded(app)),
    async stop() {
      if (stopped) return;
      stopped = true;
      await app.close();
    },
    async destroy() {
      await running.stop();
      if (config.profile === 'distributed') await dropServers(config);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return running;
}

/** Every request of the agent carries `Authorization: Bearer <token>` (none without a token). */
function withBearer(agent: ReturnType<typeof request>, token: string | undefined): ReturnType<typeof request> {
  if (!token) return agent;
  const wrapped: Record<string, unknown> = {};
  for (const [method, make] of Object.entries(agent)) {
    wrapped[method] = typeof make === 'function' ? (url: string) => (make as (u: string) => request.Test)(url).set('authorization', `Bearer ${token}`) : make;
  }
  return wrapped as unknown as ReturnType<typeof request>;
}

async function settleEmbedded(app: INestApplication): Promise<void> {
  // Timers record events, the playbook reacts with follow-up events, the projectors read
  // them: repeat until a round fires no timer.
  const worker = app.get(WorkerService, { strict: false });
  for (;;) {
    const fired = await worker.fireDueTimers();
    await worker.caughtUp();
    await app.get(ProjectorService, { strict: false }).caughtUp();
    if (!fired) return;
  }
}

async function settleDistributed(app: INestApplication): Promise<void> {
  const worker = app.get(DistributedWorkerService, { strict: false });
  const projector = app.get(KafkaProjectorService, { strict: false });
  const deadline = Date.now() + 300_000;
  while (!worker.leads) {
    if (Date.now() > deadline) throw new Error('the test worker never took its leases');
    await new Promise((r) => setTimeout(r, 50));
  }
  // Quiet twice in a row: nothing left to relay, to react to, to fire or to project.
  for (let quiet = 0; quiet < 2; ) {
    if (Date.now() > deadline) throw new Error('the distributed app did not settle within 300 s');
    await worker.promoteDue();
    await worker.caughtUp();
    const [lag, timers] = [await projector.lag(), await worker.pendingTimers()];
    quiet = lag === 0 && timers === 0 ? quiet + 1 : 0;
    if (!quiet) await new Promise((r) => setTimeout(r, 50));
  }
}

async function dropServers(config: DemarcheConfig): Promise<void> {
  const { mongoUrl, mongoDb, kafkaBrokers, kafkaTopic, redisPrefix, kafkaGroup } = config.distributed;
  const mongo = await connectMongo(mongoUrl, mongoDb);
  await mongo.dropDatabase().catch(() => undefined);
  await mongo.close();
  const kafka = await connectKafka(kafkaBrokers);
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [kafkaTopic, `${kafkaTopic}.dlq`] }).catch(() => undefined);
  await admin.deleteGroups([kafkaGroup]).catch(() => undefined);
  await admin.disconnect();
  const keys = execFileSync('redis-cli', ['--scan', '--pattern', `${redisPrefix}:*`], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (let i = 0; i < keys.length; i += 500) execFileSync('redis-cli', ['del', ...keys.slice(i, i + 500)]);
}

/** Deletes a stopped test app's data: its folder and, on the distributed profile, its database, topics, group and keys. */
export async function destroyTestData(dataDir: string): Promise<void> {
  if (TEST_PROFILE === 'distributed') await dropServers(loadConfig({ ...process.env, DEMARCHE_DATA_DIR: dataDir, ...distributedEnv(dataDir) }));
  rmSync(dataDir, { recursive: true, force: true });
}

/** The environment for a `demarche` command that works on a test app's data, on the test profile. */
export function cliEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const tokens = { DEMARCHE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, DEMARCHE_TOKEN: TEST_ADMIN_TOKEN };
  return { ...process.env, DEMARCHE_DATA_DIR: dataDir, ...tokens, ...(TEST_PROFILE === 'distributed' ? distributedEnv(dataDir) : {}), ...extra };
}

/** The event store of a test app's data, opened directly (the app stopped), on the test profile. */
export async function openTestEventStore(dataDir: string) {
  const [{ SqliteEventStore }, { openSqliteDatabase }, { MongoEventStore }] = await Promise.all([
    import('../../libs/event-store/infrastructure/sqlite-event-store.js'),
    import('../../libs/platform/persistence/sqlite-database.js'),
    import('../../libs/event-store/infrastructure/mongo-event-store.js'),
  ]);
  if (TEST_PROFILE !== 'distributed') return new SqliteEventStore(openSqliteDatabase(dataDir));
  return MongoEventStore.connect(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017', distributedEnv(dataDir).DEMARCHE_MONGO_DB!);
}

/** The read models of a test app's data, opened directly (the app stopped), on the test profile; `close` when done. */
export async function openTestReadModels(dataDir: string) {
  const [{ SqliteReadModelStore }, { MongoReadModelStore }] = await Promise.all([
    import('../../libs/projections/infrastructure/sqlite-read-model-store.js'),
    import('../../libs/projections/infrastructure/mongo-read-model-store.js'),
  ]);
  if (TEST_PROFILE !== 'distributed') {
    const { openSqliteDatabase } = await import('../../libs/platform/persistence/sqlite-database.js');
    const db = openSqliteDatabase(dataDir);
    return { store: new SqliteReadModelStore(db), close: async () => db.close() };
  }
  const store = await MongoReadModelStore.connect(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017', distributedEnv(dataDir).DEMARCHE_MONGO_DB!);
  return { store, close: () => store.close() };
}
