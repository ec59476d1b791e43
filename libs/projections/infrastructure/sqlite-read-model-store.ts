import type { SqliteDatabase } from '../../platform/persistence/sqlite-database.js';
import type { DocumentWrite, ReadModelStore, Scalar } from '../application/read-model-store.port.js';

/** Read models of the embedded profile: JSON documents in the same SQLite file as the log. */
export class SqliteReadModelStore implements ReadModelStore {
  private readonly statements;
  private readonly commitTx;

  constructor(private readonly db: SqliteDatabase) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS read_models (collection TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (collection, id));
      CREATE TABLE IF NOT EXISTS checkpoints (projection TEXT PRIMARY KEY, position INTEGER NOT NULL);
    `);
    this.statements = {
      get: db.prepare<[string, string], { doc: string }>('SELECT doc FROM read_models WHERE collection = ? AND id = ?'),
      all: db.prepare<[string], { doc: string }>('SELECT doc FROM read_models WHERE collection = ? ORDER BY id'),
      any: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM read_models WHERE collection = ? LIMIT 1'),
      put: db.prepare('INSERT INTO read_models (collection, id, doc) VALUES (?, ?, ?) ON CONFLICT (collection, id) DO UPDATE SET doc = excluded.doc'),
      delete: db.prepare('DELETE FROM read_models WHERE collection = ? AND id = ?'),
      deleteCollection: db.prepare('DELETE FROM read_models WHERE collection = ?'),
      checkpoint: db.prepare<[string], { position: number }>('SELECT position FROM checkpoints WHERE projection = ?'),
      saveCheckpoint: db.prepare('INSERT INTO checkpoints (projection, position) VALUES (?, ?) ON CONFLICT (projection) DO UPDATE SET position = excluded.position'),
      deleteCheckpoint: db.prepare('DELETE FROM checkpoints WHERE projection = ?'),
    };
    this.commitTx = db.transaction((projection: string, writes: readonly DocumentWrite[], checkpoint: number | undefined) => {
      for (const w of writes) {
        if (w.doc === null) this.statements.delete.run(w.collection, w.id);
        else this.statements.put.run(w.collection, w.id, JSON.stringify(w.doc));
      }
      if (checkpoint !== undefined) this.statements.saveCheckpoint.run(projection, checkpoint);
    });
  }

  async get<T>(collection: string, id: string): Promise<T | undefined> {
    const row = this.statements.get.get(collection, id);
    return row ? (JSON.parse(row.doc) as T) : undefined;
  }

  async find<T>(collection: string, filter: Readonly<Record<string, Scalar>> = {}): Promise<T[]> {
    const entries = Object.entries(filter);
    if (!entries.length) return this.statements.all.all(collection).map((r) => JSON.parse(r.doc) as T);
    const where = entries.map((_, i) => `json_extract(doc, @path${i}) = @value${i}`).join(' AND ');
    const params: Record<string, unknown> = { collection };
    entries.forEach(([field, value], i) => {
      params[`path${i}`] = `$."${field.replace(/"/g, '')}"`;
      params[`value${i}`] = typeof value === 'boolean' ? Number(value) : value;
    });
    const sql = `SELECT doc FROM read_models WHERE collection = @collection AND ${where} ORDER BY id`;
    return this.db.prepare<[Record<string, unknown>], { doc: string }>(sql).all(params).map((r) => JSON.parse(r.doc) as T);
  }

  async isEmpty(collection: string): Promise<boolean> {
    return this.statements.any.get(collection) === undefined;
  }

  async checkpoint(projection: string): Promise<number> {
    return this.statements.checkpoint.get(projection)?.position ?? 0;
  }

  async commit(projection: string, writes: readonly DocumentWrite[], checkpoint?: number): Promise<void> {
    this.commitTx.immediate(projection, writes, checkpoint);
  }

  async reset(projection: string, collections: readonly string[]): Promise<void> {
    this.db.transaction(() => {
      collections.forEach((c) => this.statements.deleteCollection.run(c));
      this.statements.deleteCheckpoint.run(projection);
    })();
  }
}
