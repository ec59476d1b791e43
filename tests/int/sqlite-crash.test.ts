import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { openSqliteDatabase, SqliteEventStore } from '../../libs/event-store/index.js';
import { projectRoot } from '../../libs/platform/config/config.js';

const child = join(projectRoot(), 'tests/support/append-forever.mjs');

describe('the embedded event store under kill -9', () => {
  const dir = mkdtempSync(join(tmpdir(), 'demarche-crash-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every acknowledged append, with stream versions intact', async () => {
    expect(existsSync(join(projectRoot(), 'dist/libs/event-store/index.js'))).toBe(true);
    const proc = spawn(process.execPath, [child, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    const acked: string[] = [];
    // Killed after 2,000 acknowledged appends, or after 20 s: every append waits for its
    // fsync (synchronous=FULL), which a busy disk can make slow.
    const started = Date.now();
    await new Promise<void>((resolve, reject) => {
      proc.on('error', reject);
      proc.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`child exited early with ${code}`))));
      createInterface({ input: proc.stdout! }).on('line', (line) => {
        acked.push(line.slice(4));
        if (acked.length === 2000 || (acked.length >= 50 && Date.now() - started > 20_000)) proc.kill('SIGKILL');
      });
    });
    expect(acked.length).toBeGreaterThanOrEqual(50);
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
