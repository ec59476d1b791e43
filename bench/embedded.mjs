// The embedded profile's figure: the SQLite event store against raw better-sqlite3 inserts of
// the same rows (every field Demarche keeps), and against the minimal table as the limit.
import { join } from 'node:path';
import { storedFields } from '../dist/libs/event-store/index.js';
import { openSqliteDatabase } from '../dist/libs/platform/persistence/sqlite-database.js';
import { SqliteEventStore } from '../dist/libs/event-store/infrastructure/sqlite-event-store.js';
import { COUNTRIES, letterEvents, now, round, rounds } from './lib.mjs';
import { fullRowSqliteLog, minimalSqliteLog } from './sqlite-baselines.mjs';

// 8. embedded append: 100-event commits through the adapter vs the same events inserted by
// better-sqlite3 in one transaction per 100, with the same durability (WAL, synchronous=FULL).
export async function embeddedAppend({ dir, reps, warmup, commits, log, profile }) {
  const store = new SqliteEventStore(openSqliteDatabase(dir, 'ours.sqlite'));
  const full = fullRowSqliteLog(join(dir, 'raw.sqlite'));
  const minimal = minimalSqliteLog(join(dir, 'minimal.sqlite'));
  const batches = (tag) =>
    Array.from({ length: commits }, (_, k) => {
      const campaignId = `${tag}x${k}`;
      const iso3 = COUNTRIES[k % COUNTRIES.length];
      return { streamId: `outreach-${campaignId}-${iso3}`, events: letterEvents(campaignId, iso3, 100) };
    });
  const timed = (tag, write) => async (i) => {
    const list = batches(`${tag}${i}`);
    const t0 = now();
    for (const b of list) await write(b);
    return { rate: (commits * 100) / ((now() - t0) / 1000) };
  };
  log(`embedded append: ${reps} x ${commits} commits of 100 events (SQLite, WAL, synchronous=FULL)`);
  try {
    const { sides } = await rounds({
      reps,
      warmup,
      log,
      profile,
      sides: {
        ours: timed('o', (b) => store.append(b.streamId, 0, b.events)),
        raw: timed('r', (b) => {
          const recordedAt = new Date().toISOString();
          full.commit(b.events.map((e, v) => ({ ...storedFields(e, recordedAt), streamId: b.streamId, streamVersion: v + 1 })));
        }),
        minimal: timed('m', (b) => minimal.commit(b.streamId, 0, b.events)),
      },
    });
    return { ours: sides.ours, raw: sides.raw, ratio: round(sides.ours.median / sides.raw.median, 3), minimal: sides.minimal, ratioMinimal: round(sides.ours.median / sides.minimal.median, 3) };
  } finally {
    await store.close();
    full.db.close();
    minimal.db.close();
  }
}
