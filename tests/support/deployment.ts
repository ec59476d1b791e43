import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { projectRoot } from '../../libs/platform/config/config.js';
import { freePort } from './free-port.js';
import { distributedEnv, TEST_ADMIN_TOKEN } from './running-app.js';

export type AppName = 'api' | 'projector' | 'worker';

/** The servers the tests use: those of `npm run infra:up` unless the environment names others. */
export const KAFKA_BROKER = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')[0]!;
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The states that are not parties to the CCM in the shipped record: the campaigns' targets. */
export function ccmNonParties(): string[] {
  const rows = readFileSync(join(projectRoot(), 'reference/ccm-states.csv'), 'utf8').trim().split('\n').slice(1);
  return rows.map((l) => l.split(',')).filter((c) => !c[5]).map((c) => c[0]!);
}

/**
 * Demarche as production runs it: built apps started as separate processes on the
 * distributed profile, sharing one database, topic, consumer group and Redis prefix of
 * their own. Every line each process writes is kept under test-artifacts/<name>/.
 */
export class Deployment {
  readonly root = projectRoot();
  readonly dir = mkdtempSync(join(tmpdir(), 'demarche-procs-'));
  readonly names = distributedEnv(this.dir);
  readonly processes = new Map<string, ChildProcess>();
  private readonly logs = new Map<string, string>();
  private readonly artifacts: string;
  port = 0;

  constructor(artifactsName: string) {
    this.artifacts = join(this.root, 'test-artifacts', artifactsName);
    rmSync(this.artifacts, { recursive: true, force: true });
    mkdirSync(this.artifacts, { recursive: true });
  }

  /** Checks the servers are up and takes a port for the api. */
  async prepare(): Promise<void> {
    execFileSync('bash', [join(this.root, 'deploy/infra/infra.sh'), 'status'], { encoding: 'utf8' });
    this.port = await freePort();
  }

  /** Starts the api, waits until it has seeded the states and answers, then starts the other processes. */
  async startAll(others: Record<string, Exclude<AppName, 'api'>>): Promise<void> {
    await this.prepare();
    this.start('api', 'api');
    await this.until('the api to seed the states and answer', async () => ((await fetch(this.url('/health/ready'))).ok ? true : undefined), 180_000);
    for (const [name, app] of Object.entries(others)) this.start(name, app);
  }

  start(name: string, app: AppName, env: Record<string, string> = {}): ChildProcess {
    const child = spawn(process.execPath, [join(this.root, `dist/apps/${app}/main.js`)], {
      env: { ...process.env, ...this.names, DEMARCHE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, PORT: String(this.port), DEMARCHE_DATA_DIR: this.dir, KAFKAJS_NO_PARTITIONER_WARNING: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (!this.logs.has(name)) this.logs.set(name, '');
    const keep = (chunk: Buffer) => {
      this.logs.set(name, (this.logs.get(name)! + chunk.toString()).slice(-20_000));
      appendFileSync(join(this.artifacts, `${name}.log`), chunk);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.processes.set(name, child);
    return child;
  }

  /**
   * Starts a process again as a supervisor would, until it says it started: a process ends at
   * start when a server it needs does not answer (a restart of Kafka under way, say), and a
   * supervisor then starts it again.
   */
  async restart(name: string, app: AppName, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const child = this.start(name, app);
      const started = await new Promise<boolean>((resolve) => {
        const onData = (chunk: Buffer) => void (/\) started\b/.test(chunk.toString()) && resolve(true));
        child.stdout!.on('data', onData);
        child.stderr!.on('data', onData);
        child.once('exit', () => resolve(false));
      });
      if (started) return;
      if (Date.now() > deadline) throw new Error(`${name} did not start within ${timeoutMs} ms:\n${(this.logs.get(name) ?? '').slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  /** Kills a process with SIGKILL and waits until it is gone. */
  async kill(name: string): Promise<void> {
    const child = this.processes.get(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe().catch(() => undefined);
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}. Logs:\n${[...this.logs].map(([n, l]) => `--- ${n}\n${l.slice(-3000)}`).join('\n')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /**
   * Posts like a well-behaved client: a 409 for a concurrent write is retried at once, a 503
   * (a server down) or a lost connection after the time the API asks for; anything else but
   * 201 fails. Returns the 201 answer. `onRetry` is told of each attempt made again.
   */
  async post(path: string, body: object, patienceMs = 0, onRetry?: () => void): Promise<Response> {
    const deadline = Date.now() + patienceMs;
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(this.url(path), { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_TOKEN}` }, body: JSON.stringify(body) });
      } catch (error) {
        if (Date.now() > deadline) throw error;
        onRetry?.();
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (res.status === 201) return res;
      const text = await res.text();
      if (res.status === 409 && text.includes('concurrent-write') && attempt < 10) continue;
      if (res.status === 503 && Date.now() < deadline) {
        onRetry?.();
        await new Promise((r) => setTimeout(r, Math.min(5, Number(res.headers.get('retry-after') ?? 1)) * 1000));
        continue;
      }
      throw new Error(`${path} answered ${res.status}: ${text}`);
    }
  }

  async get(path: string): Promise<any> {
    const res = await fetch(this.url(path), { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    if (!res.ok) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
    return res.json();
  }

  /** Every stored event of a type, through the API's paged history. */
  async allEvents(type: string): Promise<any[]> {
    const out: any[] = [];
    for (let after = 0; ; ) {
      const page = await this.get(`/v1/events?type=${type}&limit=1000&after=${after}`);
      out.push(...page.items);
      if (page.next === null) return out;
      after = page.next;
    }
  }

  /** Stops every process (SIGTERM, SIGKILL after 15 s) and removes the deployment's data. */
  async destroy(): Promise<void> {
    await Promise.all(
      [...this.processes.values()].map(async (c) => {
        if (c.exitCode !== null || c.signalCode !== null) return;
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGTERM');
        const timer = setTimeout(() => c.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }),
    );
    const mongo = await MongoClient.connect(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017');
    await mongo.db(this.names.DEMARCHE_MONGO_DB).dropDatabase();
    await mongo.close();
    const redis = `redis-cli -u '${REDIS_URL}'`;
    execFileSync('bash', ['-c', `${redis} --scan --pattern '${this.names.DEMARCHE_REDIS_PREFIX}:*' | xargs -r ${redis} del > /dev/null`]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
