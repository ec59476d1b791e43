import type { LocalDate } from '../../kernel/index.js';
import type { SqliteDatabase } from '../../platform/persistence/sqlite-database.js';
import type { DueTimer, PolledTimers, TimerSpec } from '../application/timer.port.js';
import type { TimerPayload } from '../domain/follow-up.events.js';
import { QUEUES, type Queue } from '../domain/playbook.js';

/** Durable timers of the embedded profile: a table that survives restarts. */
export class SqliteTimers implements PolledTimers {
  private readonly statements;
  private readonly setAll: (timers: readonly TimerSpec[]) => void;

  constructor(db: SqliteDatabase) {
    db.exec(`CREATE TABLE IF NOT EXISTS timers (id TEXT PRIMARY KEY, due_on TEXT NOT NULL, payload TEXT NOT NULL, fired_at TEXT);
             CREATE INDEX IF NOT EXISTS timers_due ON timers (fired_at, due_on);`);
    this.statements = {
      set: db.prepare('INSERT INTO timers (id, due_on, payload) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING'),
      cancel: db.prepare('DELETE FROM timers WHERE id = ? AND fired_at IS NULL'),
      due: db.prepare<[string, number], { id: string; due_on: string; payload: string }>('SELECT id, due_on, payload FROM timers WHERE fired_at IS NULL AND due_on <= ? ORDER BY due_on, id LIMIT ?'),
      fired: db.prepare('UPDATE timers SET fired_at = ? WHERE id = ?'),
      pending: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM timers WHERE fired_at IS NULL'),
      pendingByQueue: db.prepare<[], { queue: string | null; n: number }>(
        "SELECT json_extract(payload, '$.queue') AS queue, COUNT(*) AS n FROM timers WHERE fired_at IS NULL GROUP BY queue",
      ),
    };
    // One transaction for the lot: one fsync instead of one per timer, and all or nothing.
    this.setAll = db.transaction((timers: readonly TimerSpec[]) => {
      for (const t of timers) this.statements.set.run(t.timerId, t.dueOn, JSON.stringify(t.payload));
    });
  }

  async set(timerId: string, dueOn: LocalDate, payload: TimerPayload): Promise<void> {
    this.setAll([{ timerId, dueOn, payload }]);
  }

  async setMany(timers: readonly TimerSpec[]): Promise<void> {
    if (timers.length) this.setAll(timers);
  }

  async cancel(timerId: string): Promise<void> {
    this.statements.cancel.run(timerId);
  }

  async due(today: LocalDate, limit: number): Promise<DueTimer[]> {
    return this.statements.due.all(today, limit).map((r) => ({ timerId: r.id, dueOn: r.due_on, payload: JSON.parse(r.payload) }));
  }

  async markFired(timerId: string, at: Date): Promise<void> {
    this.statements.fired.run(at.toISOString(), timerId);
  }

  async pendingCount(): Promise<number> {
    return this.statements.pending.get()?.n ?? 0;
  }

  /** Timers not fired yet, per follow-up queue (every queue named, zeros included). */
  async pendingByQueue(): Promise<Record<Queue, number>> {
    const counts = Object.fromEntries(QUEUES.map((q) => [q, 0])) as Record<Queue, number>;
    for (const row of this.statements.pendingByQueue.all()) if (row.queue && row.queue in counts) counts[row.queue as Queue] = row.n;
    return counts;
  }
}
