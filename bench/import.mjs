// The seed-sized import: a joint demarche of the 2012 campaign's size (113 missions, a letter
// to each of the 125 states not party on 1 June 2012, 77 responses) entered from spreadsheets
// through the import the command line and the console use, against the batched-append
// baseline (a raw driver writing the same number of events, 100 a commit) on the same server.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { CommandRunner, storedFields } from '../dist/libs/event-store/index.js';
import { MongoEventStore } from '../dist/libs/event-store/infrastructure/mongo-event-store.js';
import { openSqliteDatabase } from '../dist/libs/platform/persistence/sqlite-database.js';
import { SqliteEventStore } from '../dist/libs/event-store/infrastructure/sqlite-event-store.js';
import { demarcheEventRegistry } from '../dist/apps/runtime/event-types.js';
import { importStatesFiles, shippedStatesFiles } from '../dist/libs/treaty-status/application/import-states-files.js';
import { readTreatyCatalog } from '../dist/libs/treaty-status/infrastructure/treaty-files.js';
import { campaignDecider, campaignStreamId } from '../dist/libs/outreach/index.js';
import { OutreachImport } from '../dist/libs/outreach/api/outreach-import.js';
import { RecordOutreachBatchHandler } from '../dist/libs/outreach/application/record-outreach-batch.handler.js';
import { RegisterMissionsHandler } from '../dist/libs/outreach/application/register-missions.handler.js';
import { interleaved, letterEvents, now, rawEventDoc } from './lib.mjs';
import { fullRowSqliteLog } from './sqlite-baselines.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const reference = join(root, 'reference');
const clock = { now: () => new Date('2026-12-07T09:00:00Z') };
const meta = { actor: 'bench', correlationId: 'bench-import', causationId: 'bench-import' };

/** The spreadsheets of a 2012-sized demarche, from the shipped record: the same files every run. */
export function seedSizedCampaign() {
  const states = parse(readFileSync(join(reference, 'ccm-states.csv'), 'utf8'), { columns: true });
  const targets = states.filter((s) => s.iso3 !== 'PSE' && !(s.deposited && s.deposited <= '2012-06-01')).map((s) => s.iso3).sort();
  const coordinator = (i) => (i % 2 ? 'PRT' : 'JPN');
  const missionOf = new Map();
  const missions = ['id,name,kind,coordinator,accredited_to'];
  targets.slice(0, 87).forEach((iso3, i) => {
    missionOf.set(iso3, `m-${iso3.toLowerCase()}`);
    missions.push(`m-${iso3.toLowerCase()},Embassy in ${iso3},resident,${coordinator(i)},${iso3}`);
  });
  const rest = targets.slice(87);
  for (let k = 0, i = 0; k < 26; k++) {
    const covered = rest.slice(i, i + (k < 12 ? 2 : 1));
    i += covered.length;
    for (const iso3 of covered) missionOf.set(iso3, `poc-${k + 1}`);
    missions.push(`poc-${k + 1},Point of contact ${k + 1},non-resident,${coordinator(k)},${covered.join(';')}`);
  }
  const day = (i, offset) => new Date(Date.UTC(2012, 5, 4 + Math.floor((i * 53) / targets.length) + offset)).toISOString().slice(0, 10);
  const outreach = ['kind,country,mission,date,group,ratification_under_way,obstacles'];
  targets.forEach((iso3, i) => outreach.push(`letter,${iso3},${missionOf.get(iso3)},${day(i, 0)},,,`));
  const groups = [['I', 'yes', ''], ['II', '', 'capacity'], ['II', '', 'regional-reciprocity'], ['III', '', 'security-environment']];
  targets.filter((_, i) => i % 13 < 8).slice(0, 77).forEach((iso3) => {
    const i = targets.indexOf(iso3);
    const [group, underWay, obstacles] = groups[i % groups.length];
    outreach.push(`response,${iso3},${missionOf.get(iso3)},${day(i, 12)},${group},${underWay},${obstacles}`);
  });
  return { missions: `${missions.join('\n')}\n`, outreach: `${outreach.join('\n')}\n` };
}

/**
 * A store holding the shipped CCM states and campaign `ccm-2012` (JPN and PRT coordinating), as
 * before an import or a command (untimed); returns what the use cases are built with.
 */
export async function campaignReady(store) {
  const registry = demarcheEventRegistry();
  const runner = new CommandRunner(store, registry);
  const treaties = readTreatyCatalog(join(reference, 'treaties'));
  const treaty = treaties.get('CCM');
  await importStatesFiles(runner, clock, treaty, shippedStatesFiles(reference, 'CCM'));
  await runner.run(campaignStreamId('ccm-2012'), campaignDecider, { campaignId: 'ccm-2012', treaty: 'CCM', title: 'Joint demarche 2012', coordinators: ['JPN', 'PRT'], startsOn: '2012-06-01', treatyOpenedOn: treaty.openedForSignatureOn }, meta);
  return { runner, treaties, clock, meta };
}

async function prepared(store) {
  const { runner, treaties } = await campaignReady(store);
  return new OutreachImport(new RecordOutreachBatchHandler(runner, store, clock, treaties), new RegisterMissionsHandler(runner, store, clock));
}

/** The import, timed: missions, then letters and responses; events appended per second. */
async function timedImport(store, files) {
  const imports = await prepared(store);
  const before = await store.headPosition();
  const t0 = now();
  await imports.missions('missions.csv', files.missions, meta);
  await imports.outreachFile('outreach.csv', files.outreach, meta, { campaignId: 'ccm-2012' });
  const seconds = (now() - t0) / 1000;
  const events = (await store.headPosition()) - before;
  return { rate: events / seconds, events };
}

/** The baseline's commits: `events` events of about 300 B in commits of 100. */
const baselineCommits = (tag, events) =>
  Array.from({ length: Math.ceil(events / 100) }, (_, k) => ({ streamId: `outreach-${tag}-${k}`, events: letterEvents(`${tag}${k}`, 'KEN', Math.min(100, events - k * 100)) }));

/** On the MongoDB wire protocol: the import into a fresh database each time, against `insertMany`. */
export async function seedImportMongo({ bench, reps, warmup, log }) {
  const files = seedSizedCampaign();
  let events = 0;
  log(`seed-sized import (MongoDB): ${reps} repetitions, each into a fresh database`);
  const result = await interleaved({
    reps,
    warmup,
    log,
    ours: async (i) => {
      const store = await MongoEventStore.connect(bench.mongoUrl, bench.db(`import${i + warmup}`));
      try {
        const r = await timedImport(store, files);
        events = r.events;
        return r;
      } finally {
        await store.close();
      }
    },
    raw: async (i) => {
      const collection = bench.client.db(bench.db(`importraw${i + warmup}`)).collection('events');
      await collection.createIndex({ streamId: 1, streamVersion: 1 }, { unique: true });
      const recordedAt = new Date().toISOString();
      let position = 0;
      const docs = baselineCommits(`r${i}`, events || 400).map((b) => b.events.map((e, v) => rawEventDoc(e, b.streamId, v + 1, ++position, recordedAt)));
      const t0 = now();
      for (const d of docs) await collection.insertMany(d, { ordered: true });
      return { rate: position / ((now() - t0) / 1000) };
    },
  });
  return { ...result, eventsPerImport: events };
}

/** On the embedded profile: the import into a fresh SQLite file each time, against better-sqlite3 transactions of 100. */
export async function seedImportSqlite({ dir, reps, warmup, log }) {
  const files = seedSizedCampaign();
  let events = 0;
  log(`seed-sized import (SQLite): ${reps} repetitions, each into a fresh file`);
  const result = await interleaved({
    reps,
    warmup,
    log,
    ours: async (i) => {
      const store = new SqliteEventStore(openSqliteDatabase(dir, `import-${i + warmup}.sqlite`), clock.now);
      try {
        const r = await timedImport(store, files);
        events = r.events;
        return r;
      } finally {
        await store.close();
      }
    },
    raw: async (i) => {
      const { db, commit } = fullRowSqliteLog(join(dir, `import-raw-${i + warmup}.sqlite`));
      const commits = baselineCommits(`r${i}`, events || 400);
      const t0 = now();
      for (const b of commits) {
        const recordedAt = new Date().toISOString();
        commit(b.events.map((e, v) => ({ ...storedFields(e, recordedAt), streamId: b.streamId, streamVersion: v + 1 })));
      }
      const total = commits.reduce((n, b) => n + b.events.length, 0);
      db.close();
      return { rate: total / ((now() - t0) / 1000) };
    },
  });
  return { ...result, eventsPerImport: events };
}
