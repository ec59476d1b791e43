// The embedded profile's peers: Emmett's SQLite event store (its store API, and its low-level
// connection functions that the store API wraps), and better-sqlite3 over the smallest table an
// event log can be (stream, version, type, data) as the limit. Every file in WAL mode with
// synchronous=FULL, as Demarche opens its own; each side says what it had, read back.
import { join } from 'node:path';
import { openSqliteDatabase } from '../dist/libs/platform/persistence/sqlite-database.js';
import { SqliteEventStore } from '../dist/libs/event-store/infrastructure/sqlite-event-store.js';
import { compareStores, demarcheSide, loadPeer } from './peers.mjs';
import { minimalSqliteLog } from './sqlite-baselines.mjs';

const SYNCHRONOUS = ['OFF', 'NORMAL', 'FULL', 'EXTRA'];
const emmettEvent = (e) => ({ type: e.type, data: e.data, metadata: { ...e.metadata, schemaVersion: e.schemaVersion, occurredAt: e.occurredAt } });

function demarche(dir) {
  return {
    ...demarcheSide('Demarche `SqliteEventStore`', (rep) => new SqliteEventStore(openSqliteDatabase(dir, `peer-demarche-${rep}.sqlite`))),
    settings: () => {
      const db = openSqliteDatabase(dir, 'peer-demarche-0.sqlite');
      try {
        return { journalMode: db.pragma('journal_mode', { simple: true }), synchronous: SYNCHRONOUS[db.pragma('synchronous', { simple: true })] };
      } finally {
        db.close();
      }
    },
  };
}

function rawMinimal(dir) {
  return {
    name: 'raw',
    label: 'better-sqlite3, table (stream, version, type, data)',
    tag: 'r',
    open: (rep) => {
      const log = minimalSqliteLog(join(dir, `peer-raw-${rep}.sqlite`));
      return { ...log, byStream: log.db.prepare('SELECT type, data FROM events WHERE stream = ? ORDER BY version'), all: log.db.prepare('SELECT type, data FROM events ORDER BY rowid') };
    },
    append: (h, stream, expected, events) => h.commit(stream, expected, events),
    readStream: (h, stream) => h.byStream.all(stream).map((row) => JSON.parse(row.data)).length,
    readAll: (h) => {
      let n = 0;
      for (const row of h.all.iterate()) {
        JSON.parse(row.data);
        n++;
      }
      return n;
    },
    close: (h) => h.db.close(),
  };
}

/** Reads Emmett's whole log in order the only way it offers: `readMessagesBatch`, what its processors poll with. */
async function emmettReadAll(emmett, connection) {
  let n = 0;
  for (let after = 0n; ; ) {
    const batch = await emmett.readMessagesBatch(connection, { after, batchSize: 1000 });
    n += batch.messages.length;
    if (!batch.areEventsLeft) return n;
    after = batch.currentGlobalPosition;
  }
}

async function emmettSettings(emmett, file) {
  const connection = emmett.sqliteConnection({ fileName: file });
  try {
    const journal = await connection.querySingle('PRAGMA journal_mode');
    const sync = await connection.querySingle('PRAGMA synchronous');
    return { journalMode: journal?.journal_mode, synchronous: SYNCHRONOUS[sync?.synchronous], note: 'a new connection, as the store API opens one per call: SQLite defaults, WAL set by Emmett' };
  } finally {
    connection.close();
  }
}

function emmettStore(emmett, dir, version) {
  const file = (rep) => join(dir, `peer-emmett-store-${rep}.sqlite`);
  return {
    name: 'emmettStore',
    label: 'Emmett SQLite, store API (`getSQLiteEventStore`)',
    version,
    tag: 'e',
    open: (rep) => ({ store: emmett.getSQLiteEventStore({ fileName: file(rep) }), file: file(rep) }),
    append: (h, stream, expected, events) => h.store.appendToStream(stream, events.map(emmettEvent), { expectedStreamVersion: BigInt(expected) }),
    readStream: async (h, stream) => (await h.store.readStream(stream)).events.length,
    readAll: async (h) => {
      const connection = emmett.sqliteConnection({ fileName: h.file });
      try {
        return await emmettReadAll(emmett, connection);
      } finally {
        connection.close();
      }
    },
    close: (h) => h.store.close?.(),
    settings: () => emmettSettings(emmett, file(0)),
    cannot:
      'the store API has no read of the whole log (its processors poll `readMessagesBatch`, used here for that figure); it opens a connection per call, which is its documented way of working with a file. ' +
      'Unlike Demarche it keeps no event-id uniqueness across the log (its message ids have no unique index) and has no query by type or country.',
  };
}

function emmettConnection(emmett, dir, version) {
  return {
    name: 'emmettConnection',
    label: 'Emmett SQLite, one connection (`sqliteConnection` + `appendToStream`)',
    version,
    tag: 'c',
    open: async (rep) => {
      const connection = emmett.sqliteConnection({ fileName: join(dir, `peer-emmett-conn-${rep}.sqlite`) });
      await connection.command('PRAGMA synchronous = FULL');
      await emmett.createEventStoreSchema(connection);
      return connection;
    },
    append: (connection, stream, expected, events) => emmett.appendToStream(connection, stream, 'outreach', events.map(emmettEvent), { expectedStreamVersion: BigInt(expected) }),
    readStream: async (connection, stream) => (await emmett.readStream(connection, stream)).events.length,
    readAll: (connection) => emmettReadAll(emmett, connection),
    close: (connection) => connection.close(),
    settings: async () => {
      const connection = emmett.sqliteConnection({ fileName: join(dir, 'peer-emmett-conn-0.sqlite') });
      try {
        await connection.command('PRAGMA synchronous = FULL');
        return { journalMode: (await connection.querySingle('PRAGMA journal_mode'))?.journal_mode, synchronous: SYNCHRONOUS[(await connection.querySingle('PRAGMA synchronous'))?.synchronous], note: 'synchronous=FULL set on the connection' };
      } finally {
        connection.close();
      }
    },
  };
}

/** The embedded peers figure; a peer that cannot be loaded is named with the reason. */
export async function sqlitePeers({ dir, reps, warmup, sizes, log }) {
  const peer = loadPeer('emmett-sqlite', '@event-driven-io/emmett-sqlite', log);
  const sides = [demarche(dir)];
  if (peer.module) sides.push(emmettStore(peer.module, dir, peer.version), emmettConnection(peer.module, dir, peer.version));
  sides.push(rawMinimal(dir));
  const result = await compareStores({ sides, reps, warmup, sizes, log, title: 'peers, embedded (SQLite)' });
  return { ...result, ...(peer.unavailable ? { unavailable: { 'emmett-sqlite': peer.unavailable } } : {}) };
}
