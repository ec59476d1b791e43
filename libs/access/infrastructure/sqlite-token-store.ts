import type { SqliteDatabase } from '../../platform/persistence/sqlite-database.js';
import type { TokenRecord, TokenStore } from '../application/token-store.port.js';

interface Row {
  readonly record: string;
}

/** Token records in the embedded profile's SQLite file, keyed by the hash of the secret. */
export class SqliteTokenStore implements TokenStore {
  constructor(private readonly db: SqliteDatabase) {
    db.exec('CREATE TABLE IF NOT EXISTS access_tokens (hash TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE, record TEXT NOT NULL)');
  }

  async insert(record: TokenRecord): Promise<void> {
    this.db.prepare('INSERT INTO access_tokens (hash, id, record) VALUES (?, ?, ?)').run(record.hash, record.id, JSON.stringify(record));
  }

  async byHash(hash: string): Promise<TokenRecord | undefined> {
    const row = this.db.prepare('SELECT record FROM access_tokens WHERE hash = ?').get(hash) as Row | undefined;
    return row ? (JSON.parse(row.record) as TokenRecord) : undefined;
  }

  async byId(id: string): Promise<TokenRecord | undefined> {
    const row = this.db.prepare('SELECT record FROM access_tokens WHERE id = ?').get(id) as Row | undefined;
    return row ? (JSON.parse(row.record) as TokenRecord) : undefined;
  }

  async list(): Promise<TokenRecord[]> {
    return (this.db.prepare('SELECT record FROM access_tokens').all() as Row[]).map((r) => JSON.parse(r.record) as TokenRecord);
  }

  async revoke(id: string, at: string, by: string): Promise<TokenRecord | undefined> {
    return this.db.transaction(() => {
      const row = this.db.prepare('SELECT record FROM access_tokens WHERE id = ?').get(id) as Row | undefined;
      if (!row) return undefined;
      const record = JSON.parse(row.record) as TokenRecord;
      if (record.revokedAt) return record;
      const revoked: TokenRecord = { ...record, revokedAt: at, revokedBy: by };
      this.db.prepare('UPDATE access_tokens SET record = ? WHERE id = ?').run(JSON.stringify(revoked), id);
      return revoked;
    })();
  }

  async grantCampaign(id: string, campaignId: string): Promise<TokenRecord | undefined> {
    return this.db.transaction(() => {
      const row = this.db.prepare('SELECT record FROM access_tokens WHERE id = ?').get(id) as Row | undefined;
      if (!row) return undefined;
      const record = JSON.parse(row.record) as TokenRecord;
      if (record.campaignIds?.includes(campaignId)) return record;
      const granted: TokenRecord = { ...record, campaignIds: [...(record.campaignIds ?? []), campaignId] };
      this.db.prepare('UPDATE access_tokens SET record = ? WHERE id = ?').run(JSON.stringify(granted), id);
      return granted;
    })();
  }
}
