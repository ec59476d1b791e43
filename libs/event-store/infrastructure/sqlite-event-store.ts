import type { RecordedEvent } from '../../kernel/index.js';
import {
  ConcurrencyError,
  pagesOfReadAll,
  storedFields,
  type AppendOptions,
  type AppendResult,
  type EventQuery,
  type EventStore,
  type ExpectedVersion,
  type NewEvent,
} from '../application/event-store.port.js';
import type { SqliteDatabase } from '../../platform/persistence/sqlite-database.js';

interface EventRow {
  position: number;
  id: string;
  stream_id: string;
  stream_version: number;
  type: string;
  schema_version: number;
  occurred_at: string;
  recorded_at: string;
  actor: string;
  correlation_id: string;
  causation_id: string;
  data: string;
}

const toEvent = (row: EventRow): RecordedEvent => ({
  id: row.id,
  type: row.type,
  schemaVersion: row.schema_version,
  streamId: row.stream_id,
  streamVersion: row.stream_version,
  position: row.position,
  occurredAt: row.occurred_at,
  recordedAt: row.recorded_at,
  actor: row.actor,
  correlationId: row.correlation_id,
  causationId: row.causation_id,
  data: JSON.parse(row.data),
});

/**
 * The embedded profile's event store: one SQLite table, one transaction per commit. SQLite
 * has a single writer, so positions are assigned in commit order and readers never see a
 * later position before an earlier one.
 */
export class SqliteEventStore implements EventStore {
  private readonly listeners = new Set<() => void>();
  private readonly statements;
  private readonly appendTx;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => Date = () => new Date(),
  ) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS events (
        position INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        stream_id TEXT NOT NULL,
        stream_version INTEGER NOT NULL,
        type TEXT NOT NULL,
        schema_version INTEGER NOT NULL,
        occurred_at TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        actor TEXT NOT NULL,
        correlation_id TEXT NOT NULL,
        causation_id TEXT NOT NULL,
        data TEXT NOT NULL,
        UNIQUE (stream_id, stream_version)
      );
      CREATE INDEX IF NOT EXISTS events_by_type ON events (type, position);
      CREATE TABLE IF NOT EXISTS commits (commit_id TEXT PRIMARY KEY, result TEXT NOT NULL);
    `);
    this.statements = {
      version: db.prepare<[string], { v: number | null }>('SELECT MAX(stream_version) AS v FROM events WHERE stream_id = ?'),
      insert: db.prepare(
        `INSERT INTO events (id, stream_id, stream_version, type, schema_version, occurred_at, recorded_at, actor, correlation_id, causation_id, data)
         VALUES (@id, @streamId, @streamVersion, @type, @schemaVersion, @occurredAt, @recordedAt, @actor, @correlationId, @causationId, @data)`,
      ),
      commit: db.prepare<[string], { result: string }>('SELECT result FROM commits WHERE commit_id = ?'),
      saveCommit: db.prepare('INSERT INTO commits (commit_id, result) VALUES (?, ?)'),
      stream: db.prepare<[string], EventRow>('SELECT * FROM events WHERE stream_id = ? ORDER BY stream_version'),
      all: db.prepare<[number, number], EventRow>('SELECT * FROM events WHERE position > ? ORDER BY position LIMIT ?'),
      head: db.prepare<[], { p: number | null }>('SELECT MAX(position) AS p FROM events'),
    };
    this.appendTx = db.transaction((streamId: string, expected: ExpectedVersion, events: readonly NewEvent[], commitId?: string): AppendResult => {
      if (commitId) {
        const previous = this.statements.commit.get(commitId);
        if (previous) return JSON.parse(previous.result) as AppendResult;
      }
      const actual = this.statements.version.get(streamId)?.v ?? 0;
      if (expected !== 'any' && expected !== actual) throw new ConcurrencyError(streamId, expected, actual);
      const recordedAt = this.now().toISOString();
      const positions = events.map((e, i) => {
        try {
          const info = this.statements.insert.run({ ...storedFields(e, recordedAt), streamId, streamVersion: actual + i + 1 });
          return Number(info.lastInsertRowid);
        } catch (error) {
          if ((error as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) throw new ConcurrencyError(streamId, expected, actual);
          throw error;
        }
      });
      const result: AppendResult = { streamVersion: actual + events.length, eventIds: events.map((e) => e.id), positions };
      if (commitId) this.statements.saveCommit.run(commitId, JSON.stringify(result));
      return result;
    });
  }

  async append(streamId: string, expected: ExpectedVersion, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const result = this.appendTx.immediate(streamId, expected, events, options.commitId);
    if (result.positions.length) this.listeners.forEach((listener) => listener());
    return result;
  }

  async readStream(streamId: string): Promise<RecordedEvent[]> {
    return this.statements.stream.all(streamId).map(toEvent);
  }

  async readAll(afterPosition: number, limit: number): Promise<RecordedEvent[]> {
    return this.statements.all.all(afterPosition, limit).map(toEvent);
  }

  readAllPages(afterPosition: number, pageSize: number): AsyncIterable<RecordedEvent[]> {
    return pagesOfReadAll((after, limit) => this.readAll(after, limit), afterPosition, pageSize);
  }

  async query(query: EventQuery): Promise<RecordedEvent[]> {
    const where: string[] = ['position > @after'];
    const params: Record<string, unknown> = { after: query.afterPosition ?? 0, limit: query.limit };
    if (query.streamId !== undefined) {
      where.push('stream_id = @streamId');
      params.streamId = query.streamId;
    }
    if (query.streamPrefix !== undefined) {
      where.push("substr(stream_id, 1, length(@prefix)) = @prefix");
      params.prefix = query.streamPrefix;
    }
    if (query.country !== undefined) {
      where.push("(json_extract(data, '$.iso3') = @country OR EXISTS (SELECT 1 FROM json_each(data, '$.countries') WHERE value = @country))");
      params.country = query.country;
    }
    if (query.campaignId !== undefined) {
      where.push("json_extract(data, '$.campaignId') = @campaignId");
      params.campaignId = query.campaignId;
    }
    if (query.missionId !== undefined) {
      where.push("json_extract(data, '$.missionId') = @missionId");
      params.missionId = query.missionId;
    }
    for (const [column, range, name] of [['occurred_at', query.occurred, 'occurred'], ['recorded_at', query.recorded, 'recorded']] as const) {
      // A day compares with the day part; an instant with the whole timestamp.
      if (range?.from !== undefined) {
        where.push(range.from.length === 10 ? `substr(${column}, 1, 10) >= @${name}From` : `${column} >= @${name}From`);
        params[`${name}From`] = range.from;
      }
      if (range?.to !== undefined) {
        where.push(range.to.length === 10 ? `substr(${column}, 1, 10) <= @${name}To` : `${column} <= @${name}To`);
        params[`${name}To`] = range.to;
      }
    }
    if (query.types?.length) {
      const names = query.types.map((_, i) => `@type${i}`);
      query.types.forEach((t, i) => (params[`type${i}`] = t));
      where.push(`type IN (${names.join(', ')})`);
    }
    const sql = `SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY position LIMIT @limit`;
    return this.db.prepare<[Record<string, unknown>], EventRow>(sql).all(params).map(toEvent);
  }

  async headPosition(): Promise<number> {
    return this.statements.head.get()?.p ?? 0;
  }

  onAppended(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
