// Demarche's event stores beside the stores a user would pick instead, on the same events and
// the same server or file settings, every side in turn within each round: 50-event appends to
// new streams, single-event appends with the expected-version check, reads of single streams,
// and the read of the whole log in order (where the side can do one).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COUNTRIES, letterEvents, median, now, percentile, round } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * A peer lives in `bench/peers/<dir>` with its own package.json and lock file, so that each
 * gets the core release it was built against (Emmett's MongoDB store pins an older one than
 * its SQLite store) and none of them weighs on Demarche's own install. Installed on first use.
 */
export function peerDir(dir) {
  return join(root, 'bench/peers', dir);
}

/** Installs the peers' packages from their lock files where they are missing; returns why not, if it fails. */
export function installPeer(dir, log) {
  if (existsSync(join(peerDir(dir), 'node_modules'))) return undefined;
  log?.(`installing the bench peer ${dir} (npm ci in bench/peers/${dir}, once)`);
  try {
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: peerDir(dir), stdio: ['ignore', 'ignore', 'pipe'] });
    return undefined;
  } catch (error) {
    return `npm ci in bench/peers/${dir} failed: ${String(error.stderr ?? error.message).trim().split('\n').slice(-3).join(' ')}`;
  }
}

/** The installed version of a peer's package, read from its own package.json (exports maps hide it). */
function installedVersion(dir, name) {
  try {
    return JSON.parse(readFileSync(join(peerDir(dir), 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/** Loads a peer's package (its CommonJS build), or says why it cannot be measured here. */
export function loadPeer(dir, name, log) {
  const failed = installPeer(dir, log);
  if (failed) return { unavailable: failed };
  try {
    return { module: createRequire(join(peerDir(dir), 'package.json'))(name), version: installedVersion(dir, name) };
  } catch (error) {
    return { unavailable: `${name} could not be loaded from bench/peers/${dir} (${String(error?.message ?? error).split('\n')[0]})` };
  }
}

export const FIGURES = ['append50', 'single', 'readStream', 'readAll'];

/** Demarche's side, whichever its store: through the `EventStore` port alone. */
export function demarcheSide(label, open) {
  return {
    name: 'demarche',
    label,
    tag: 'd',
    open,
    append: (store, stream, expected, events) => store.append(stream, expected, events),
    readStream: async (store, stream) => (await store.readStream(stream)).length,
    readAll: async (store) => {
      let n = 0;
      for await (const page of store.readAllPages(0, 1000)) n += page.length;
      return n;
    },
    close: (store) => store.close(),
  };
}

/** The peers' workload: 50-event appends to `streams` new streams, then `singles` single-event appends. */
export const peerSizes = (quick) =>
  quick
    ? { reps: 3, warmup: 0, sqlite: { streams: 200, perStream: 50, singles: 500, readStreams: 100 }, mongo: { streams: 40, perStream: 50, singles: 200, readStreams: 40 } }
    : { reps: 3, warmup: 1, sqlite: { streams: 2000, perStream: 50, singles: 5000, readStreams: 500 }, mongo: { streams: 400, perStream: 50, singles: 2000, readStreams: 200 } };

/** The events of one repetition: the same payloads for every side. */
function workload({ streams, perStream, singles, tag }) {
  const batches = Array.from({ length: streams }, (_, k) => {
    const iso3 = COUNTRIES[k % COUNTRIES.length];
    return { streamId: `outreach-${tag}x${k}-${iso3}`, events: letterEvents(`${tag}x${k}`, iso3, perStream) };
  });
  const extra = Array.from({ length: singles }, (_, j) => {
    const b = batches[j % streams];
    return { streamId: b.streamId, expected: perStream + Math.floor(j / streams), events: letterEvents(b.events[0].data.campaignId, b.events[0].data.iso3, 1) };
  });
  return { batches, extra };
}

/**
 * One side's four figures over a fresh store: events/s of the 50-event appends, appends/s of
 * the single-event ones (with their latencies), events/s of reading `readStreams` streams one
 * by one, and events/s of reading everything in order (undefined if the side cannot).
 */
async function measure(side, rep, sizes) {
  const { batches, extra } = workload({ ...sizes, tag: `${side.tag}${rep}` });
  const h = await side.open(rep);
  try {
    let t0 = now();
    for (const b of batches) await side.append(h, b.streamId, 0, b.events);
    const append50 = (batches.length * sizes.perStream) / ((now() - t0) / 1000);
    const latencies = [];
    t0 = now();
    for (const x of extra) {
      const s = now();
      await side.append(h, x.streamId, x.expected, x.events);
      latencies.push(now() - s);
    }
    const single = extra.length / ((now() - t0) / 1000);
    const toRead = batches.slice(0, sizes.readStreams);
    t0 = now();
    let read = 0;
    for (const b of toRead) read += await side.readStream(h, b.streamId);
    const readStream = read / ((now() - t0) / 1000);
    const total = batches.length * sizes.perStream + extra.length;
    if (read !== toRead.reduce((n, b) => n + sizes.perStream + extra.filter((x) => x.streamId === b.streamId).length, 0)) {
      throw new Error(`${side.name}: read ${read} events back from ${toRead.length} streams, not what was appended`);
    }
    let readAll;
    if (side.readAll) {
      t0 = now();
      const n = await side.readAll(h);
      readAll = n / ((now() - t0) / 1000);
      if (n !== total) throw new Error(`${side.name}: read ${n} events of the log, ${total} were appended`);
    }
    return { append50, single, latencies, readStream, readAll };
  } finally {
    await side.close(h);
  }
}

/**
 * Every side over the same workload, `reps` rounds (after `warmup`), each side on a fresh
 * store each round. Returns per side its median of each figure, and the ratios of
 * `ours` to every other side.
 */
export async function compareStores({ sides, reps, warmup = 0, sizes, log, title }) {
  const runs = Object.fromEntries(sides.map((s) => [s.name, []]));
  log(`${title}: ${reps} rounds of ${sizes.streams} streams x ${sizes.perStream} events, then ${sizes.singles} single-event appends; ${sides.map((s) => s.name).join(', ')}`);
  for (let i = -warmup; i < reps; i++) {
    const line = [];
    for (const side of sides) {
      const r = await measure(side, i + warmup, sizes);
      if (i >= 0) runs[side.name].push(r);
      line.push(`${side.name} ${Math.round(r.append50)}/${Math.round(r.single)}/${Math.round(r.readStream)}/${r.readAll ? Math.round(r.readAll) : '-'}`);
    }
    log(`  ${i < 0 ? 'warm-up' : `round ${i + 1}/${reps}`} (append50/single/readStream/readAll per s): ${line.join(', ')}`);
  }
  const result = { sizes, sides: {} };
  for (const side of sides) {
    const list = runs[side.name];
    const lat = list.flatMap((r) => r.latencies);
    const figures = Object.fromEntries(
      FIGURES.map((f) => [f, list[0][f] === undefined ? null : { median: round(median(list.map((r) => r[f]))), rates: list.map((r) => round(r[f])) }]),
    );
    figures.single.p50Ms = round(percentile(lat, 50), 3);
    figures.single.p99Ms = round(percentile(lat, 99), 3);
    result.sides[side.name] = { label: side.label, ...(side.version ? { version: side.version } : {}), ...(side.settings ? { settings: await side.settings() } : {}), figures, ...(side.cannot ? { cannot: side.cannot } : {}) };
  }
  const ours = result.sides[sides[0].name].figures;
  result.ratios = {};
  for (const side of sides.slice(1)) {
    const theirs = result.sides[side.name].figures;
    result.ratios[side.name] = Object.fromEntries(FIGURES.map((f) => [f, ours[f] && theirs[f] ? round(ours[f].median / theirs[f].median, 2) : null]));
  }
  return result;
}

/** Rows for BENCHMARKS.md: each side's medians, and Demarche's ratio to it. */
export function peerRows(title, r) {
  if (!r) return [];
  const names = Object.keys(r.sides);
  const cell = (side, f) => {
    const x = r.sides[side].figures[f];
    if (!x) return 'cannot';
    const value = x.median >= 1e4 ? `${(x.median / 1e3).toFixed(1)}k` : String(Math.round(x.median));
    const ratio = side === names[0] ? '' : r.ratios[side][f] !== null ? ` (**${r.ratios[side][f]}x**)` : '';
    return `${value}${ratio}`;
  };
  const lines = ['', title, '', '| side | 50-event appends, events/s | single-event appends, /s (p50 / p99 ms) | read one stream, events/s | read all in order, events/s |', '|---|---|---|---|---|'];
  for (const side of names) {
    const s = r.sides[side];
    lines.push(`| ${s.label}${s.version ? ` ${s.version}` : ''} | ${cell(side, 'append50')} | ${cell(side, 'single')} (${s.figures.single.p50Ms} / ${s.figures.single.p99Ms}) | ${cell(side, 'readStream')} | ${cell(side, 'readAll')} |`);
  }
  lines.push('', `Ratios in bold are Demarche's median over that side's (above 1: Demarche is faster). ${r.sizes.streams} streams x ${r.sizes.perStream} events, ${r.sizes.singles} single-event appends, ${r.sizes.readStreams} streams read one by one, per round; medians of ${r.sides[names[0]].figures.append50.rates.length} rounds.`);
  for (const side of names) if (r.sides[side].cannot) lines.push(`${r.sides[side].label}: ${r.sides[side].cannot}`);
  return lines;
}
