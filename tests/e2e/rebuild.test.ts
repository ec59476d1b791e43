import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteDatabase } from '../../libs/event-store/index.js';
import { projectRoot } from '../../libs/platform/config/config.js';
import { startTestApp, type RunningApp } from '../support/running-app.js';

const root = projectRoot();
const cli = (dataDir: string, ...args: string[]) => spawnSync(process.execPath, [join(root, 'bin/demarche.js'), ...args], { env: { ...process.env, DEMARCHE_DATA_DIR: dataDir }, encoding: 'utf8' });

async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('shadow rebuilds', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startTestApp({ now: '2026-06-01T09:00:00Z' });
    await app.http().post('/v1/missions').send({ id: 'm', name: 'M', kind: 'non-resident', coordinator: 'NOR', accreditedTo: ['KEN', 'ETH'] }).expect(201);
    await app.http().post('/v1/campaigns').send({ id: 'c1', treaty: 'CCM', title: 'C', coordinators: ['NOR'], startsOn: '2026-01-01' }).expect(201);
    await app.http().post('/v1/countries/ETH/responses').send({ campaignId: 'c1', missionId: 'm', receivedOn: '2026-02-01', group: 'II', obstacles: ['capacity'] }).expect(201);
    await app.settle();
  });
  afterAll(() => app.destroy());

  it('rebuilds beside the live version, shows no difference, swaps, and keeps projecting into the new version', async () => {
    const before = (await app.http().get('/v1/countries/ETH').expect(200)).body;
    const started = await app.http().post('/v1/admin/rebuilds').send({ projection: 'country-status' }).expect(202);
    expect(started.body).toMatchObject({ projection: 'country-status', state: 'running' });
    const done = await eventually(async () => {
      const run = (await app.http().get('/v1/admin/rebuilds/country-status').expect(200)).body;
      return run.state === 'running' ? undefined : run;
    });
    expect(done).toMatchObject({ state: 'done', result: { activeVersion: 1, rebuiltVersion: 2, identical: true, swapped: false } });
    expect(done.result.diff).toEqual([expect.objectContaining({ collection: 'countries', active: 197, rebuilt: 197, different: [] })]);

    await app.http().post('/v1/admin/rebuilds').send({ projection: 'country-status', swap: true }).expect(202);
    const swapped = await eventually(async () => {
      const run = (await app.http().get('/v1/admin/rebuilds/country-status').expect(200)).body;
      return run.state === 'running' ? undefined : run;
    });
    // The unswapped version 2 is resumed (it was caught up) and becomes active.
    expect(swapped.result).toMatchObject({ activeVersion: 1, rebuiltVersion: 2, swapped: true, identical: true });
    expect((await app.http().get('/v1/countries/ETH').expect(200)).body).toEqual(before);

    await app.http().post('/v1/countries/ETH/treaty-actions').send({ treaty: 'CCM', action: 'accession', on: '2026-05-01' }).expect(201);
    await app.settle();
    await eventually(async () => ((await app.http().get('/v1/countries/ETH').expect(200)).body.treatyStatus === 'state-party' ? true : undefined));
    await app.http().post('/v1/admin/rebuilds').send({ projection: 'nope' }).expect(400);
  });

  it('resumes a rebuild killed in the middle and finishes with the same result', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'demarche-rebuild-'));
    try {
      const generated = spawnSync(process.execPath, [join(root, 'tests/support/generate-history.mjs'), dir, '120000'], { encoding: 'utf8' });
      expect(generated.stdout.trim()).toBe('120000');
      const first = cli(dir, 'rebuild', 'campaign-summary', '--swap');
      expect(first.status).toBe(0);
      expect(first.stdout).toMatch(/campaign-summary: version 2 built from the start \(120000 events replayed\)[\s\S]*Version 2 now serves/);

      // Rebuild again (version 3) in small batches, and kill it once it is well under way.
      const proc = spawn(process.execPath, [join(root, 'bin/demarche.js'), 'rebuild', 'campaign-summary', '--batch-size', '500'], { env: { ...process.env, DEMARCHE_DATA_DIR: dir }, stdio: 'ignore' });
      const db = openSqliteDatabase(dir);
      const checkpoint = () => (db.prepare("SELECT position FROM checkpoints WHERE projection = 'campaign-summary~v3'").get() as { position: number } | undefined)?.position ?? 0;
      const killedAt = await eventually(async () => (checkpoint() >= 20_000 ? checkpoint() : undefined), 60_000);
      proc.kill('SIGKILL');
      await new Promise((r) => proc.once('exit', r));
      const stoppedAt = checkpoint();
      db.close();
      expect(stoppedAt).toBeGreaterThanOrEqual(killedAt);
      expect(stoppedAt).toBeLessThan(120_000);

      const resumed = cli(dir, 'rebuild', 'campaign-summary');
      expect(resumed.status).toBe(0);
      expect(resumed.stdout).toContain(`campaign-summary: version 3 resumed from position ${stoppedAt}`);
      expect(resumed.stdout).toContain('It is identical to the active version 2.');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
