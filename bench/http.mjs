// The HTTP figures: single-event commands (32 concurrent) against driver insertOne, and the
// end-to-end lag at half the sustained maximum against a Kafka produce -> consume round trip.
// Demarche runs in child processes (api role alone, then all roles), as `npm run start:*` would.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import { MongoReadModelStore } from '../dist/libs/projections/infrastructure/mongo-read-model-store.js';
import { median, now, percentile, pool, profiledRepetition, rawEventDoc, round, sleep } from './lib.mjs';
import { ProjectorTurns } from './projector-turns.mjs';

const { Partitioners } = kafkajs;
const root = fileURLToPath(new URL('..', import.meta.url));
const META = { actor: 'bench', correlationId: 'bench', causationId: 'bench' };

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The day `n` days after 2009-01-01 (CCM opened for signature on 2008-12-03). */
const dayAfter = (n) => new Date(Date.UTC(2009, 0, 1) + n * 86_400_000).toISOString().slice(0, 10);

export class HttpBench {
  constructor(bench, { states = 60, profile = false } = {}) {
    this.b = bench;
    this.profile = profile;
    // The app seeds the shipped states at its first start. A copy of reference/ with fewer
    // states keeps that setup short on a slow server; the figures do not depend on it.
    this.referenceDir = mkdtempSync(join(tmpdir(), 'demarche-bench-reference-'));
    cpSync(join(root, 'reference'), this.referenceDir, { recursive: true });
    const csv = readFileSync(join(root, 'reference/ccm-states.csv'), 'utf8').trimEnd().split('\n');
    const keep = new Set(['NOR', ...[...readFileSync(join(root, 'reference/ccm-withdrawals.csv'), 'utf8').matchAll(/^([A-Z]{3}),/gm), ...readFileSync(join(root, 'reference/states-since.csv'), 'utf8').matchAll(/^([A-Z]{3}),/gm)].map((m) => m[1])]);
    const rows = csv.slice(1).filter((line) => keep.has(line.slice(0, 3)));
    for (const line of csv.slice(1)) if (rows.length < states && !rows.includes(line)) rows.push(line);
    writeFileSync(join(this.referenceDir, 'ccm-states.csv'), `${[csv[0], ...rows].join('\n')}\n`);
    this.token = randomBytes(24).toString('base64url');
    this.appDb = bench.db('app');
    this.topic = `${bench.run}.app`;
    bench.topics.add(this.topic).add(`${this.topic}.dlq`);
    this.group = bench.group('app-projector');
    // Several campaigns, so that 32 requests in flight land on different streams (a country's
    // outreach stream is per campaign); a 409 is retried as a client would.
    this.campaigns = Array.from({ length: 8 }, (_, i) => `bench-${i}`);
    this.conflicts = 0;
    this.missionId = 'bench-mission';
    this.next = 0;
    this.children = new Set();
  }

  env(port) {
    return {
      ...process.env,
      PORT: String(port),
      DEMARCHE_PROFILE: 'distributed',
      MONGO_URL: this.b.mongoUrl,
      KAFKA_BROKERS: this.b.kafkaBrokers,
      REDIS_URL: this.b.redisUrl,
      DEMARCHE_MONGO_DB: this.appDb,
      DEMARCHE_KAFKA_TOPIC: this.topic,
      DEMARCHE_KAFKA_GROUP: this.group,
      DEMARCHE_REDIS_PREFIX: this.redisPrefix,
      DEMARCHE_ADMIN_TOKEN: this.token,
      DEMARCHE_REFERENCE_DIR: this.referenceDir,
      // Rate limits (per token, per window) high enough never to throttle the bench.
      DEMARCHE_RATE_LIMIT: '100000000',
    };
  }

  async startApp(entry) {
    const port = await freePort();
    // --profile: the app writes a V8 CPU profile to bench/profiles when it stops.
    const profile = this.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(root, 'bench/profiles')}`, `--cpu-prof-name=${entry}-${Date.now()}.cpuprofile`] : [];
    // --system-profile: the app writes a JIT map, so that perf names its JavaScript functions.
    const jit = this.b.profiler?.nodeFlags() ?? [];
    const child = spawn(process.execPath, [...profile, ...jit, `dist/apps/${entry}/main.js`], { cwd: root, env: this.env(port), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output = (output + d).slice(-4000)));
    child.stderr.on('data', (d) => (output = (output + d).slice(-4000)));
    this.children.add(child);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    this.base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 300_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`Demarche ${entry} exited (${child.exitCode}):\n${output}`);
      if (Date.now() > deadline) throw new Error(`Demarche ${entry} did not answer within 300 s:\n${output}`);
      // The api role seeds the states before it listens; read models may not exist yet.
      const ok = await fetch(`${this.base}/v1/events?type=CountryRegistered&limit=1`, { headers: this.headers() }).then((r) => r.ok, () => false);
      if (ok) break;
      await sleep(250);
    }
    return {
      stop: async () => {
        if (child.exitCode === null) child.kill('SIGTERM');
        await Promise.race([exited, sleep(30_000).then(() => child.kill('SIGKILL'))]);
        this.children.delete(child);
        this.b.profiler?.releaseApp(child.pid);
      },
    };
  }

  headers() {
    return { authorization: `Bearer ${this.token}`, 'content-type': 'application/json', 'x-demarche-actor': 'bench' };
  }

  async post(path, body) {
    let res;
    for (let attempt = 1; ; attempt++) {
      try {
        res = await fetch(`${this.base}${path}`, { method: 'POST', headers: this.headers(), body: JSON.stringify(body) });
        break;
      } catch (error) {
        // A kept-alive socket the server closed just as it was reused: the request never
        // reached the app (the meeting is idempotent anyway), so send it again, and count it.
        if (attempt >= 3) throw new Error(`POST ${path}: ${error.message} (${error.cause?.code ?? error.cause?.message ?? 'no cause'})`);
        this.networkRetries = (this.networkRetries ?? 0) + 1;
      }
    }
    const json = await res.json().catch(() => ({}));
    return { status: res.status, body: json };
  }

  /** A campaign and a mission accredited to every country that takes letters. */
  async setUp() {
    const list = await fetch(`${this.base}/v1/events?type=CountryRegistered&limit=1000`, { headers: this.headers() }).then((r) => r.json());
    const all = [...new Set((list.items ?? []).map((e) => e.data?.iso3).filter((x) => typeof x === 'string'))];
    this.countries = all.slice(0, 60);
    for (const id of this.campaigns) {
      const c = await this.post('/v1/campaigns', { id, treaty: 'CCM', title: `Benchmark campaign ${id}`, coordinators: ['NOR'], startsOn: '2009-01-01' });
      if (c.status >= 300) throw new Error(`POST /v1/campaigns answered ${c.status}: ${JSON.stringify(c.body)}`);
    }
    const m = await this.post('/v1/missions', { id: this.missionId, name: 'Benchmark mission', kind: 'non-resident', coordinator: 'NOR', accreditedTo: this.countries });
    if (m.status >= 300) throw new Error(`POST /v1/missions answered ${m.status}: ${JSON.stringify(m.body)}`);
  }

  /** A meeting never recorded before: one MeetingHeld event on the country's outreach stream. */
  async meeting() {
    const g = this.next++;
    const streams = this.countries.length * this.campaigns.length;
    const iso3 = this.countries[g % this.countries.length];
    const campaignId = this.campaigns[Math.floor(g / this.countries.length) % this.campaigns.length];
    const heldOn = dayAfter(Math.floor(g / streams));
    for (let attempt = 1; ; attempt++) {
      const res = await this.post(`/v1/countries/${iso3}/meetings`, { campaignId, missionId: this.missionId, heldOn });
      if (res.status === 409 && attempt < 10) {
        this.conflicts++;
        continue;
      }
      if (res.status !== 201 || !res.body.eventIds?.length) throw new Error(`POST meetings answered ${res.status}: ${JSON.stringify(res.body)}`);
      return { campaignId, streamId: `outreach-${campaignId}-${iso3}`, version: res.body.streamVersion };
    }
  }

  // 2. single-event commands, 32 concurrent, HTTP to stored, vs driver insertOne with the same unique index.
  async commands({ reps, warmup, requests, concurrency = 32 }) {
    const t0 = now();
    const app = await this.startApp('api');
    this.b.log(`commands: the api role answered after ${((now() - t0) / 1000).toFixed(1)} s (seeding the states)`);
    const raw = this.b.rawDb.collection('single');
    await raw.createIndex({ streamId: 1, streamVersion: 1 }, { unique: true });
    const versions = new Map();
    try {
      await this.setUp();
      this.b.log(`commands: ${reps} reps of ${requests} POST /v1/countries/{iso3}/meetings, ${concurrency} at a time, against insertOne`);
      const { interleaved } = await import('./lib.mjs');
      const result = await interleaved({
        reps,
        warmup,
        log: this.b.log,
        profile: this.b.profiler?.hook('commands'),
        ours: async () => {
          const { latencies, elapsed } = await pool(requests, concurrency, () => this.meeting());
          return { rate: requests / (elapsed / 1000), latencies };
        },
        raw: async () => {
          const { latencies, elapsed } = await pool(requests, concurrency, async (i) => {
            const streamId = `outreach-bench-${this.countries[i % this.countries.length]}`;
            const v = (versions.get(streamId) ?? 0) + 1;
            versions.set(streamId, v);
            const e = { id: randomUUID(), type: 'MeetingHeld', schemaVersion: 1, occurredAt: '2020-01-01', data: { campaignId: 'bench', treaty: 'CCM', iso3: 'KEN', missionId: this.missionId, heldOn: '2020-01-01' }, metadata: META };
            await raw.insertOne(rawEventDoc(e, streamId, v, 0, new Date().toISOString()));
          });
          return { rate: requests / (elapsed / 1000), latencies };
        },
      });
      return { ...result, conflictsRetried: this.conflicts, networkRetries: this.networkRetries ?? 0, streams: this.countries.length * this.campaigns.length };
    } finally {
      await app.stop();
    }
  }

  // 9. end-to-end lag at half the sustained maximum: HTTP accepted -> read model updated,
  // against a Kafka produce -> consume round trip at the same rate. The sustained maximum is
  // the all-roles app's, end to end: the commands it takes and projects per second, 32 at a
  // time (the api role alone takes more than the relay and the projector can follow on the
  // same two cores, and at half of that the lag only grows). `rate` fixes it instead.
  async lag({ reps, warmup = 0, seconds, rate, sustainedCommands = 1_500 }) {
    if (!this.countries) throw new Error('the commands figure did not set up the campaign');
    const t0 = now();
    const app = await this.startApp('demarche');
    this.b.log(`lag: all roles answered after ${((now() - t0) / 1000).toFixed(1)} s`);
    const readModels = await MongoReadModelStore.connect(this.b.mongoUrl, this.appDb);
    // The stream versions the campaign summaries have seen, all of them or the timed ones'.
    const seenIn = (docs) => Object.assign({}, ...docs.map((d) => d?._seen ?? {}));
    const seen = async () => seenIn(await readModels.find('campaigns'));
    // The lag is timed on the commands of two of the campaigns (every campaign gets its share
    // of the load), so that the probe reads two summaries rather than all of them: on FerretDB
    // a read of the eight cost 41 ms of CPU, a quarter of the machine at 13 reads a second.
    const timed = this.campaigns.slice(0, TIMED_CAMPAIGNS);
    const seenTimed = async () => seenIn(await Promise.all(timed.map((id) => readModels.get('campaigns', id))));
    const turns = new ProjectorTurns(this.b.redisUrl, this.redisPrefix, 'campaign-summary');
    const topic = await this.b.topic('rtt');
    const producer = this.b.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    const consumer = this.b.kafka.consumer({ groupId: this.b.group('rtt') });
    const arrived = new Map();
    // A tap on the app's own topic (a group of its own): when each command's event reached
    // Kafka, which splits the lag into the relay's part and the projector's.
    const tap = this.b.kafka.consumer({ groupId: this.b.group('lag-tap') });
    const published = new Map();
    try {
      // Wait until the projector has caught up with everything the command figure recorded.
      const probe = await this.meeting();
      const deadline = Date.now() + 600_000;
      while (((await seen())[probe.streamId] ?? 0) < probe.version) {
        if (Date.now() > deadline) throw new Error('the read model did not catch up within 600 s');
        await sleep(200);
      }
      this.b.log(`lag: the read model caught up after ${((now() - t0) / 1000).toFixed(1)} s`);
      let sustained;
      if (!rate) {
        // Closed loop, 32 in flight, until every command is in the read model: three times, the median.
        const rates = [];
        for (let i = 0; i < 3; i++) {
          const start = now();
          const recorded = [];
          await pool(sustainedCommands, 32, async () => void recorded.push(await this.meeting()));
          const last = new Map();
          for (const { streamId, version } of recorded) last.set(streamId, Math.max(last.get(streamId) ?? 0, version));
          for (;;) {
            const s = (await turns.look(seen))?.seen;
            if (s && [...last].every(([streamId, version]) => (s[streamId] ?? 0) >= version)) break;
            if (now() - start > 600_000) throw new Error('the read model did not catch up with the sustained-rate commands within 600 s');
            await sleep(20);
          }
          rates.push(sustainedCommands / ((now() - start) / 1000));
          this.b.log(`  sustained ${i + 1}/3: ${round(rates.at(-1))} commands/s accepted and projected`);
        }
        sustained = round(median(rates));
        rate = Math.max(1, Math.round(sustained / 2));
      }
      await producer.connect();
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: false });
      await consumer.run({ eachMessage: async ({ message }) => void arrived.set(message.key.toString(), now()) });
      await tap.connect();
      await tap.subscribe({ topic: this.topic, fromBeginning: false });
      await tap.run({
        eachMessage: async ({ message }) => void published.set(`${message.headers?.ce_subject}#${message.headers?.ce_demarcheversion}`, now()),
      });
      for (let k = 0; ; k++) {
        await producer.send({ topic, acks: -1, messages: [{ key: `probe-${k}`, value: 'x' }] });
        await sleep(200);
        if (arrived.has(`probe-${k}`)) break;
        if (k > 300) throw new Error('the round-trip consumer never received its probe');
      }
      this.b.log(`lag: ${reps} reps of ${seconds} s at ${rate} commands/s (half the sustained maximum), p99 per rep`);
      const ours = [];
      const raw = [];
      const hook = this.b.profiler?.hook('lag');
      const profiled = (side, i, fn) => (hook && i === profiledRepetition(reps) ? hook(side, fn) : fn());
      for (let i = -warmup; i < reps; i++) {
        const readsBefore = turns.reads;
        const o = await profiled('ours', i, () => this.openLoop(rate, seconds, async () => {
          const { campaignId, streamId, version } = await this.meeting();
          const accepted = now();
          return timed.includes(campaignId) ? { accepted, streamId, version } : undefined;
        }, async (pending) => {
          // Nothing can be in the read model before it is on Kafka (the tap sees it there).
          if (!pending.some((p) => published.has(`${p.streamId}#${p.version}`))) return [];
          const look = await turns.look(seenTimed);
          if (!look) return [];
          const ready = pending.filter((p) => (look.seen[p.streamId] ?? 0) >= p.version);
          for (const p of ready) p.updatedAt = look.at;
          return ready;
        }, (p) => p.updatedAt, (p) => published.get(`${p.streamId}#${p.version}`)));
        o.probeReadsPerSecond = (turns.reads - readsBefore) / o.seconds;
        const r = await profiled('raw', i, () => this.openLoop(rate, seconds, async (k) => {
          const key = `m-${i}-${k}-${randomUUID()}`;
          const sent = now();
          await producer.send({ topic, acks: -1, messages: [{ key, value: String(sent) }] });
          return { accepted: sent, key };
        }, async (pending) => pending.filter((p) => arrived.has(p.key)), (p) => arrived.get(p.key)));
        this.b.log(
          `  ${i < 0 ? 'warm-up' : `rep ${i + 1}/${reps}`}: ours p99 ${round(o.p99)} ms (p50 ${round(o.p50)}, ${o.n} commands timed, ${o.errors} errors; ` +
            `on Kafka after p50 ${round(o.stageP50)} p99 ${round(o.stageP99)} ms; read model read ${round(o.probeReadsPerSecond)} times/s), kafka round trip p99 ${round(r.p99)} ms`,
        );
        if (i >= 0) {
          ours.push(o);
          raw.push(r);
        }
      }
      const sum = (runs) => ({ p99sMs: runs.map((x) => round(x.p99)), medianP99Ms: round(median(runs.map((x) => x.p99))), medianP50Ms: round(median(runs.map((x) => x.p50))), errors: runs.reduce((n, x) => n + x.errors, 0) });
      const o = {
        ...sum(ours),
        publishedMedianP50Ms: round(median(ours.map((x) => x.stageP50))),
        publishedMedianP99Ms: round(median(ours.map((x) => x.stageP99))),
        probeReadsPerSecond: round(median(ours.map((x) => x.probeReadsPerSecond))),
        timedCampaigns: timed.length,
        campaigns: this.campaigns.length,
        timedPerRepetition: round(median(ours.map((x) => x.n))),
      };
      const r = sum(raw);
      return { ratePerSecond: rate, ...(sustained ? { sustainedPerSecond: sustained } : {}), seconds, ours: o, raw: r, ratio: round(o.medianP99Ms / r.medianP99Ms, 2) };
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await tap.disconnect().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
      await readModels['connection']?.close?.().catch(() => undefined);
      turns.close();
      await app.stop();
    }
  }

  get redisPrefix() {
    return `${this.b.run}_app`;
  }

  /**
   * Starts `send` at a fixed rate for `seconds` (open loop: a slow answer does not slow the
   * schedule), then polls `done` every 5 ms; the lag of each is from its acceptance to the
   * poll that found it (or to `arrivedAt` when the arrival time is known exactly). What
   * `send` answers with `undefined` is load only, not timed.
   */
  async openLoop(rate, seconds, send, done, arrivedAt, stageAt) {
    const total = Math.max(1, Math.round(rate * seconds));
    const pending = [];
    const lags = [];
    const stages = [];
    let errors = 0;
    const t0 = now();
    const sends = [];
    let finished = false;
    const poller = (async () => {
      while (!finished || pending.length) {
        if (pending.length) {
          const ready = new Set(await done([...pending]));
          const t = now();
          for (let j = pending.length - 1; j >= 0; j--) {
            const p = pending[j];
            if (ready.has(p)) {
              lags.push((arrivedAt ? arrivedAt(p) : t) - p.accepted);
              const stage = stageAt?.(p);
              if (stage !== undefined) stages.push(stage - p.accepted);
              pending.splice(j, 1);
            }
          }
          if (finished && now() - t0 > seconds * 1000 + 120_000) break;
        }
        await sleep(5);
      }
    })();
    for (let k = 0; k < total; k++) {
      const due = t0 + (k * 1000) / rate;
      const wait = due - now();
      if (wait > 0) await sleep(wait);
      // `send` may time only some of what it sends (it answers undefined for the others).
      sends.push(send(k).then((p) => void (p && pending.push(p)), () => void errors++));
    }
    await Promise.all(sends);
    finished = true;
    await poller;
    errors += pending.length;
    return { n: lags.length, errors, seconds: (now() - t0) / 1000, p50: percentile(lags, 50), p99: percentile(lags, 99), stageP50: percentile(stages, 50), stageP99: percentile(stages, 99) };
  }

  async close() {
    for (const child of this.children) {
      child.kill('SIGKILL');
      this.b.profiler?.releaseApp(child.pid);
    }
    rmSync(this.referenceDir, { recursive: true, force: true });
  }
}

/** Campaigns whose commands the lag figure times (of `HttpBench.campaigns`, which all get load). */
const TIMED_CAMPAIGNS = 2;
