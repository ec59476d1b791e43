// The raw better-sqlite3 logs the embedded figures measure against, in WAL mode with
// synchronous=FULL as Demarche opens its own file.
import Database from 'better-sqlite3';

function open(file) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  return db;
}

/** The smallest log with a per-stream version check (stream, version, type, data): the limit of an append. */
export function minimalSqliteLog(file) {
  const db = open(file);
  db.exec('CREATE TABLE events (stream TEXT NOT NULL, version INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, UNIQUE (stream, version))');
  const insert = db.prepare('INSERT INTO events (stream, version, type, data) VALUES (?, ?, ?, ?)');
  /** Appends `events` after version `expected` of `stream`, in one transaction. */
  const commit = db.transaction((stream, expected, events) => events.forEach((e, i) => insert.run(stream, expected + i + 1, e.type, JSON.stringify(e.data))));
  return { db, commit };
}

/** A row per event with every field Demarche stores (ids, dates, metadata), its event id unique. */
export function fullRowSqliteLog(file) {
  const db = open(file);
  db.exec(`CREATE TABLE events (position INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, stream_id TEXT NOT NULL, stream_version INTEGER NOT NULL,
    type TEXT NOT NULL, schema_version INTEGER NOT NULL, occurred_at TEXT NOT NULL, recorded_at TEXT NOT NULL, actor TEXT NOT NULL,
    correlation_id TEXT NOT NULL, causation_id TEXT NOT NULL, data TEXT NOT NULL, UNIQUE (stream_id, stream_version))`);
  const insert = db.prepare(`INSERT INTO events (id, stream_id, stream_version, type, schema_version, occurred_at, recorded_at, actor, correlation_id, causation_id, data)
    VALUES (@id, @streamId, @streamVersion, @type, @schemaVersion, @occurredAt, @recordedAt, @actor, @correlationId, @causationId, @data)`);
  /** Inserts rows shaped as `storedFields` plus `streamId` and `streamVersion`, in one transaction. */
  const commit = db.transaction((rows) => rows.forEach((row) => insert.run(row)));
  return { db, commit };
}
