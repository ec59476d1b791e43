import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventFilterContract, eventStoreContract } from '../../../tests/contracts/event-store.contract.js';
import { InMemoryEventStore } from './in-memory-event-store.js';
import { openSqliteDatabase } from '../../platform/persistence/sqlite-database.js';
import { SqliteEventStore } from './sqlite-event-store.js';

eventStoreContract('in-memory', async () => new InMemoryEventStore());
eventFilterContract('in-memory', async () => new InMemoryEventStore());

const dirs = new Map<object, string>();
const openSqlite = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'demarche-es-'));
  const store = new SqliteEventStore(openSqliteDatabase(dir));
  dirs.set(store, dir);
  return store;
};
const closeSqlite = async (store: object & { close(): Promise<void> }) => {
  await store.close();
  rmSync(dirs.get(store)!, { recursive: true, force: true });
};
eventStoreContract('SQLite', openSqlite, closeSqlite);
eventFilterContract('SQLite', openSqlite, closeSqlite);
