import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteDatabase } from '../../libs/platform/persistence/sqlite-database.js';
import { projectRoot } from '../../libs/platform/config/config.js';
import { eventually } from '../support/eventually.js';
import { TEST_ADMIN_TOKEN } from '../support/running-app.js';

const root = projectRoot();
/** The commands run as admin (DEMARCHE_ADMIN_TOKEN), on data that has no token of its own yet. */
const ADMIN = { DEMARCHE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, DEMARCHE_TOKEN: TEST_ADMIN_TOKEN };
const cli = (dataDir: string, ...args: string[]) => spawnSync(process.execPath, [join(root, 'bin/demarche.js'), ...args], { env: { ...process.env, ...ADMIN, DEMARCHE_DATA_DIR: dataDir }, encoding: 'utf8' });


describe('shadow rebuilds from the command line', () => {
  it('resumes a rebuild killed in the middle and finishes with the same result', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'demarche-rebuild-'));
    try {
      const generated = spawnSync(process.execPath, [join(root, 'tests/support/generate-history.mjs'), dir, '120000'], { encoding: 'utf8' });
      expect(generated.stdout.trim()).toBe('120000');
      const first = cli(dir, 'rebuild', 'campaign-summary', '--swap');
      expect(first.status).toBe(0);
      expect(first.stdout).toMatch(/campaign-summary: version 2 built from the start \(120000 events replayed\)[\s\S]*Version 2 now serves/);

      // Rebuild again (version 3) in small batches, and kill it once it is well under way.
      const proc = spawn(process.execPath, [join(root, 'bin/demarche.js'), 'rebuild', 'campaign-summary', '--batch-size', '500'], { env: { ...process.env, ...ADMIN, DEMARCHE_DATA_DIR: dir }, stdio: 'ignore' });
      const db = openSqliteDatabase(dir);
      const checkpoint = () => (db.prepare("SELECT position FROM checkpoints WHERE projection = 'campaign-summary~v3'").get() as { position: number } | undefined)?.position ?? 0;
      const killedAt = await eventually(async () => (checkpoint() >= 20_000 ? checkpoint() : undefined), 'the rebuild to pass position 20,000', 60_000);
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
