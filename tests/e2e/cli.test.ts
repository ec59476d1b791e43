import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteDatabase, SqliteEventStore } from '../../libs/event-store/index.js';
import { projectRoot } from '../../libs/platform/config/config.js';
import { TEST_ADMIN_TOKEN } from '../support/running-app.js';

const root = projectRoot();
/** The commands run as admin (DEMARCHE_ADMIN_TOKEN), on data that has no token of its own yet. */
const ADMIN = { DEMARCHE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, DEMARCHE_TOKEN: TEST_ADMIN_TOKEN };
const demarche = (dataDir: string, ...args: string[]) =>
  spawnSync(process.execPath, [join(root, 'bin/demarche.js'), ...args], { env: { ...process.env, ...ADMIN, DEMARCHE_DATA_DIR: dataDir }, encoding: 'utf8', cwd: root });

async function eventCount(dataDir: string): Promise<number> {
  const store = new SqliteEventStore(openSqliteDatabase(dataDir));
  try {
    return await store.headPosition();
  } finally {
    await store.close();
  }
}

describe('the demarche CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'demarche-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('imports the states file with withdrawals, and adds nothing the second time', async () => {
    const data = join(dir, 'a');
    const first = demarche(data, 'import-states', 'reference/ccm-states.csv', '--withdrawals', 'reference/ccm-withdrawals.csv');
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/Imported 197 states for CCM: 197 new in the reference list, 222 treaty acts recorded, 0 already known/);
    const count = await eventCount(data);
    expect(count).toBe(197 + 222);
    const second = demarche(data, 'import-states', 'reference/ccm-states.csv', '--withdrawals', 'reference/ccm-withdrawals.csv');
    expect(second.status).toBe(0);
    expect(second.stdout).toMatch(/0 new in the reference list, 0 treaty acts recorded, 222 already known/);
    expect(await eventCount(data)).toBe(count);
  });

  it('stops on a bad row with its line number and writes nothing', async () => {
    const data = join(dir, 'b');
    const lines = readFileSync(join(root, 'reference/ccm-states.csv'), 'utf8').trim().split('\n');
    lines[150] = lines[150]!.replace(/,(\d{4}-\d{2}-\d{2}|),/, ',not-a-date,');
    writeFileSync(join(dir, 'bad.csv'), lines.join('\n'));
    const run = demarche(data, 'import-states', join(dir, 'bad.csv'));
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/Import stopped, nothing was written: .*bad\.csv, line 151: signed "not-a-date" is not a real calendar date/);
    expect(await eventCount(data)).toBe(0);
  });

  it('explains its usage on an unknown command or a missing file', () => {
    const unknown = demarche(join(dir, 'c'), 'frobnicate');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown command "frobnicate"[\s\S]*import-states FILE/);
    const missing = demarche(join(dir, 'c'), 'import-states', join(dir, 'nope.csv'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/Cannot read .*nope\.csv/);
  });
});
