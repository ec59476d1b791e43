// One measurement of the growth study, alone in its process so that its peak RSS is its own:
//   node bench/growth-child.mjs replay  <sqlite dir>            -> reads the whole log
//   node bench/growth-child.mjs rebuild <sqlite dir> <projection> -> rebuilds one read model
//   node bench/growth-child.mjs replay-mongo <mongo url> <db>   -> the same on MongoDB
//   node bench/growth-child.mjs command <sqlite dir> [count]     -> meetings recorded one by one, p50/p99
//   node bench/growth-child.mjs command-mongo <mongo url> <db> [count]
// Prints one JSON line: events, seconds, events per second (or latencies), peak RSS (MB).
import { readFileSync } from 'node:fs';
import { MongoEventStore } from '../dist/libs/event-store/infrastructure/mongo-event-store.js';
import { openSqliteDatabase } from '../dist/libs/platform/persistence/sqlite-database.js';
import { SqliteEventStore } from '../dist/libs/event-store/infrastructure/sqlite-event-store.js';
import { rebuildProjection } from '../dist/libs/projections/index.js';
import { MongoReadModelStore } from '../dist/libs/projections/infrastructure/mongo-read-model-store.js';
import { SqliteReadModelStore } from '../dist/libs/projections/infrastructure/sqlite-read-model-store.js';
import { READ_MODEL_PROJECTIONS } from '../dist/apps/runtime/projection-catalog.js';
import { demarcheEventRegistry } from '../dist/apps/runtime/event-types.js';
import { RecordOutreachCommand, RecordOutreachHandler } from '../dist/libs/outreach/application/record-outreach.handler.js';
import { RegisterMissionsCommand, RegisterMissionsHandler } from '../dist/libs/outreach/application/register-missions.handler.js';
import { campaignReady } from './import.mjs';
import { COUNTRIES, percentile, round } from './lib.mjs';

const [what, where, arg] = process.argv.slice(2);
const registry = demarcheEventRegistry();

function peakRssMB() {
  // VmHWM is the resident high-water mark; resourceUsage().maxRSS (KiB) where /proc is absent.
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {}
  return process.resourceUsage().maxRSS / 1024;
}

const distributed = what.endsWith('-mongo');
if (what === 'generate-mongo') {
  // A history like tests/support/generate-history.mjs writes, on MongoDB: letters, 500 per commit.
  const store = await MongoEventStore.connect(where, arg);
  const count = Number(process.argv[5]);
  const { newEventId } = await import('../dist/libs/event-store/index.js');
  const countries = ['KEN', 'UGA', 'ETH', 'ERI', 'TZA', 'SAU', 'JOR', 'ARE', 'IND', 'USA', 'BRA', 'EGY'];
  const meta = { actor: 'generator', correlationId: 'gen', causationId: 'gen' };
  const t = performance.now();
  let written = 0;
  for (let c = 0; written < count; c++) {
    for (const iso3 of countries) {
      const n = Math.min(500, count - written);
      if (n <= 0) break;
      const events = Array.from({ length: n }, (_, i) => {
        const day = `2026-01-${String(1 + (i % 28)).padStart(2, '0')}`;
        return { id: newEventId(), type: 'LetterDelivered', schemaVersion: 1, occurredAt: day, data: { campaignId: `gen-${c}`, treaty: 'CCM', iso3, missionId: 'm', deliveredOn: day }, metadata: meta };
      });
      await store.append(`outreach-gen-${c}-${iso3}`, 'any', events);
      written += n;
    }
  }
  await store.close();
  process.stdout.write(`${JSON.stringify({ what, events: written, seconds: Number(((performance.now() - t) / 1000).toFixed(2)) })}\n`);
  process.exit(0);
}
const store = distributed ? await MongoEventStore.connect(where, arg.split(':')[0]) : new SqliteEventStore(openSqliteDatabase(where));
const rssBefore = peakRssMB();
if (what.startsWith('command')) {
  process.stdout.write(`${JSON.stringify({ what, ...(await commandLatencies(store, Number(process.argv[distributed ? 5 : 4] ?? 500))), peakRssMB: Math.round(peakRssMB()) })}\n`);
  process.exit(0);
}
const t0 = performance.now();
let events = 0;
if (what === 'replay-raw') {
  // Reference: the same rows straight from better-sqlite3, payloads parsed, nothing else.
  const db = openSqliteDatabase(where);
  for (const row of db.prepare('SELECT * FROM events ORDER BY position').iterate()) {
    JSON.parse(row.data);
    events++;
  }
} else if (what.startsWith('replay')) {
  // As the replay figure and every reader of a long stretch do: readAllPages, 1000 a page (on
  // MongoDB one cursor; page after page of readAll would make FerretDB scan the log per page).
  for await (const page of store.readAllPages(0, 1000)) events += page.length;
} else {
  const name = distributed ? arg.split(':')[1] : arg;
  const projection = READ_MODEL_PROJECTIONS.find((p) => p.name === name);
  if (!projection) throw new Error(`no projection ${name}`);
  const readModels = distributed ? await MongoReadModelStore.connect(where, `${arg.split(':')[0]}_rm`) : new SqliteReadModelStore(openSqliteDatabase(where, 'read-models.sqlite'));
  const result = await rebuildProjection(store, readModels, projection, { swap: true, upcast: (e) => registry.upcast(e) });
  events = result.events;
}
const seconds = (performance.now() - t0) / 1000;
process.stdout.write(`${JSON.stringify({ what, events, seconds: Number(seconds.toFixed(2)), eventsPerSecond: Math.round(events / seconds), peakRssMB: Math.round(peakRssMB()), rssAfterOpenMB: Math.round(rssBefore) })}\n`);
process.exit(0);

/**
 * A command's cost on a store of this size: meetings recorded one after another through the
 * use case the HTTP API calls (country check, campaign and mission loaded, decided, appended),
 * on streams of their own; the first 10% are a warm-up and not counted.
 */
async function commandLatencies(store, count) {
  const { runner, treaties, clock, meta } = await campaignReady(store);
  await new RegisterMissionsHandler(runner, store, clock).execute(
    new RegisterMissionsCommand([{ missionId: 'bench-mission', name: 'Benchmark mission', kind: 'non-resident', coordinator: 'JPN', accreditedTo: COUNTRIES }], meta),
  );
  const handler = new RecordOutreachHandler(runner, store, clock, treaties);
  const warmup = Math.ceil(count / 10);
  const latencies = [];
  for (let i = 0; i < warmup + count; i++) {
    const heldOn = new Date(Date.UTC(2012, 5, 2) + Math.floor(i / COUNTRIES.length) * 86_400_000).toISOString().slice(0, 10);
    const t = performance.now();
    await handler.execute(new RecordOutreachCommand(COUNTRIES[i % COUNTRIES.length], 'ccm-2012', 'bench-mission', { kind: 'hold-meeting', heldOn }, meta));
    if (i >= warmup) latencies.push(performance.now() - t);
  }
  return { commands: count, p50Ms: round(percentile(latencies, 50), 2), p99Ms: round(percentile(latencies, 99), 2), maxMs: round(Math.max(...latencies), 2) };
}
