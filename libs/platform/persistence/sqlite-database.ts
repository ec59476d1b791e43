import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export type SqliteDatabase = Database.Database;

/**
 * Opens the embedded profile's single database file. WAL with synchronous=FULL: a commit
 * that returned is on disk, so a kill -9 (or a power cut) loses nothing acknowledged.
 */
export function openSqliteDatabase(dataDir: string, fileName = 'demarche.sqlite'): SqliteDatabase {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, fileName));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  return db;
}

/**
 * Runs `change` with secure_delete on, so what it deletes or overwrites is zeroed in the file
 * rather than left on a free page (personal data, keys), then puts the setting back.
 */
export function withSecureDelete<T>(db: SqliteDatabase, change: () => T): T {
  const previous = db.pragma('secure_delete', { simple: true });
  db.pragma('secure_delete = ON');
  try {
    return change();
  } finally {
    db.pragma(`secure_delete = ${Number(previous)}`);
  }
}
