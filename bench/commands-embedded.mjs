// Commands end to end on the embedded profile: `POST /v1/countries/{iso3}/meetings` to the
// process `npm start` runs (dist/apps/demarche, SQLite), against better-sqlite3 committing one
// row per transaction at the same durability, and against the same command through Emmett's
// command handler over its SQLite store. One request in flight on every side, so that the
// latencies compare: Emmett's store takes one writer at a time on a file.
import { join } from 'node:path';
import { HttpBench } from './http.mjs';
import { COUNTRIES, letterEvents, now, rounds } from './lib.mjs';
import { loadPeer } from './peers.mjs';
import { minimalSqliteLog } from './sqlite-baselines.mjs';

/** The HTTP bench pointed at an embedded app with a data directory of its own. */
class EmbeddedHttpBench extends HttpBench {
  constructor({ run, log, dataDir, profile }) {
    super({ run, log, db: () => 'unused', topics: new Set(), group: () => 'unused' }, { states: 24, profile });
    this.dataDir = dataDir;
  }

  env(port) {
    const { MONGO_URL, KAFKA_BROKERS, REDIS_URL, SMTP_URL, ...rest } = super.env(port);
    for (const key of ['DEMARCHE_MONGO_DB', 'DEMARCHE_KAFKA_TOPIC', 'DEMARCHE_KAFKA_GROUP', 'DEMARCHE_REDIS_PREFIX']) delete rest[key];
    return { ...rest, DEMARCHE_PROFILE: 'embedded', DEMARCHE_DATA_DIR: this.dataDir };
  }
}

/** A meeting on a country's outreach stream, as Emmett's command handler decides it: once per day held. */
function emmettMeetings(core, store) {
  const handle = core.CommandHandler({
    evolve: (state, event) => (event.type === 'MeetingHeld' ? { held: new Set([...state.held, event.data.heldOn]) } : state),
    initialState: () => ({ held: new Set() }),
  });
  let next = 0;
  return async () => {
    const g = next++;
    const iso3 = COUNTRIES[g % COUNTRIES.length];
    const campaignId = `bench-${Math.floor(g / COUNTRIES.length) % 8}`;
    const heldOn = new Date(Date.UTC(2009, 0, 1) + Math.floor(g / (COUNTRIES.length * 8)) * 86_400_000).toISOString().slice(0, 10);
    await handle(store, `outreach:${campaignId}-${iso3}`, (state) =>
      state.held.has(heldOn) ? [] : [{ type: 'MeetingHeld', data: { campaignId, treaty: 'CCM', iso3, missionId: 'bench-mission', heldOn }, metadata: { actor: 'bench' } }],
    );
  };
}

async function sequential(count, fn) {
  const latencies = [];
  const t0 = now();
  for (let i = 0; i < count; i++) {
    const s = now();
    await fn(i);
    latencies.push(now() - s);
  }
  return { rate: count / ((now() - t0) / 1000), latencies };
}

export async function embeddedCommands({ dir, run, reps, warmup, requests, log, profile }) {
  const http = new EmbeddedHttpBench({ run, log, dataDir: join(dir, 'app'), profile });
  const core = loadPeer('emmett-sqlite', '@event-driven-io/emmett', log);
  const sqlite = loadPeer('emmett-sqlite', '@event-driven-io/emmett-sqlite', log);
  const raw = minimalSqliteLog(join(dir, 'commands-raw.sqlite'));
  const versions = new Map();
  const t0 = now();
  const app = await http.startApp('demarche');
  log(`embedded commands: the app (all roles, SQLite) answered after ${((now() - t0) / 1000).toFixed(1)} s (seeding the states)`);
  try {
    await http.setUp();
    const sides = {
      ours: () => sequential(requests, () => http.meeting()),
      raw: () =>
        sequential(requests, (i) => {
          const stream = `outreach-bench-${COUNTRIES[i % COUNTRIES.length]}`;
          const v = versions.get(stream) ?? 0;
          raw.commit(stream, v, letterEvents('bench', COUNTRIES[i % COUNTRIES.length], 1, 200));
          versions.set(stream, v + 1);
        }),
    };
    if (core.module && sqlite.module) {
      const meeting = emmettMeetings(core.module, sqlite.module.getSQLiteEventStore({ fileName: join(dir, 'commands-emmett.sqlite') }));
      sides.emmett = () => sequential(requests, meeting);
    }
    log(`embedded commands: ${reps} rounds of ${requests} commands, one in flight, on each side (${Object.keys(sides).join(', ')})`);
    const { sides: result } = await rounds({ reps, warmup, sides, log });
    const ratio = (side) => (result[side] ? Math.round((result.ours.median / result[side].median) * 1000) / 1000 : null);
    return {
      ours: result.ours,
      raw: result.raw,
      ...(result.emmett ? { emmett: { ...result.emmett, version: core.version } } : { unavailable: core.unavailable ?? sqlite.unavailable }),
      ratio: ratio('raw'),
      ratioToEmmett: ratio('emmett'),
      conflictsRetried: http.conflicts,
    };
  } finally {
    await app.stop();
    await http.close();
    raw.db.close();
  }
}
