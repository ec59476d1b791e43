import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readModelStoreContract } from '../../../tests/contracts/read-model-store.contract.js';
import { type SqliteDatabase, openSqliteDatabase } from '../../platform/persistence/sqlite-database.js';
import { InMemoryReadModelStore } from './in-memory-read-model-store.js';
import { SqliteReadModelStore } from './sqlite-read-model-store.js';

readModelStoreContract('in-memory', async () => new InMemoryReadModelStore());

const opened = new Map<object, { db: SqliteDatabase; dir: string }>();
readModelStoreContract(
  'SQLite',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'demarche-rm-'));
    const db = openSqliteDatabase(dir);
    const store = new SqliteReadModelStore(db);
    opened.set(store, { db, dir });
    return store;
  },
  async (store) => {
    const { db, dir } = opened.get(store)!;
    db.close();
    rmSync(dir, { recursive: true, force: true });
  },
);
