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
