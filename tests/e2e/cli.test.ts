import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from 'mongoose';
import { SqliteEventStore } from '../../libs/event-store/infrastructure/sqlite-event-store.js';
import { openSqliteDatabase } from '../../libs/platform/persistence/sqlite-database.js';
import { MongoEventStore } from '../../libs/event-store/infrastructure/mongo-event-store.js';
import { connectMongo } from '../../libs/platform/persistence/mongo-connection.js';
import { projectRoot } from '../../libs/platform/config/config.js';
import { writeEarlierReleaseLog } from '../support/earlier-release-log.js';
import { distributedEnv, TEST_ADMIN_TOKEN } from '../support/running-app.js';

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

describe('demarche migrate-log', () => {
  const MONGO_URL = process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017';
  const dir = mkdtempSync(join(tmpdir(), 'demarche-migrate-'));
  const servers = distributedEnv(dir);
  let mongo: Connection;
  beforeAll(async () => {
    mongo = await connectMongo(MONGO_URL, servers.DEMARCHE_MONGO_DB!);
  });
  afterAll(async () => {
    await mongo.dropDatabase();
    await mongo.close();
    // The command's timer queues leave their metadata in Redis.
    const keys = execFileSync('redis-cli', ['--scan', '--pattern', `${servers.DEMARCHE_REDIS_PREFIX}:*`], { encoding: 'utf8' }).split('\n').filter(Boolean);
    if (keys.length) execFileSync('redis-cli', ['del', ...keys]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('upgrades a log an earlier release wrote on FerretDB, and finds nothing to do the second time', async () => {
    await writeEarlierReleaseLog(mongo.db!);
    const migrate = () => spawnSync(process.execPath, [join(root, 'bin/demarche.js'), 'migrate-log'], { env: { ...process.env, ...ADMIN, DEMARCHE_DATA_DIR: dir, ...servers }, encoding: 'utf8', cwd: root });
    const tombstones = async () =>
      (await mongo.collection<{ _id: number; lastPosition: number }>('commits').find({ tombstone: true }, { sort: { _id: 1 } }).toArray()).map((d) => [d._id, d.lastPosition]);

    const first = migrate();
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/written by an earlier release: every position up to 9 is now a commit or a tombstone \(2 holes fenced\)/);
    expect(await tombstones()).toEqual([
      [4, 5],
      [7, 9],
    ]);
    const second = migrate();
    expect(second.stderr).toBe('');
    expect(second.status).toBe(0);
    expect(second.stdout).toMatch(/in this release's layout already: nothing to do/);
    expect(await tombstones()).toHaveLength(2);

    const store = await MongoEventStore.connect(MONGO_URL, servers.DEMARCHE_MONGO_DB!);
    try {
      expect((await store.readAll(0, 10)).map((e) => [e.type, e.position])).toEqual([
        ['A', 1],
        ['B1', 2],
        ['B2', 3],
        ['C', 6],
      ]);
    } finally {
      await store.close();
    }
  });

  it('has nothing to do on the embedded profile', () => {
    const run = demarche(join(dir, 'embedded'), 'migrate-log');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/embedded profile keeps its log in one layout: nothing to do/);
  });
});
