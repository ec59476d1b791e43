import { withSecureDelete, type SqliteDatabase } from '../../platform/persistence/sqlite-database.js';
import type { DeliveryState, StoredWebhook, WebhookDelivery, WebhookStore } from '../application/webhook.ports.js';

/** Webhooks and their deliveries on the embedded profile. */
export class SqliteWebhooks implements WebhookStore {
  constructor(private readonly db: SqliteDatabase) {
    db.exec(`CREATE TABLE IF NOT EXISTS webhooks (id TEXT PRIMARY KEY, record TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS webhook_deliveries (id TEXT PRIMARY KEY, state TEXT NOT NULL, next_attempt_at TEXT NOT NULL, created_at TEXT NOT NULL, record TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at)`);
  }
  async add(s: StoredWebhook): Promise<void> {
    this.db.prepare('INSERT INTO webhooks (id, record) VALUES (?, ?)').run(s.id, JSON.stringify(s));
  }
  async subscriptions(): Promise<StoredWebhook[]> {
    return (this.db.prepare('SELECT record FROM webhooks ORDER BY id').all() as { record: string }[]).map((r) => JSON.parse(r.record));
  }
  async sealInPlace(id: string, secret: string, sealedSecret: string): Promise<boolean> {
    // The clear secret is zeroed in the file, not left on a free page or in the write-ahead log.
    return withSecureDelete(this.db, () => {
      const sealed = this.db.transaction(() => {
        const row = this.db.prepare('SELECT record FROM webhooks WHERE id = ?').get(id) as { record: string } | undefined;
        if (!row) return false;
        const { secret: stored, ...rest } = JSON.parse(row.record) as StoredWebhook;
        if (stored !== secret) return false;
        return this.db.prepare('UPDATE webhooks SET record = ? WHERE id = ?').run(JSON.stringify({ ...rest, sealedSecret }), id).changes > 0;
      }).immediate();
      if (sealed) this.db.pragma('wal_checkpoint(TRUNCATE)');
      return sealed;
    });
  }
  async remove(id: string): Promise<boolean> {
    return withSecureDelete(this.db, () => this.db.prepare('DELETE FROM webhooks WHERE id = ?').run(id).changes > 0);
  }
  async enqueue(deliveries: readonly WebhookDelivery[]): Promise<void> {
    const insert = this.db.prepare('INSERT OR IGNORE INTO webhook_deliveries (id, state, next_attempt_at, created_at, record) VALUES (?, ?, ?, ?, ?)');
    this.db.transaction(() => deliveries.forEach((d) => insert.run(d.id, d.state, d.nextAttemptAt, d.createdAt, JSON.stringify(d))))();
  }
  async due(now: string, limit: number): Promise<WebhookDelivery[]> {
    return this.rows(this.db.prepare("SELECT record FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY created_at, id LIMIT ?").all(now, limit));
  }
  async update(d: WebhookDelivery): Promise<void> {
    this.db.prepare('UPDATE webhook_deliveries SET state = ?, next_attempt_at = ?, record = ? WHERE id = ?').run(d.state, d.nextAttemptAt, JSON.stringify(d), d.id);
  }
  async delivery(id: string): Promise<WebhookDelivery | undefined> {
    return this.rows(this.db.prepare('SELECT record FROM webhook_deliveries WHERE id = ?').all(id))[0];
  }
  async deliveries(state: DeliveryState | undefined, limit: number): Promise<WebhookDelivery[]> {
    const rows = state
      ? this.db.prepare('SELECT record FROM webhook_deliveries WHERE state = ? ORDER BY created_at DESC, id LIMIT ?').all(state, limit)
      : this.db.prepare('SELECT record FROM webhook_deliveries ORDER BY created_at DESC, id LIMIT ?').all(limit);
    return this.rows(rows);
  }
  private rows(rows: unknown[]): WebhookDelivery[] {
    return (rows as { record: string }[]).map((r) => JSON.parse(r.record));
  }
}
