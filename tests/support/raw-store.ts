import Database from 'better-sqlite3';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { distributedEnv, TEST_PROFILE } from './running-app.js';

/** The tables (embedded) and collections (distributed) of notifications a test looks into, with the column that keys a row. */
const KEYED_BY = { mail_outbox: 'key', webhooks: 'id', notification_people: 'token_id' } as const;
export type NotificationTable = keyof typeof KEYED_BY;

/** Opens the test app's MongoDB database (distributed) for `use`, and closes it after. */
async function withMongo<T>(dataDir: string, use: (db: ReturnType<MongoClient['db']>) => Promise<T>): Promise<T> {
  const client = await MongoClient.connect(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017');
  try {
    return await use(client.db(distributedEnv(dataDir).DEMARCHE_MONGO_DB!));
  } finally {
    await client.close();
  }
}

/** One record as the store holds it, read around the app: the JSON of a row (embedded) or a document without its `_id` (distributed). */
export async function storedRecord(dataDir: string, table: NotificationTable, id: string): Promise<Record<string, unknown> | undefined> {
  if (TEST_PROFILE !== 'distributed') {
    const db = new Database(join(dataDir, 'demarche.sqlite'), { readonly: true });
    try {
      const row = db.prepare(`SELECT record FROM ${table} WHERE ${KEYED_BY[table]} = ?`).get(id) as { record: string } | undefined;
      return row && JSON.parse(row.record);
    } finally {
      db.close();
    }
  }
  return withMongo(dataDir, async (db) => {
    const doc = await db.collection<{ _id: string }>(table).findOne({ _id: id });
    if (!doc) return undefined;
    const { _id, ...rest } = doc;
    return rest;
  });
}

/** Writes a webhook as an earlier release laid it out, straight into the store of a stopped app. */
export async function storeWebhookRecord(dataDir: string, record: { readonly id: string } & Record<string, unknown>): Promise<void> {
  if (TEST_PROFILE !== 'distributed') {
    const db = new Database(join(dataDir, 'demarche.sqlite'));
    try {
      db.prepare('INSERT INTO webhooks (id, record) VALUES (?, ?)').run(record.id, JSON.stringify(record));
    } finally {
      db.close();
    }
    return;
  }
  await withMongo(dataDir, async (db) => void (await db.collection<{ _id: string }>('webhooks').insertOne({ _id: record.id, ...record })));
}
