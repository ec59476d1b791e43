import { withSecureDelete, type SqliteDatabase } from '../../platform/persistence/sqlite-database.js';
import type { CalendarFeedStore, MailOutbox, OutboxEntry, OutboxState, PersonStore, StoredPerson } from '../application/notification.ports.js';

/** People on the embedded profile: one row each, the record as JSON beside its keys. */
export class SqlitePeople implements PersonStore {
  constructor(private readonly db: SqliteDatabase) {
    db.exec('CREATE TABLE IF NOT EXISTS notification_people (token_id TEXT PRIMARY KEY, unsubscribe_secret TEXT NOT NULL UNIQUE, record TEXT NOT NULL)');
  }

  async put(person: StoredPerson): Promise<void> {
    this.db.prepare('INSERT INTO notification_people (token_id, unsubscribe_secret, record) VALUES (?, ?, ?) ON CONFLICT (token_id) DO UPDATE SET unsubscribe_secret = excluded.unsubscribe_secret, record = excluded.record').run(person.tokenId, person.unsubscribeSecret, JSON.stringify(person));
  }

  async get(tokenId: string): Promise<StoredPerson | undefined> {
    return this.one('SELECT record FROM notification_people WHERE token_id = ?', tokenId);
  }

  async bySecret(secret: string): Promise<StoredPerson | undefined> {
    return this.one('SELECT record FROM notification_people WHERE unsubscribe_secret = ?', secret);
  }

  async list(): Promise<StoredPerson[]> {
    return (this.db.prepare('SELECT record FROM notification_people ORDER BY token_id').all() as { record: string }[]).map((r) => JSON.parse(r.record));
  }

  async delete(tokenId: string): Promise<boolean> {
    // As with mission keys: overwrite the freed page so the sealed data does not linger in the file.
    return withSecureDelete(this.db, () => this.db.prepare('DELETE FROM notification_people WHERE token_id = ?').run(tokenId).changes > 0);
  }

  private one(sql: string, value: string): StoredPerson | undefined {
    const row = this.db.prepare(sql).get(value) as { record: string } | undefined;
    return row && JSON.parse(row.record);
  }
}

interface OutboxRow {
  record: string;
}

/**
 * The mail outbox on the embedded profile, polled by the worker. Entries change in
 * transactions that look at the row first, so a claim is taken by one sender only.
 */
export class SqliteOutbox implements MailOutbox {
  constructor(private readonly db: SqliteDatabase) {
    db.exec(`CREATE TABLE IF NOT EXISTS mail_outbox (key TEXT PRIMARY KEY, state TEXT NOT NULL, next_attempt_at TEXT NOT NULL, created_at TEXT NOT NULL, record TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS mail_outbox_due ON mail_outbox (state, next_attempt_at)`);
  }

  async enqueue(entries: readonly OutboxEntry[]): Promise<void> {
    const insert = this.db.prepare('INSERT OR IGNORE INTO mail_outbox (key, state, next_attempt_at, created_at, record) VALUES (?, ?, ?, ?, ?)');
    this.db.transaction(() => entries.forEach((e) => insert.run(e.key, e.state, e.nextAttemptAt, e.createdAt, JSON.stringify(e))))();
  }

  async has(key: string): Promise<boolean> {
    return this.db.prepare('SELECT 1 FROM mail_outbox WHERE key = ?').get(key) !== undefined;
  }

  async due(now: string, limit: number): Promise<OutboxEntry[]> {
    const rows = this.db.prepare("SELECT record FROM mail_outbox WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY created_at, key LIMIT ?").all(now, limit) as OutboxRow[];
    return rows.map((r) => JSON.parse(r.record));
  }

  async claim(seen: OutboxEntry, claimant: string, until: string): Promise<OutboxEntry | undefined> {
    return this.change(seen.key, (e) => (e.state === 'pending' && e.nextAttemptAt === seen.nextAttemptAt ? { ...e, claim: claimant, nextAttemptAt: until } : undefined));
  }

  async finish(key: string, state: Exclude<OutboxState, 'pending'>, at: string, note?: string): Promise<void> {
    this.change(key, ({ claim: _, ...e }) => ({ ...e, state, doneAt: at, ...(note ? { lastError: note } : {}) }));
  }

  async retryLater(key: string, claimant: string, attempts: number, nextAttemptAt: string, error: string): Promise<void> {
    this.change(key, ({ claim, ...e }) => (claim === claimant ? { ...e, attempts, nextAttemptAt, lastError: error } : undefined));
  }

  async prune(before: string, at: string): Promise<number> {
    const rows = this.db
      .prepare("SELECT key FROM mail_outbox WHERE state IN ('sent', 'skipped') AND json_extract(record, '$.doneAt') < ? AND json_extract(record, '$.prunedAt') IS NULL")
      .all(before) as { key: string }[];
    // Zeroed, not left on a free page: the payload and the errors may name people.
    withSecureDelete(this.db, () => {
      this.db.transaction(() => rows.forEach(({ key }) => this.change(key, ({ lastError: _, ...e }) => ({ ...e, payload: {}, prunedAt: at }))))();
      if (rows.length) this.db.pragma('wal_checkpoint(TRUNCATE)');
    });
    return rows.length;
  }

  async list(limit: number): Promise<OutboxEntry[]> {
    return (this.db.prepare('SELECT record FROM mail_outbox ORDER BY created_at DESC, key LIMIT ?').all(limit) as OutboxRow[]).map((r) => JSON.parse(r.record));
  }

  /** Rewrites the entry as `f` says (nothing when it answers undefined), in one transaction; answers what was written. */
  private change(key: string, f: (e: OutboxEntry) => OutboxEntry | undefined): OutboxEntry | undefined {
    return this.db.transaction(() => {
      const row = this.db.prepare('SELECT record FROM mail_outbox WHERE key = ?').get(key) as OutboxRow | undefined;
      const next = row && f(JSON.parse(row.record));
      if (next) this.db.prepare('UPDATE mail_outbox SET state = ?, next_attempt_at = ?, record = ? WHERE key = ?').run(next.state, next.nextAttemptAt, JSON.stringify(next), key);
      return next;
    }).immediate();
  }
}

/** Calendar feed secrets on the embedded profile (their hashes). */
export class SqliteCalendarFeeds implements CalendarFeedStore {
  constructor(private readonly db: SqliteDatabase) {
    db.exec('CREATE TABLE IF NOT EXISTS calendar_feeds (hash TEXT PRIMARY KEY, token_id TEXT NOT NULL UNIQUE, issued_at TEXT NOT NULL)');
  }
  async issue(tokenId: string, hash: string, at: string): Promise<void> {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM calendar_feeds WHERE token_id = ?').run(tokenId);
      this.db.prepare('INSERT INTO calendar_feeds (hash, token_id, issued_at) VALUES (?, ?, ?)').run(hash, tokenId, at);
    })();
  }
  async tokenOf(hash: string): Promise<string | undefined> {
    return (this.db.prepare('SELECT token_id FROM calendar_feeds WHERE hash = ?').get(hash) as { token_id: string } | undefined)?.token_id;
  }
  async revoke(tokenId: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM calendar_feeds WHERE token_id = ?').run(tokenId).changes > 0;
  }
}
