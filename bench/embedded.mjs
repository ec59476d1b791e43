// The embedded profile's figure: the SQLite event store against raw better-sqlite3 inserts.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { storedFields } from '../dist/libs/event-store/index.js';
import { openSqliteDatabase } from '../dist/libs/platform/persistence/sqlite-database.js';
import { SqliteEventStore } from '../dist/libs/event-store/infrastructure/sqlite-event-store.js';
import { COUNTRIES, interleaved, letterEvents, now } from './lib.mjs';

// 8. embedded append: 100-event commits through the adapter vs the same rows inserted by
// better-sqlite3 in one transaction per 100, with the same durability (WAL, synchronous=FULL).
export async function embeddedAppend({ dir, reps, warmup, commits, log, profile }) {
  const store = new SqliteEventStore(openSqliteDatabase(dir, 'ours.sqlite'));
  const db = new Database(join(dir, 'raw.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE events (position INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, stream_id TEXT NOT NULL, stream_version INTEGER NOT NULL,
    type TEXT NOT NULL, schema_version INTEGER NOT NULL, occurred_at TEXT NOT NULL, recorded_at TEXT NOT NULL, actor TEXT NOT NULL,
    correlation_id TEXT NOT NULL, causation_id TEXT NOT NULL, data TEXT NOT NULL, UNIQUE (stream_id, stream_version))`);
  const insert = db.prepare(`INSERT INTO events (id, stream_id, stream_version, type, schema_version, occurred_at, recorded_at, actor, correlation_id, causation_id, data)
    VALUES (@id, @streamId, @streamVersion, @type, @schemaVersion, @occurredAt, @recordedAt, @actor, @correlationId, @causationId, @data)`);
  const insertAll = db.transaction((rows) => {
    for (const row of rows) insert.run(row);
  });
  const batches = (tag) =>
    Array.from({ length: commits }, (_, k) => {
      const campaignId = `${tag}x${k}`;
      const iso3 = COUNTRIES[k % COUNTRIES.length];
      return { streamId: `outreach-${campaignId}-${iso3}`, events: letterEvents(campaignId, iso3, 100) };
    });
  log(`embedded append: ${reps} x ${commits} commits of 100 events (SQLite, WAL, synchronous=FULL)`);
  try {
    return await interleaved({
      reps,
      warmup,
      log,
      profile,
      ours: async (i) => {
        const list = batches(`o${i}`);
        const t0 = now();
        for (const b of list) await store.append(b.streamId, 0, b.events);
        return { rate: (commits * 100) / ((now() - t0) / 1000) };
      },
      raw: async (i) => {
        const list = batches(`r${i}`);
        const t0 = now();
        for (const b of list) {
          const recordedAt = new Date().toISOString();
          insertAll(b.events.map((e, v) => ({ ...storedFields(e, recordedAt), streamId: b.streamId, streamVersion: v + 1 })));
        }
        return { rate: (commits * 100) / ((now() - t0) / 1000) };
      },
    });
  } finally {
    await store.close();
    db.close();
  }
}
