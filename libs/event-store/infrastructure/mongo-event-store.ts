import { performance } from 'node:perf_hooks';
import { Logger } from '@nestjs/common';
import type { Connection } from 'mongoose';
import type { RecordedEvent } from '../../kernel/index.js';
import type { AppendOptions, AppendResult, EventQuery, EventStore, ExpectedVersion, NewEvent, ReadStreamOptions } from '../application/event-store.port.js';
import { MongoCommitWriter } from './mongo-commit-writer.js';
import { connectMongo } from '../../platform/persistence/mongo-connection.js';
import { EventIdClaims } from './mongo-event-id-claims.js';
import { LogHorizon } from './mongo-log-horizon.js';
import { ensureLogIndexes, logCollections, type LogCollections } from './mongo-log-layout.js';
import { describeLogMigration, hasCurrentLayout, migrateLog, upgradeLog, type LogMigration } from './mongo-log-migration.js';
import { MongoLogReader } from './mongo-log-reader.js';
import { MongoStreamCache, RecentCommits } from './mongo-stream-cache.js';

export { connectMongo, isDuplicateKey } from '../../platform/persistence/mongo-connection.js';
export { describeLogMigration, type LogMigration } from './mongo-log-migration.js';

const DEFAULT_GAP_TIMEOUT_MS = 3_000;
const logger = new Logger('MongoEventStore');

export interface MongoEventStoreOptions {
  readonly now?: () => Date;
  /** A monotonic clock in milliseconds for the hole timeout and the horizon's throttle (performance.now by default). */
  readonly monotonicMs?: () => number;
  /** How long a hole in the global order (left by a writer of an earlier release) is waited for before it is fenced and skipped. */
  readonly gapTimeoutMs?: number;
  /** Server selection timeout of `connect` (default 5 s). */
  readonly connectTimeoutMs?: number;
}

/**
 * The distributed profile's event store, on MongoDB or FerretDB 1.x by the same path. Its
 * parts: the documents (`mongo-log-layout.ts`), appends (`MongoCommitWriter`), the global log
 * up to this instance's `LogHorizon` (`MongoLogReader`), and streams (`MongoStreamCache`).
 * Before its first read or write an instance checks once that the log is in this release's
 * layout, and upgrades a log an earlier release wrote (`mongo-log-migration.ts`).
 */
export class MongoEventStore implements EventStore {
  private readonly log: LogCollections;
  private readonly reader: MongoLogReader;
  private readonly writer: MongoCommitWriter;
  private readonly streams: MongoStreamCache;
  private readonly horizon: LogHorizon;
  private readonly listeners = new Set<() => void>();
  private bootstrapped?: Promise<void>;
  /** Only a store that opened its connection (`connect`) closes it; a shared one is its opener's. */
  private ownsConnection = false;

  constructor(
    private readonly connection: Connection,
    options: MongoEventStoreOptions = {},
  ) {
    const db = connection.db;
    if (!db) throw new Error('MongoEventStore needs an open connection (await connectMongo(...) first).');
    this.log = logCollections(db);
    const ready = () => this.ready();
    const recent = new RecentCommits();
    const monotonicMs = options.monotonicMs ?? (() => performance.now());
    this.horizon = new LogHorizon(this.log.counters, this.log.commits, monotonicMs);
    this.streams = new MongoStreamCache(this.log.commits);
    this.reader = new MongoLogReader(this.log.commits, this.horizon, recent, options.gapTimeoutMs ?? DEFAULT_GAP_TIMEOUT_MS, ready, monotonicMs);
    this.writer = new MongoCommitWriter(this.log.commits, {
      claims: new EventIdClaims(this.log.eventIds, this.log.commits),
      reader: this.reader,
      horizon: this.horizon,
      streams: this.streams,
      recent,
      ready,
      now: options.now ?? (() => new Date()),
      appended: () => this.listeners.forEach((listener) => listener()),
    });
  }

  /** Connects (failing within `connectTimeoutMs`, 5 s by default) and makes sure the indexes exist. */
  static async connect(url: string, dbName: string, options: MongoEventStoreOptions = {}): Promise<MongoEventStore> {
    const connection = await connectMongo(url, dbName, options.connectTimeoutMs);
    const store = new MongoEventStore(connection, options);
    store.ownsConnection = true;
    try {
      await store.ensureIndexes();
    } catch (error) {
      await connection.close(true).catch(() => undefined);
      throw error;
    }
    return store;
  }

  /** Idempotent; the unique indexes are what make appends safe, so `connect` calls it. */
  ensureIndexes(): Promise<void> {
    return ensureLogIndexes(this.log);
  }

  /** Upgrades a log an earlier release wrote, at once rather than at the first read or write (`demarche migrate-log`). */
  migrateLog(): Promise<LogMigration> {
    return migrateLog(this.log);
  }

  /** Holes this instance declared abandoned after `gapTimeoutMs` and skipped (a metric). */
  get skippedGaps(): number {
    return this.reader.skippedGaps;
  }

  /** Open server cursors of `readAll`, `readAllPages` and `headPosition` (a metric; tests check none leaks). */
  get openCursors(): number {
    return this.reader.openCursors;
  }

  append(streamId: string, expected: ExpectedVersion, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    return this.writer.append(streamId, expected, events, options);
  }

  readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    return this.streams.readStream(streamId, options);
  }

  readAll(afterPosition: number, limit: number): Promise<RecordedEvent[]> {
    return this.reader.readAll(afterPosition, limit);
  }

  readAllPages(afterPosition: number, pageSize: number): AsyncIterable<RecordedEvent[]> {
    return this.reader.readAllPages(afterPosition, pageSize);
  }

  query(query: EventQuery): Promise<RecordedEvent[]> {
    return this.reader.query(query);
  }

  headPosition(): Promise<number> {
    return this.reader.headPosition();
  }

  /** In-process wake-up only: FerretDB has no change streams, so other processes' appends are found by polling `readAll`. */
  onAppended(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await this.connection.close();
  }

  /** Before its first read or write, an instance upgrades a log of an earlier layout (one lookup when it is current) and finds its horizon. */
  private ready(): Promise<void> {
    return (this.bootstrapped ??= (async () => {
      if (!(await hasCurrentLayout(this.log.counters))) {
        const migration = await upgradeLog(this.log);
        if (migration.upgraded) logger.log(describeLogMigration(migration));
      }
      await this.horizon.bootstrap();
    })().catch((error: unknown) => {
      this.bootstrapped = undefined;
      throw error;
    }));
  }
}
