// Shared helpers of the benchmark: interleaved repetitions, statistics, names, machine facts.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { newEventId, storedFields } from '../dist/libs/event-store/index.js';

export const now = () => performance.now();
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function median(values) {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function percentile(values, p) {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/**
 * When and for which figure each recorded repetition ran, on the clock of V8's CPU profiles
 * (microseconds of `process.hrtime`), so that a `node --cpu-prof` run of the bench can be
 * summarised over one side's repetitions alone (`profile-summary.mjs --windows`).
 */
export const repetitionWindows = {
  figure: undefined,
  list: [],
  note(side, rep, start, end) {
    this.list.push({ figure: this.figure, side, rep, startUs: String(start / 1000n), endUs: String(end / 1000n) });
  },
};

/**
 * Runs `ours` and `raw` alternately (ours, raw, ours, raw...) after `warmup` unrecorded
 * rounds. Each call returns `{ rate }` (units per second) and optionally `latencies` (ms).
 * `profile(side, fn)`, if given, runs the middle recorded repetition of each side (which
 * still counts) under a system profile (--system-profile).
 */
export async function interleaved({ ours, raw, ...options }) {
  const { sides } = await rounds({ ...options, sides: { ours, raw } });
  return { ours: sides.ours, raw: sides.raw, ratio: round(sides.ours.median / sides.raw.median, 3) };
}

/**
 * The same for any number of sides, run in turn in the order given within each round, so
 * that a noisy neighbour hurts them alike. Returns each side's rates, median and latency
 * percentiles, by name.
 */
export async function rounds({ reps, warmup = 0, sides, log, profile }) {
  const names = Object.keys(sides);
  const runs = Object.fromEntries(names.map((n) => [n, []]));
  const profiled = profiledRepetition(reps);
  const side = async (name, fn, i) => {
    const start = process.hrtime.bigint();
    try {
      return await (profile && i === profiled ? profile(name, () => fn(i)) : fn(i));
    } finally {
      if (i >= 0) repetitionWindows.note(name, i, start, process.hrtime.bigint());
    }
  };
  for (let i = -warmup; i < reps; i++) {
    const got = [];
    for (const name of names) {
      const result = await side(name, sides[name], i);
      if (i >= 0) runs[name].push(result);
      got.push(`${name} ${fmtRate(result.rate)}/s`);
    }
    log?.(`  ${i < 0 ? 'warm-up' : `rep ${i + 1}/${reps}`}: ${got.join(', ')}`);
  }
  const summary = (list) => {
    const lat = list.flatMap((x) => x.latencies ?? []);
    return {
      rates: list.map((x) => round(x.rate)),
      median: round(median(list.map((x) => x.rate))),
      ...(lat.length ? { p50Ms: round(percentile(lat, 50), 2), p99Ms: round(percentile(lat, 99), 2) } : {}),
    };
  };
  return { sides: Object.fromEntries(names.map((n) => [n, summary(runs[n])])) };
}

/** The repetition a system profile records: the middle one, warm and not the last. */
export const profiledRepetition = (reps) => Math.floor(reps / 2);

/** Runs `tasks` with at most `concurrency` in flight; returns per-task latencies (ms) and elapsed ms. */
export async function pool(count, concurrency, task) {
  const latencies = new Array(count);
  let next = 0;
  const t0 = now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      const s = now();
      await task(i);
      latencies[i] = now() - s;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { latencies, elapsed: now() - t0 };
}

export const round = (x, digits = 1) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);

export function fmtRate(x) {
  if (!Number.isFinite(x)) return String(x);
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e4) return `${(x / 1e3).toFixed(1)}k`;
  return x.toFixed(x >= 100 ? 0 : 1);
}

/** A name unique to this run, safe for MongoDB databases, Kafka topics and Redis prefixes. */
export function runId() {
  const t = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `bench_${t}_${randomUUID().slice(0, 4)}`;
}

/** The size of a `100k`, `1m`, `5m`, `2500` argument. */
export function parseSize(text) {
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(text.trim());
  if (!m) throw new Error(`not a size: ${text} (use e.g. 100k, 1m, 5m)`);
  return Math.round(Number(m[1]) * (m[2].toLowerCase() === 'k' ? 1e3 : m[2].toLowerCase() === 'm' ? 1e6 : 1));
}

export function sizeLabel(n) {
  return n >= 1e6 && n % 1e6 === 0 ? `${n / 1e6}M` : n >= 1e3 && n % 1e3 === 0 ? `${n / 1e3}k` : String(n);
}

/** What the numbers were measured on. */
export function machine(extra = {}) {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryMB: Math.round(os.totalmem() / 2 ** 20),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverageAtStart: os.loadavg().map((x) => round(x, 2)),
    ...extra,
  };
}

export function tryExec(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}

/** Events of a synthetic outreach history: letters for 12 countries, `bytes` of stored JSON each, with ids as Demarche makes them. */
export const COUNTRIES = ['KEN', 'UGA', 'ETH', 'ERI', 'TZA', 'SAU', 'JOR', 'ARE', 'IND', 'USA', 'BRA', 'EGY'];
const META = { actor: 'bench', correlationId: 'bench', causationId: 'bench' };

export function letterEvents(campaignId, iso3, n, bytes = 300) {
  return Array.from({ length: n }, (_, i) => {
    const day = `2025-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`;
    const e = { id: newEventId(), type: 'LetterDelivered', schemaVersion: 1, occurredAt: day, data: { campaignId, treaty: 'CCM', iso3, missionId: 'bench-mission', deliveredOn: day }, metadata: META };
    // Pad the payload so the stored envelope (ids, types, dates, JSON payload) is about `bytes` long.
    const size = JSON.stringify({ ...e, recordedAt: new Date().toISOString() }).length;
    if (size < bytes) e.data.note = 'x'.repeat(bytes - size - 10);
    return e;
  });
}

/** The document a raw driver baseline stores for one event: the same fields as the store keeps. */
export function rawEventDoc(e, streamId, streamVersion, position, recordedAt) {
  return { _id: e.id, streamId, streamVersion, position, ...storedFields(e, recordedAt) };
}
