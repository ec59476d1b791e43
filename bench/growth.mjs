// How cost grows: replay, rebuild and a command at several history sizes, each measurement in a child
// process of its own so that its peak RSS is isolated.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sizeLabel } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

function node(args, timeoutMs = 4 * 3600_000) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    execFile(process.execPath, args, { cwd: root, maxBuffer: 16 << 20, timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`node ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      const lines = stdout.trim().split('\n');
      resolve({ out: lines[lines.length - 1], seconds: (performance.now() - t0) / 1000 });
    });
  });
}

export const GROWTH_PROJECTIONS = ['campaign-summary', 'country-status'];

/** Commands timed at each size (after a warm-up of a tenth as many). */
const COMMANDS = 500;

async function measure(row, key, args, log) {
  const { out } = await node(['bench/growth-child.mjs', ...args]);
  row[key] = JSON.parse(out);
  const what = row[key].p99Ms !== undefined ? `${row[key].commands} commands, p50 ${row[key].p50Ms} ms, p99 ${row[key].p99Ms} ms` : `${row[key].events} events, ${row[key].eventsPerSecond} events/s`;
  log(`  ${key}: ${what}, peak RSS ${row[key].peakRssMB} MB`);
}

/** The embedded (SQLite) growth study: history written by tests/support/generate-history.mjs. */
export async function embeddedGrowth(sizes, log) {
  const rows = [];
  for (const size of sizes) {
    const dir = mkdtempSync(join(tmpdir(), 'demarche-bench-growth-'));
    try {
      const gen = await node(['tests/support/generate-history.mjs', dir, String(size)]);
      log(`growth ${sizeLabel(size)} (SQLite): generated ${gen.out} events in ${gen.seconds.toFixed(1)} s`);
      const row = { size, label: sizeLabel(size), profile: 'embedded', generateSeconds: Number(gen.seconds.toFixed(1)) };
      for (const [key, args] of [
        ['replayRaw', ['replay-raw', dir]],
        ['replay', ['replay', dir]],
        ...GROWTH_PROJECTIONS.map((p) => [`rebuild:${p}`, ['rebuild', dir, p]]),
        ['command', ['command', dir, String(COMMANDS)]],
      ]) await measure(row, key, args, log);
      rows.push(row);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}

/** The same on MongoDB (FerretDB here), in a database of this run that is dropped afterwards. */
export async function mongoGrowth(sizes, { mongoUrl, dbName, drop, log }) {
  const rows = [];
  for (const size of sizes) {
    const db = dbName(`g${sizeLabel(size).toLowerCase()}`);
    try {
      const gen = JSON.parse((await node(['bench/growth-child.mjs', 'generate-mongo', mongoUrl, db, String(size)])).out);
      log(`growth ${sizeLabel(size)} (MongoDB): generated ${gen.events} events in ${gen.seconds} s`);
      const row = { size, label: sizeLabel(size), profile: 'distributed', generateSeconds: gen.seconds };
      for (const [key, args] of [
        ['replay', ['replay-mongo', mongoUrl, db]],
        ...GROWTH_PROJECTIONS.map((p) => [`rebuild:${p}`, ['rebuild-mongo', mongoUrl, `${db}:${p}`]]),
        ['command', ['command-mongo', mongoUrl, db, String(COMMANDS)]],
      ]) await measure(row, key, args, log);
      rows.push(row);
    } finally {
      await drop(db);
      await drop(`${db}_rm`);
    }
  }
  return rows;
}
