// `npm run bench` (builds first): every figure of BENCHMARKS.md, each against a raw baseline
// measured in the same run on the same data, interleaved; then the growth study.
//   --quick                 a smoke run (about two minutes on 2 cores with FerretDB)
//   --sizes=100k,1m,5m      history sizes of the embedded (SQLite) growth study
//   --mongo-sizes=100k      history sizes of the growth study on MongoDB (default: none)
//   --only=append,replay,rebuild,publish,project,follow-ups,commands,lag,import,embedded,embedded-commands,peers,growth
//   --no-markdown           do not rewrite the results section of BENCHMARKS.md
//   --out=FILE              write the JSON there instead of bench/results/latest.json
//   --profile               the Demarche apps started by the bench write CPU profiles to bench/profiles
//                           (run the bench itself under `node --cpu-prof` for the in-process figures)
//   --system-profile        record one repetition of each side of each figure with `perf record -a` (needs
//                           root or kernel.perf_event_paranoid=-1): CPU by process (FerretDB, PostgreSQL,
//                           Kafka, Redis, the app, the bench) and hottest symbols, to bench/profiles/<run>/
//                           and the JSON (run as `node --perf-basic-prof-only-functions bench/run.mjs` to
//                           name the bench's own JavaScript too)
//   --growth-from=FILE      show the growth studies (embedded, and MongoDB if it has one) of an earlier run's JSON instead of running them
//   --render=FILE           measure nothing: rewrite BENCHMARKS.md (and --out) from an earlier run's JSON
//   --figure-timeout=S      give up a figure after S seconds (default 300 quick, 3600 full)
//   --lag-rate=N            hold the lag figure at N commands/s instead of half the all-roles app's sustained maximum
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DistributedBench } from './distributed.mjs';
import { HttpBench } from './http.mjs';
import { embeddedAppend } from './embedded.mjs';
import { embeddedCommands } from './commands-embedded.mjs';
import { peerRows, peerSizes } from './peers.mjs';
import { mongoPeers } from './peers-mongo.mjs';
import { sqlitePeers } from './peers-sqlite.mjs';
import { seedImportMongo, seedImportSqlite } from './import.mjs';
import { embeddedGrowth, GROWTH_PROJECTIONS, mongoGrowth } from './growth.mjs';
import { SystemProfiler } from './system-profile.mjs';
import { renderSystemProfiles } from './system-profile-render.mjs';
import { fmtRate, machine, parseSize, repetitionWindows, round, runId, sizeLabel, tryExec } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, v ?? true];
  }),
);
const quick = Boolean(args.quick);
const only = args.only ? new Set(String(args.only).split(',')) : undefined;
const wants = (name) => !only || only.has(name);
const growthSizes = String(args.sizes ?? (quick ? '100k' : '100k,1m,5m')).split(',').filter(Boolean).map(parseSize);
const mongoSizes = args['mongo-sizes'] ? String(args['mongo-sizes']).split(',').filter(Boolean).map(parseSize) : [];

const sizes = quick
  ? {
      append: { commits: 5, reps: 5, warmup: 0 },
      dataEvents: 3000,
      replay: { reps: 5, warmup: 0 },
      rebuild: { reps: 5, warmup: 0 },
      publish: { reps: 5, warmup: 0 },
      project: { reps: 5, warmup: 0, events: 1000 },
      followUps: { reps: 5, warmup: 0, jobs: 200 },
      commands: { reps: 5, warmup: 0, requests: 96 },
      lag: { reps: 5, warmup: 0, seconds: 3, sustainedCommands: 200 },
      embedded: { reps: 5, warmup: 1, commits: 20 },
      import: { reps: 3, warmup: 0 },
      embeddedCommands: { reps: 3, warmup: 1, requests: 200 },
      peers: peerSizes(true),
    }
  : {
      append: { commits: 20, reps: 7, warmup: 1 },
      dataEvents: 20_000,
      replay: { reps: 5, warmup: 1 },
      rebuild: { reps: 5, warmup: 1 },
      publish: { reps: 5, warmup: 1 },
      project: { reps: 5, warmup: 1, events: 20_000 },
      followUps: { reps: 5, warmup: 1, jobs: 2000 },
      commands: { reps: 7, warmup: 1, requests: 640 },
      lag: { reps: 5, warmup: 1, seconds: 15 },
      embedded: { reps: 7, warmup: 1, commits: 200 },
      import: { reps: 5, warmup: 1 },
      embeddedCommands: { reps: 5, warmup: 1, requests: 1000 },
      peers: peerSizes(false),
    };

const servers = {
  mongoUrl: process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017',
  kafkaBrokers: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
};

const t00 = performance.now();
const log = (m) => console.log(`[${((performance.now() - t00) / 1000).toFixed(0).padStart(4)} s] ${m}`);
const run = runId();
const started = new Date();
const figures = {};
const failures = {};
// --system-profile: perf samples the whole machine during one repetition of each side.
const profiler = args['system-profile'] && !args.render ? new SystemProfiler({ run, log, appPids: () => [...http.children].map((c) => c.pid) }) : undefined;
const bench = new DistributedBench({ run, ...servers, log, sizes, profiler });
const http = new HttpBench(bench, { states: quick ? 24 : 60, profile: Boolean(args.profile) });

/** A figure that takes longer than this is recorded as failed and the bench moves on. */
const FIGURE_TIMEOUT_S = Number(args['figure-timeout'] ?? (quick ? 300 : 3600));

async function figure(key, fn) {
  repetitionWindows.figure = key;
  const t0 = performance.now();
  let timer;
  try {
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${FIGURE_TIMEOUT_S} s (--figure-timeout)`)), FIGURE_TIMEOUT_S * 1000);
    });
    figures[key] = { ...(await Promise.race([fn(), timeout])), elapsedSeconds: round((performance.now() - t0) / 1000) };
  } catch (error) {
    failures[key] = String(error?.stack ?? error);
    console.error(`figure ${key} failed: ${error?.message ?? error}`);
  } finally {
    clearTimeout(timer);
  }
}

let onSignal;
process.once('SIGINT', (onSignal = async () => {
  console.error('interrupted: dropping this run\'s databases, topics and keys');
  await http.close();
  await bench.close();
  process.exit(130);
}));
process.once('SIGTERM', onSignal);

if (!args.render) console.log(`Demarche bench ${quick ? '(quick) ' : ''}run ${run}`);
await profiler?.check();
let serverInfo = {};
const distributedFigures = ['append', 'replay', 'rebuild', 'publish', 'project', 'follow-ups', 'commands', 'lag', 'import', 'peers'];
try {
  if (!args.render && (distributedFigures.some(wants) || mongoSizes.length)) {
    await bench.open();
    serverInfo = await bench.serverVersions();
    const status = tryExec('bash', [join(root, 'deploy/infra/infra.sh'), 'status']);
    for (const [name, re] of [['kafka', /kafka\s+up.*?(Kafka [\d.]+)/], ['mongo', /mongo\s+up.*?(FerretDB v[\d.]+)/]]) {
      const m = re.exec(status);
      if (m) serverInfo[name] = m[1];
    }
    const needData = ['replay', 'rebuild', 'publish', 'project'].some(wants);
    if (wants('append') || needData) await figure('batchedAppend', () => bench.batchedAppend());
    if (needData) await bench.populate(sizes.dataEvents);
    if (wants('replay')) await figure('replay', () => bench.replay());
    if (wants('rebuild')) await figure('rebuild', () => bench.rebuild('campaign-summary'));
    if (wants('publish') || wants('project')) await figure('publish', () => bench.publish());
    if (wants('publish')) await figure('storeCalls', () => bench.storeCalls());
    if (wants('project')) await figure('project', () => bench.project());
    if (wants('follow-ups')) await figure('followUps', () => bench.followUps());
    if (wants('commands') || wants('lag')) await figure('commands', () => http.commands(sizes.commands));
    if (wants('lag')) await figure('lag', () => http.lag({ ...sizes.lag, ...(args['lag-rate'] ? { rate: Number(args['lag-rate']) } : {}) }));
    if (wants('import')) await figure('seedImport', () => seedImportMongo({ bench, ...sizes.import, log }));
    if (wants('peers')) await figure('peersMongo', () => mongoPeers({ bench, reps: sizes.peers.reps, warmup: sizes.peers.warmup, sizes: sizes.peers.mongo, log }));
    if (mongoSizes.length) {
      figures.growthMongo = await mongoGrowth(mongoSizes, {
        mongoUrl: servers.mongoUrl,
        dbName: (s) => bench.db(s),
        drop: (db) => bench.client.db(db).dropDatabase().catch(() => undefined),
        log,
      });
    }
  }
} finally {
  await http.close();
  await bench.close();
}
if (!args.render && ['embedded', 'import', 'peers', 'embedded-commands'].some(wants)) {
  const dir = mkdtempSync(join(tmpdir(), 'demarche-bench-'));
  try {
    if (wants('embedded')) await figure('embeddedAppend', () => embeddedAppend({ dir, ...sizes.embedded, log, profile: profiler?.hook('embeddedAppend') }));
    if (wants('import')) await figure('seedImportEmbedded', () => seedImportSqlite({ dir, ...sizes.import, log }));
    if (wants('embedded-commands')) await figure('commandsEmbedded', () => embeddedCommands({ dir, run, ...sizes.embeddedCommands, log, profile: Boolean(args.profile) }));
    if (wants('peers')) await figure('peersSqlite', () => sqlitePeers({ dir, reps: sizes.peers.reps, warmup: sizes.peers.warmup, sizes: sizes.peers.sqlite, log }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
if (args['growth-from']) {
  // Reuse the growth studies of an earlier run (they take long at 5M events), saying which run they come from.
  const earlier = JSON.parse(readFileSync(String(args['growth-from']), 'utf8'));
  const from = earlier.figures.growthFrom ?? { run: earlier.run, startedAt: earlier.startedAt, gitCommit: earlier.machine?.gitCommit };
  figures.growthEmbedded = earlier.figures.growthEmbedded;
  if (!mongoSizes.length && earlier.figures.growthMongo) figures.growthMongo = earlier.figures.growthMongo;
  figures.growthFrom = from;
} else if (!args.render && wants('growth') && growthSizes.length) figures.growthEmbedded = await embeddedGrowth(growthSizes, log);

// --render=FILE: no measuring, only the Markdown (and --out) from an earlier run's JSON.
const result = args.render ? JSON.parse(readFileSync(String(args.render), 'utf8')) : {
  run,
  quick,
  startedAt: started.toISOString(),
  finishedAt: new Date().toISOString(),
  machine: machine({ servers: serverInfo, gitCommit: tryExec('git', ['-C', root, 'rev-parse', '--short', 'HEAD']).trim() || undefined }),
  sizes: { ...sizes, growth: growthSizes, growthMongo: mongoSizes },
  figures,
  ...(profiler && Object.keys(profiler.profiles).length ? { systemProfiles: profiler.profiles } : {}),
  failures,
};
profiler?.finish();
if (args.render && figures.growthFrom) Object.assign(result.figures, { growthEmbedded: figures.growthEmbedded, growthMongo: figures.growthMongo, growthFrom: figures.growthFrom });
mkdirSync(join(root, 'bench/results'), { recursive: true });
// Under `node --cpu-prof`, the repetitions' times, to summarise the profile over one side of one figure.
if (process.execArgv.some((a) => a.startsWith('--cpu-prof')) && repetitionWindows.list.length) {
  const file = join(root, 'bench/profiles', `${run}.windows.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(repetitionWindows.list, null, 1)}\n`);
  console.log(`repetition windows for the CPU profile: ${relative(root, file)} (node bench/profile-summary.mjs <profile> --windows=${relative(root, file)} --figure=<name> --side=ours)`);
}
const out = args.out ? String(args.out) : join(root, 'bench/results/latest.json');
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
const table = markdown(result);
console.log(`\n${table}`);
if (!args['no-markdown']) {
  const path = join(root, 'BENCHMARKS.md');
  const start = '<!-- bench:results:start -->';
  const end = '<!-- bench:results:end -->';
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    text = `# Benchmarks\n\n${start}\n${end}\n`;
  }
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  text = a >= 0 && b > a ? `${text.slice(0, a + start.length)}\n${table}\n${text.slice(b)}` : `${text}\n${start}\n${table}\n${end}\n`;
  writeFileSync(path, text);
}
console.log(`\nwrote ${out}` + (args['no-markdown'] ? '' : ' and the results section of BENCHMARKS.md'));
process.exit(Object.keys(result.failures).length ? 1 : 0);

function markdown(r) {
  const f = r.figures;
  const rate = (x) => (x ? `${fmtRate(x.median)}/s` : 'n/a');
  const ratio = (x, target) => (!x ? 'not run' : target === '—' ? `**${x.ratio}**` : `**${x.ratio}** (target ${target})${x.ratio >= Number(target.replace(/[^\d.]/g, '')) ? '' : ' below'}`);
  const sameLayout = (x) => x?.sameLayout && { ours: x.ours, raw: x.sameLayout, ratio: x.ratioSameLayout };
  const minimal = (x) => x?.minimal && { ours: x.ours, raw: x.minimal, ratio: x.ratioMinimal };
  const rows = [
    ['batched append (100 events/commit, ~300 B each), events/s', 'event store `append`', 'driver `insertMany`', f.batchedAppend, '>= 0.6'],
    ['single-event commands, 32 concurrent, HTTP to stored, commands/s', 'POST /v1/countries/{iso3}/meetings', 'driver `insertOne`, same unique index', f.commands, '>= 0.3'],
    ['replay read, events/s', 'event store `readAllPages` (1000 a page)', "driver cursor over the store's own commits, 5,000 events a round trip", sameLayout(f.replay), '>= 0.8'],
    ['replay read against the per-event layout, events/s', 'the same', 'driver cursor over one document per event, batch 1000', f.replay, '—'],
    ['full projection rebuild (campaign-summary), events/s', '`rebuildProjection` (swap)', "the store's own commits read raw + `bulkWrite` of the final documents", sameLayout(f.rebuild), '>= 0.5'],
    ['full projection rebuild against the per-event layout, events/s', 'the same', 'per-event cursor read + `bulkWrite` of the final documents', f.rebuild, '—'],
    ['publish, events/s', 'outbox relay to Kafka', 'kafkajs `send`, 100-message batches', f.publish, '>= 0.7'],
    ['project, events/s', 'projector consumer (4 read models, written in turns under a Redis lock, as the projector role)', 'no-op `eachBatch` consumer', f.project, '>= 0.5'],
    ['follow-up jobs, jobs/s', '`BullTimers.setMany` (100 a call) + `BullTimerWorker`', 'BullMQ `addBulk` + `Worker`', f.followUps, '>= 0.5'],
    ['embedded append (SQLite), events/s', 'SQLite adapter `append`', 'better-sqlite3, one transaction per 100 rows of the minimal table (stream, version, type, data)', minimal(f.embeddedAppend), '—'],
    ['embedded append against the full row, events/s', 'the same', 'better-sqlite3, one transaction per 100 rows of every field Demarche keeps, event id unique', f.embeddedAppend, '>= 0.6'],
    ['embedded commands, one in flight, commands/s', 'POST /v1/countries/{iso3}/meetings to `npm start` (SQLite)', 'better-sqlite3, one row per transaction (minimal table)', f.commandsEmbedded, '—'],
    ['seed-sized import (113 missions, 125 letters, 77 responses from CSV), events/s, MongoDB wire', 'import-missions + import-outreach (checked, then written)', 'driver `insertMany`, 100 a commit', f.seedImport, '—'],
    ['seed-sized import, events/s, SQLite', 'the same import on the embedded profile', 'better-sqlite3, one transaction per 100 rows', f.seedImportEmbedded, '—'],
  ];
  const lines = [
    `Run \`${r.run}\`${r.quick ? ' (**--quick**: small data, indicative only)' : ''}, ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC, commit ${r.machine.gitCommit ?? '?'}.`,
    `Machine: ${r.machine.cores} cores (${r.machine.cpuModel}), ${Math.round(r.machine.memoryMB / 1024)} GB RAM, ${r.machine.platform}, Node.js ${r.machine.node}; ` +
      `servers: ${[r.machine.servers.mongo, r.machine.servers.kafka, r.machine.servers.redis && `Redis ${r.machine.servers.redis}`].filter(Boolean).join(', ') || 'n/a'}; load average at start ${r.machine.loadAverageAtStart.join(' ')}.`,
    '',
    '| figure | ours | raw baseline | ours (median) | raw (median) | ratio |',
    '|---|---|---|---|---|---|',
    ...rows.map(([name, ours, raw, x, target]) => `| ${name} | ${ours} | ${raw} | ${rate(x?.ours)} | ${rate(x?.raw)} | ${ratio(x, target)} |`),
  ];
  if (f.commands) {
    lines.push('', `Commands latency: ours p50 ${f.commands.ours.p50Ms} ms, p99 **${f.commands.ours.p99Ms} ms**; insertOne p50 ${f.commands.raw.p50Ms} ms, p99 ${f.commands.raw.p99Ms} ms (${f.commands.conflictsRetried} answers 409 retried, over ${f.commands.streams} streams).`);
  }
  if (f.commandsEmbedded) {
    const c = f.commandsEmbedded;
    lines.push('', `Embedded commands latency, one in flight: ours p50 ${c.ours.p50Ms} ms, p99 **${c.ours.p99Ms} ms**; better-sqlite3 p50 ${c.raw.p50Ms} ms, p99 ${c.raw.p99Ms} ms` +
      (c.emmett ? `; Emmett ${c.emmett.version} \`CommandHandler\` over its SQLite store ${Math.round(c.emmett.median)}/s, p50 ${c.emmett.p50Ms} ms, p99 ${c.emmett.p99Ms} ms (Demarche **${c.ratioToEmmett}x**).` : `; Emmett not measured: ${c.unavailable}.`));
  }
  lines.push(...peerRows('Peers, embedded profile (SQLite, WAL, synchronous=FULL on every side):', f.peersSqlite));
  lines.push(...peerRows('Peers, distributed profile (the same MongoDB-protocol server for every side):', f.peersMongo));
  if (f.storeCalls) {
    lines.push('', `Event store calls on MongoDB after the figures above (${f.storeCalls.head} events stored; median of 5, ms): ` +
      Object.entries(f.storeCalls).filter(([k]) => k !== 'head' && k !== 'elapsedSeconds').map(([k, v]) => `${k} ${v}`).join(', ') + '.');
  }
  if (f.lag) {
    lines.push(
      '',
      `End-to-end lag at ${f.lag.ratePerSecond} commands/s (` +
        (f.lag.sustainedPerSecond ? `half the ${f.lag.sustainedPerSecond} commands/s the all-roles app takes and projects, 32 at a time, median of 3` : 'a rate given with --lag-rate') +
        `), ${f.lag.seconds} s per repetition: ` +
        `HTTP accepted -> read model updated p99 **${f.lag.ours.medianP99Ms} ms** (median of ${f.lag.ours.p99sMs.length} repetitions; p50 ${f.lag.ours.medianP50Ms} ms; ${f.lag.ours.errors} errors), ` +
        `target < 250 ms${f.lag.ours.medianP99Ms < 250 ? '' : ' — **below target**'}; Kafka produce -> consume round trip p99 ${f.lag.raw.medianP99Ms} ms (p50 ${f.lag.raw.medianP50Ms} ms).` +
        (f.lag.ours.publishedMedianP99Ms !== undefined ? ` Of the lag, HTTP accepted -> on Kafka (the relay's part): p50 ${f.lag.ours.publishedMedianP50Ms} ms, p99 ${f.lag.ours.publishedMedianP99Ms} ms; the rest is the projector's.` : '') +
        (f.lag.ours.timedCampaigns !== undefined
          ? ` Timed on the commands of ${f.lag.ours.timedCampaigns} of the ${f.lag.ours.campaigns} campaigns (${f.lag.ours.timedPerRepetition} a repetition; all of them get load), whose summaries the bench read ${f.lag.ours.probeReadsPerSecond} times a second to see them updated.`
          : f.lag.ours.probeReadsPerSecond !== undefined ? ` The bench read the campaign summaries ${f.lag.ours.probeReadsPerSecond} times a second to see them updated.` : ''),
    );
  }
  lines.push(...renderSystemProfiles(r));
  const growthTable = (title, rowsOf) => {
    if (!rowsOf?.length) return;
    const keys = ['replay', ...GROWTH_PROJECTIONS.map((p) => `rebuild:${p}`)];
    const command = rowsOf.some((row) => row.command);
    lines.push('', title, '', `| events | generate (s) | ${rowsOf[0].replayRaw ? 'raw SQLite read, events/s | ' : ''}${keys.map((k) => `${k.replace('rebuild:', 'rebuild ')} events/s (peak RSS)`).join(' | ')} |${command ? ' a command, p50 / p99 ms |' : ''}`);
    lines.push(`|---|---|${rowsOf[0].replayRaw ? '---|' : ''}${keys.map(() => '---').join('|')}|${command ? '---|' : ''}`);
    for (const row of rowsOf) {
      const c = command ? ` ${row.command ? `${row.command.p50Ms} / **${row.command.p99Ms}**` : 'n/a'} |` : '';
      lines.push(`| ${row.label} | ${row.generateSeconds} | ${row.replayRaw ? `${fmtRate(row.replayRaw.eventsPerSecond)} (${row.replayRaw.peakRssMB} MB) | ` : ''}${keys.map((k) => (row[k] ? `${fmtRate(row[k].eventsPerSecond)} (${row[k].peakRssMB} MB)` : 'n/a')).join(' | ')} |${c}`);
    }
  };
  const from = f.growthFrom
    ? ` (from the separate run \`${f.growthFrom.run}\`, ${f.growthFrom.startedAt.slice(0, 16).replace('T', ' ')} UTC, commit ${f.growthFrom.gitCommit ?? '?'})`
    : '';
  growthTable(`Growth, embedded profile (SQLite), each measurement in its own process${from}:`, f.growthEmbedded);
  growthTable(`Growth, distributed profile (MongoDB wire protocol), each measurement in its own process${from}:`, f.growthMongo);
  if (r.secondRun) lines.push('', `The ${r.secondRun.figures.join(' and ')} figures come from a second run, \`${r.secondRun.run}\` (${r.secondRun.startedAt.slice(0, 16).replace('T', ' ')} UTC): ${r.secondRun.why}.`);
  if (Object.keys(r.failures).length) lines.push('', `Failed figures: ${Object.keys(r.failures).join(', ')} (see bench/results/latest.json).`);
  return lines.join('\n');
}
