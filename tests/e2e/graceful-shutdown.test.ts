import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { SqliteEventStore } from '../../libs/event-store/infrastructure/sqlite-event-store.js';
import { openSqliteDatabase } from '../../libs/platform/persistence/sqlite-database.js';
import { projectRoot } from '../../libs/platform/config/config.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/free-port.js';
import { TEST_ADMIN_TOKEN } from '../support/running-app.js';

/** The built all-in-one app (`npm start`) on the embedded profile, its stdout split into lines. */
function startBuiltApp(dataDir: string, port: number): { proc: ChildProcess; lines: string[]; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), DEMARCHE_DATA_DIR: dataDir, DEMARCHE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, DEMARCHE_METRICS_TOKEN: METRICS_TOKEN, DEMARCHE_NOW: '2026-06-01T09:00:00Z' };
  for (const name of ['DEMARCHE_PROFILE', 'MONGO_URL', 'KAFKA_BROKERS', 'REDIS_URL', 'NODE_OPTIONS']) delete env[name];
  const proc = spawn(process.execPath, [join(projectRoot(), 'dist/apps/demarche/main.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  createInterface({ input: proc.stdout! }).on('line', (line) => lines.push(line));
  createInterface({ input: proc.stderr! }).on('line', (line) => lines.push(line));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return { proc, lines, exited };
}

const METRICS_TOKEN = 'scraper-secret-for-the-test';
const mission = (id: string) => ({ id, name: `Embassy ${id}`, kind: 'resident', coordinator: 'NOR', accreditedTo: ['KEN'] });

describe('the built app as a process (embedded)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'demarche-sigterm-'));
  let app: ReturnType<typeof startBuiltApp>;
  let base: string;
  const post = (path: string, body: object, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_TOKEN}`, ...headers }, body: JSON.stringify(body) });

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    app = startBuiltApp(dataDir, port);
    await eventually(async () => ((await fetch(`${base}/health/ready`).catch(() => undefined))?.status === 200 ? true : undefined), 'the app to be ready', 60_000);
  });
  afterAll(() => {
    if (app.proc.exitCode === null && app.proc.signalCode === null) app.proc.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('writes JSON log lines that carry the correlation id of the request that caused them', async () => {
    const res = await post('/v1/missions', mission('corr-mission'), { 'X-Request-Id': 'corr-from-caller-42' });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toBe('corr-from-caller-42');
    const tagged = await eventually(async () => {
      const found = app.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.correlationId === 'corr-from-caller-42');
      return found.length ? found : undefined;
    }, 'a log line with the correlation id');
    expect(tagged[0]).toMatchObject({ level: 'info', context: 'HTTP', msg: expect.stringMatching(/^POST \/v1\/missions answered 201 in \d+ ms\.$/), time: expect.any(String), pid: app.proc.pid });
    // With DEMARCHE_METRICS_TOKEN set, /metrics wants it (and only it); /health never wants a token.
    const refused = await fetch(`${base}/metrics`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await refused.json()).toMatchObject({ status: 401, code: 'metrics-token-required' });
    expect((await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } })).status).toBe(401);
    const scraped = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toMatch(/^demarche_commands_total\{route="\/v1\/missions",outcome="accepted",status_class="2xx"\} 1$/m);
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);
    // Every line is one JSON object.
    for (const line of app.lines) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('on SIGTERM answers the requests in flight, stores every one it accepted, and exits 0', async () => {
    // A request surely in flight at SIGTERM: its headers and half its body are sent before.
    const slowBody = JSON.stringify(mission('in-flight'));
    const slow = request(`${base}/v1/missions`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(slowBody), authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    const slowAnswer = new Promise<{ status?: number; body: string }>((resolve, reject) => {
      slow.on('response', (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      });
      slow.on('error', reject);
    });
    slow.write(slowBody.slice(0, 20));

    const results: { id: string; status?: number; error?: string }[] = [];
    let terminated = false;
    let next = 0;
    const worker = async () => {
      while (next < 400) {
        const entry: (typeof results)[number] = { id: `burst-${next++}` };
        results.push(entry);
        try {
          entry.status = (await post('/v1/missions', mission(entry.id))).status;
        } catch (error) {
          entry.error = String((error as Error).cause ?? error);
        }
        if (!terminated && results.filter((r) => r.status === 201).length >= 80) {
          terminated = true;
          app.proc.kill('SIGTERM');
          setTimeout(() => slow.end(slowBody.slice(20)), 300);
        }
        if (terminated && (entry.error || entry.status === 503)) return; // the server is going: stop this client
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    const exit = await Promise.race([app.exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the app did not exit within 40 s of SIGTERM')), 40_000))]);
    expect(terminated).toBe(true);
    expect(exit).toEqual({ code: 0, signal: null });
    const log = app.lines.join('\n');
    expect(log).toMatch(/received SIGTERM/);
    expect(log).toMatch(/stopped cleanly/);

    // The request in flight was finished; the others were accepted, turned away (503) or found no server.
    expect(await slowAnswer).toMatchObject({ status: 201 });
    expect(results.filter((r) => r.status !== undefined && r.status !== 201 && r.status !== 503)).toEqual([]);
    expect(results.filter((r) => r.status === 201).length).toBeGreaterThanOrEqual(80);

    // Every accepted mission is stored, once.
    const accepted = [...results.filter((r) => r.status === 201).map((r) => r.id), 'in-flight'];
    const db = openSqliteDatabase(dataDir);
    try {
      const stored = (await new SqliteEventStore(db).query({ types: ['MissionRegistered'], limit: 10_000 })).map((e) => (e.data as { missionId: string }).missionId);
      for (const id of accepted) expect(stored.filter((s) => s === id)).toEqual([id]);
    } finally {
      db.close();
    }

    // Restarted on the same data, it picks up from the stored checkpoints and catches up.
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    app = startBuiltApp(dataDir, port);
    await eventually(async () => ((await fetch(`${base}/health/ready`).catch(() => undefined))?.status === 200 ? true : undefined), 'the restarted app to be ready', 60_000);
    await eventually(async () => {
      const text = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
      const lags = [...text.matchAll(/^demarche_projection_lag_events\{projection="[^"]+"\} (\d+)$/gm)].map((m) => Number(m[1]));
      // The four read models, the playbook, and the worker's assignment-mails and webhook-deliveries.
      return lags.length === 7 && lags.every((n) => n === 0) ? true : undefined;
    }, 'every projection to catch up after the restart', 60_000);
    app.proc.kill('SIGTERM');
    expect(await app.exited).toEqual({ code: 0, signal: null });
  });
});
