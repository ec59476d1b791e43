import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { SqliteEventStore } from '../../libs/event-store/infrastructure/sqlite-event-store.js';
import { openSqliteDatabase } from '../../libs/platform/persistence/sqlite-database.js';
import { projectRoot } from '../../libs/platform/config/config.js';

const child = join(projectRoot(), 'tests/support/append-forever.mjs');

/** Enough acknowledged appends to make the check meaningful, and when to stop collecting. */
const TARGET_ACKS = 2000;
const SOFT_LIMIT_MS = 15_000;
/** A child that acknowledges nothing at all by then is killed and the test fails, saying so. */
const HARD_LIMIT_MS = 120_000;

describe('the embedded event store under kill -9', () => {
  const dir = mkdtempSync(join(tmpdir(), 'demarche-crash-'));
  let proc: ChildProcess | undefined;
  // Never leave the appender running: it would go on writing after the test and hold the
  // test run's output open.
  afterAll(() => {
    if (proc && proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged append, with stream versions intact', async () => {
    expect(existsSync(join(projectRoot(), 'dist/libs/event-store/infrastructure/sqlite-event-store.js'))).toBe(true);
    const appender = spawn(process.execPath, [child, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc = appender;
    let stderr = '';
    appender.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    const acked: string[] = [];
    // Every append waits for its fsync (synchronous=FULL), which a busy disk can make slow:
    // stop at TARGET_ACKS or after SOFT_LIMIT_MS, whichever comes first, as long as at least
    // one append was acknowledged.
    const started = Date.now();
    const kill = () => appender.signalCode === null && appender.exitCode === null && appender.kill('SIGKILL');
    const timer = setInterval(() => {
      const elapsed = Date.now() - started;
      if ((acked.length > 0 && elapsed > SOFT_LIMIT_MS) || elapsed > HARD_LIMIT_MS) kill();
    }, 250);
    try {
      await new Promise<void>((resolve, reject) => {
        appender.on('error', reject);
        appender.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`the appender exited by itself with code ${code}:\n${stderr}`))));
        createInterface({ input: appender.stdout! }).on('line', (line) => {
          acked.push(line.slice(4));
          if (acked.length >= TARGET_ACKS) kill();
        });
      });
    } finally {
      clearInterval(timer);
    }
    if (acked.length === 0) throw new Error(`the appender acknowledged no append in ${HARD_LIMIT_MS / 1000} s; its stderr:\n${stderr}`);
    const store = new SqliteEventStore(openSqliteDatabase(dir));
    try {
      const stored = await store.readAll(0, 1_000_000);
      const ids = new Set(stored.map((e) => e.id));
      expect(acked.filter((id) => !ids.has(id))).toEqual([]);
      for (let s = 0; s < 7; s++) {
        const versions = (await store.readStream(`stream-${s}`)).map((e) => e.streamVersion);
        expect(versions).toEqual(versions.map((_, i) => i + 1));
      }
    } finally {
      await store.close();
    }
  });
});
