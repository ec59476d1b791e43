import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { SQLITE } from '../../libs/platform/persistence/handles.js';
import { EVENT_STORE, type EventStore } from '../../libs/event-store/index.js';
import { type SqliteDatabase } from '../../libs/platform/persistence/sqlite-database.js';
import { eventually } from '../support/eventually.js';
import { startTestApp, TEST_PROFILE, type RunningApp } from '../support/running-app.js';

/** The value of one sample of the exposition text, or undefined when it is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const body = /\{([^}]*)\}/.exec(line)?.[1] ?? '';
    const found = Object.fromEntries([...body.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

/** Starting on the distributed profile seeds the 197 states through MongoDB and Kafka: slow on a busy machine. */
const SETUP_TIMEOUT_MS = 420_000;

const mission = (id: string, name = `Embassy ${id}`) => ({ id, name, kind: 'resident', coordinator: 'NOR', accreditedTo: ['KEN'] });

describe(`operations endpoints (${TEST_PROFILE})`, () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startTestApp();
  }, SETUP_TIMEOUT_MS);
  afterAll(() => app?.destroy());

  it('answers /health/live and /health/ready without a token, naming each server it checked', async () => {
    await app.as(undefined).get('/health/live').expect(200, { status: 'ok' });
    const ready = await app.as(undefined).get('/health/ready').expect(200);
    expect(ready.body.status).toBe('ok');
    const servers = TEST_PROFILE === 'distributed' ? ['mongodb', 'kafka', 'redis'] : ['sqlite'];
    expect(Object.keys(ready.body.details).sort()).toEqual(servers.sort());
    for (const s of servers) expect(ready.body.details[s].status).toBe('up');
  });

  it('echoes the caller\'s X-Request-Id, records it as the correlation id, and makes one up otherwise', async () => {
    const res = await app.http().post('/v1/missions').set('X-Request-Id', 'obs-corr-1').send(mission('obs-corr')).expect(201);
    expect(res.headers['x-request-id']).toBe('obs-corr-1');
    const events = await app.http().get(`/v1/events?stream=mission-obs-corr`).expect(200);
    const recorded = (events.body.items ?? events.body.events ?? []) as { correlationId?: string; metadata?: { correlationId?: string } }[];
    expect(recorded.length).toBeGreaterThan(0);
    expect(recorded.map((e) => e.correlationId ?? e.metadata?.correlationId)).toEqual(recorded.map(() => 'obs-corr-1'));
    const other = await app.as(undefined).get('/health/live').expect(200);
    expect(other.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    // A header that is not a usable id is replaced, not echoed.
    const odd = await app.as(undefined).get('/health/live').set('X-Request-Id', 'no spaces <allowed>').expect(200);
    expect(odd.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('exposes commands by outcome, append latency, lags, queue depths and process metrics on /metrics', async () => {
    await app.http().post('/v1/missions').send(mission('obs-a')).expect(201);
    await app.http().post('/v1/missions').send(mission('obs-b')).expect(201);
    await app.http().post('/v1/missions').send({ ...mission('obs-c'), kind: 'consulate' }).expect(400);
    await app.http().post('/v1/missions').send(mission('obs-a', 'Another name')).expect(409);
    await app.settle();
    const res = await app.as(undefined).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.text;
    const commands = (outcome: string, statusClass: string) => sample(text, 'demarche_commands_total', { route: '/v1/missions', outcome, status_class: statusClass }) ?? 0;
    expect(commands('accepted', '2xx')).toBeGreaterThanOrEqual(3);
    expect(commands('refused', '4xx')).toBe(1);
    expect(commands('conflict', '4xx')).toBe(1);
    // The seed and the missions were appended through the command runner.
    expect(sample(text, 'demarche_event_append_duration_seconds_count', { outcome: 'appended' })).toBeGreaterThanOrEqual(3);
    const appendSum = sample(text, 'demarche_event_append_duration_seconds_sum', { outcome: 'appended' })!;
    expect(appendSum).toBeGreaterThan(0);
    expect(appendSum).toBeLessThan(600);
    // Settled: nothing is waiting.
    for (const projection of ['country-status', 'campaign-summary', 'follow-up-queue', 'state-history', 'follow-up-policy', 'assignment-mails', 'webhook-deliveries']) {
      expect(sample(text, 'demarche_projection_lag_events', { projection })).toBe(0);
    }
    for (const queue of ['bilateral', 'regional', 'high-level']) {
      const states = TEST_PROFILE === 'distributed' ? ['waiting', 'delayed', 'active', 'failed'] : ['pending'];
      for (const state of states) expect(sample(text, 'demarche_follow_up_queue_depth', { queue, state })).toBeGreaterThanOrEqual(0);
    }
    if (TEST_PROFILE === 'distributed') {
      expect(sample(text, 'demarche_relay_lag_events')).toBe(0);
      expect(sample(text, 'demarche_dlq_messages')).toBe(0);
      for (const server of ['mongodb', 'kafka', 'redis']) expect(sample(text, 'demarche_server_up', { server })).toBe(1);
    } else {
      expect(sample(text, 'demarche_relay_lag_events')).toBeUndefined();
      expect(sample(text, 'demarche_dlq_messages')).toBeUndefined();
      expect(sample(text, 'demarche_server_up', { server: 'sqlite' })).toBe(1);
    }
    expect(sample(text, 'demarche_process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sample(text, 'demarche_nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('counts a backlog: the lag gauges show what the background work has not reached', async () => {
    // No worker: nothing relays what the api records (it seeds the CCM record), nothing runs the
    // playbook, and on the embedded profile nothing projects either.
    const apiOnly = await startTestApp({ roles: TEST_PROFILE === 'distributed' ? ['api', 'projector'] : ['api'] });
    try {
      const head = await apiOnly.app.get<EventStore>(EVENT_STORE).headPosition();
      expect(head).toBeGreaterThan(100);
      const text = (await apiOnly.as(undefined).get('/metrics').expect(200)).text;
      expect(sample(text, 'demarche_projection_lag_events', { projection: 'country-status' })).toBe(head);
      expect(sample(text, 'demarche_projection_lag_events', { projection: 'follow-up-policy' })).toBe(head);
      // The worker's subscriptions that write the mail and webhook outboxes lag behind with it.
      for (const projection of ['assignment-mails', 'webhook-deliveries']) expect(sample(text, 'demarche_projection_lag_events', { projection })).toBe(head);
      if (TEST_PROFILE === 'distributed') expect(sample(text, 'demarche_relay_lag_events')).toBe(head);
    } finally {
      await apiOnly.destroy();
    }
  }, SETUP_TIMEOUT_MS);
});

/** A TCP relay to the real MongoDB-wire server that the test can cut and restore. */
class CuttableProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;
  constructor(private readonly target: { host: string; port: number }) {}
  async open(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }
  async cut(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.sockets.forEach((s) => s.destroy());
    await closed;
  }
}

describe(`when the store does not answer (${TEST_PROFILE})`, () => {
  it('answers 503 with Retry-After and a problem body, says which server on /health/ready, and recovers', async () => {
    let proxy: CuttableProxy | undefined;
    const saved = process.env.MONGO_URL;
    if (TEST_PROFILE === 'distributed') {
      const real = new URL(saved ?? 'mongodb://127.0.0.1:27017');
      proxy = new CuttableProxy({ host: real.hostname, port: Number(real.port || 27017) });
      await proxy.open();
      process.env.MONGO_URL = `mongodb://127.0.0.1:${proxy.port}`;
    }
    const app = await startTestApp({ seedStates: false }).finally(() => {
      if (saved === undefined) delete process.env.MONGO_URL;
      else process.env.MONGO_URL = saved;
    });
    try {
      await app.http().post('/v1/missions').send(mission('before-outage')).expect((r) => expect(r.status).toBeLessThan(500));
      if (proxy) await proxy.cut();
      else app.app.get<SqliteDatabase>(SQLITE, { strict: false }).close();

      const started = Date.now();
      const refused = await app.http().post('/v1/missions').send(mission('during-outage'));
      expect(refused.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(refused.headers['retry-after']).toBe('5');
      expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(refused.body).toMatchObject({ status: 503, code: 'server-unavailable' });
      expect(refused.body.detail).toMatch(TEST_PROFILE === 'distributed' ? /MongoDB/ : /SQLite/);

      const ready = await app.as(undefined).get('/health/ready').expect(503);
      expect(ready.headers['retry-after']).toBe('5');
      const server = TEST_PROFILE === 'distributed' ? 'mongodb' : 'sqlite';
      expect(ready.body.servers).toEqual([{ server, message: expect.stringMatching(/does not answer|closed/) }]);
      expect(ready.body.detail).toMatch(/check/);
      // The process is alive all along.
      await app.as(undefined).get('/health/live').expect(200);
      const metrics = (await app.as(undefined).get('/metrics').expect(200)).text;
      expect(sample(metrics, 'demarche_server_up', { server })).toBe(0);

      if (proxy) {
        // The server comes back on the same address: readiness and writes resume by themselves.
        await proxy.open();
        let last: unknown;
        await eventually(
          async () => {
            const res = await app.as(undefined).get('/health/ready');
            last = res.body;
            return res.status === 200 ? true : undefined;
          },
          'readiness after MongoDB came back',
          60_000,
        ).catch((error) => {
          throw new Error(`${(error as Error).message}; /health/ready last said ${JSON.stringify(last)}`);
        });
        let lastWrite: unknown;
        await eventually(
          async () => {
            const res = await app.http().post('/v1/missions').send(mission('after-outage'));
            lastWrite = { status: res.status, body: res.body };
            return res.status < 500 ? true : undefined;
          },
          'a write after MongoDB came back',
          60_000,
        ).catch((error) => {
          throw new Error(`${(error as Error).message}; the last write got ${JSON.stringify(lastWrite)}`);
        });
        // The relay, the playbook and the projectors waited and resumed: they catch up with everything.
        await app.settle();
        const after = (await app.as(undefined).get('/metrics').expect(200)).text;
        expect(sample(after, 'demarche_relay_lag_events')).toBe(0);
        for (const projection of ['country-status', 'follow-up-queue', 'follow-up-policy']) expect(sample(after, 'demarche_projection_lag_events', { projection })).toBe(0);
        expect(sample(after, 'demarche_server_up', { server })).toBe(1);
      }
    } finally {
      await app.destroy().catch(() => undefined);
      await proxy?.cut().catch(() => undefined);
    }
  }, SETUP_TIMEOUT_MS);
});
