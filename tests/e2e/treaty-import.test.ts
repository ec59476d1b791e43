import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordedEvent } from '../../libs/kernel/index.js';
import { SqliteEventStore } from '../../libs/event-store/infrastructure/sqlite-event-store.js';
import { openSqliteDatabase } from '../../libs/platform/persistence/sqlite-database.js';
import { projectRoot } from '../../libs/platform/config/config.js';
import { startTestApp, TEST_ADMIN_TOKEN } from '../support/running-app.js';

const root = projectRoot();
const ADMIN = { DEMARCHE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, DEMARCHE_TOKEN: TEST_ADMIN_TOKEN };
const demarche = (dataDir: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [join(root, 'bin/demarche.js'), ...args], { env: { ...process.env, ...ADMIN, DEMARCHE_DATA_DIR: dataDir, ...env }, encoding: 'utf8', cwd: root });

async function events(dataDir: string): Promise<RecordedEvent[]> {
  const store = new SqliteEventStore(openSqliteDatabase(dataDir));
  try {
    const all: RecordedEvent[] = [];
    for await (const page of store.readAllPages(0, 5000)) all.push(...page);
    return all;
  } finally {
    await store.close();
  }
}

/** `demarche import-states --treaty`: each treaty's record on its own streams, and bad input refused whole. */
describe('importing several treaties', () => {
  const dir = mkdtempSync(join(tmpdir(), 'demarche-treaties-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const ccm = ['import-states', 'reference/ccm-states.csv', '--withdrawals', 'reference/ccm-withdrawals.csv', '--since', 'reference/states-since.csv'];
  const att = ['import-states', 'reference/att-states.csv', '--treaty', 'ATT', '--declarations', 'reference/att-declarations.csv', '--since', 'reference/states-since.csv'];

  it('puts one treaty\'s acts on its own streams and never touches another\'s', async () => {
    const data = join(dir, 'a');
    expect(demarche(data, ccm).status).toBe(0);
    const before = await events(data);
    const run = demarche(data, att);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/Imported 197 states for ATT: 0 new in the reference list, 247 treaty acts recorded, 0 already known, 23 declarations recorded/);
    const after = await events(data);
    expect(after.slice(0, before.length)).toEqual(before);
    const added = after.slice(before.length);
    expect(added).toHaveLength(247 + 23);
    expect(added.filter((e) => !/^treaty-(status|declarations)-ATT-[A-Z]{3}$/.test(e.streamId))).toEqual([]);
    const again = demarche(data, att);
    expect(again.stdout).toMatch(/0 treaty acts recorded, 247 already known, 0 declarations recorded/);
    expect((await events(data)).length).toBe(after.length);
  });

  it('seeds, at start, the treaties a store lacks, and adds nothing to a record it holds', async () => {
    const data = join(dir, 'seed');
    expect(demarche(data, ccm).status).toBe(0);
    const before = await events(data);
    const app = await startTestApp({ dataDir: data, now: '2026-11-27T09:00:00Z' });
    try {
      await app.settle();
      expect((await app.http().get('/v1/status?treaty=ATT&asOf=2026-02-03').expect(200)).body.statesParties).toBe(117);
    } finally {
      await app.stop();
    }
    const after = await events(data);
    expect(after.slice(0, before.length)).toEqual(before);
    const added = after.slice(before.length).filter((e) => /^treaty-/.test(e.streamId));
    expect(added.filter((e) => !/^treaty-(status|declarations)-(ATT|APMBC)-/.test(e.streamId))).toEqual([]);
    expect(new Set(added.map((e) => e.streamId.split('-')[2]))).toEqual(new Set(['ATT', 'APMBC']));
  });

  it('refuses an unknown treaty, and a record read under the wrong treaty\'s rules, writing nothing', async () => {
    const data = join(dir, 'b');
    const unknown = demarche(data, ['import-states', 'reference/att-states.csv', '--treaty', 'XYZ']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/does not know the treaty "XYZ"; known: .*ATT/);
    const wrong = demarche(data, ['import-states', 'reference/att-states.csv', '--treaty', 'CCM']);
    expect(wrong.status).toBe(1);
    // Afghanistan's ATT accession of 2020 would take effect in 2021 by the CCM's rule, not 90 days later.
    expect(wrong.stderr).toMatch(/Import stopped, nothing was written: .*att-states\.csv, line 2: entry_into_force 2020-10-27 does not follow the treaty's rule, which gives 2021-01-01/);
    expect(await events(data)).toEqual([]);
  });

  it('stops at a treaty file with a broken rule, naming the file and the rule, and writes nothing', async () => {
    const reference = join(dir, 'reference');
    cpSync(join(root, 'reference'), reference, { recursive: true });
    const file = join(reference, 'treaties/att.json');
    const broken = { ...JSON.parse(readFileSync(file, 'utf8')), withdrawalNoticeMonths: 6 };
    writeFileSync(file, JSON.stringify(broken));
    const data = join(dir, 'c');
    const run = demarche(data, ccm, { DEMARCHE_REFERENCE_DIR: reference });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/Treaty file .*att\.json is not valid: a treaty needs exactly one of withdrawalNoticeMonths and withdrawalNoticeDays/);
    expect(await events(data)).toEqual([]);
  });
});
