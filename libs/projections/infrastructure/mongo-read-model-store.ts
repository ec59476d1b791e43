import type mongoose from 'mongoose';
import type { Connection } from 'mongoose';
import { connectMongo } from '../../platform/persistence/mongo-connection.js';
import { DocumentCreatedElsewhere, type DocumentWrite, type ReadModelStore, type Scalar } from '../application/read-model-store.port.js';

type Doc = mongoose.mongo.Document;
type Stored = { _id: string } & Doc;

const PREFIX = 'rm_';

/**
 * At most this many writes go to the server in one command. FerretDB 1.24 on PostgreSQL
 * takes a pool connection for every update of an existing document and keeps it until the
 * whole command ends; once its pool (200 connections) is held that way, the server hangs for
 * every client until it is restarted. A projector batch that touches a few hundred documents
 * (a rebuild, a catch-up after an outage) did exactly that. Several projections and
 * processes write at once, so the bound must hold for all of them together: 32 leaves room
 * for six writers. On FerretDB the updates run one by one anyway, and a real MongoDB pays
 * one round trip per 32 documents.
 */
export const MAX_WRITES_PER_COMMAND = 32;

/**
 * Documents new to the store (`DocumentWrite.created`) go in inserts of at most this many,
 * as the event store appends its events: an insert holds no pool connection per document,
 * and FerretDB runs a batch of them for about a third of what upserting them one by one costs.
 */
export const MAX_INSERTS_PER_COMMAND = 100;

/** MongoDB's code for a write that breaks a unique index (here: an `_id` that is taken). */
const DUPLICATE_KEY = 11000;

/**
 * Field names MongoDB cannot hold as given are stored percent-encoded and decoded on the
 * way out, so callers get back exactly what they put: FerretDB rejects `.` anywhere and a
 * leading `$` (MongoDB tolerates them but cannot query them), and a top-level `_id` would
 * clash with the document id. `_seen` maps stream ids, which may contain dots
 * (`follow-up-a.b`), so this is not hypothetical. `%` itself is encoded to stay reversible.
 * Ordinary names (the vast majority) are stored untouched.
 */
function encodeKey(key: string, topLevel: boolean): string {
  if (topLevel && key === '_id') return '%5Fid';
  return key.replace(/%/g, '%25').replace(/\./g, '%2E').replace(/^\$/, '%24');
}
function decodeKey(key: string): string {
  return key.includes('%') ? key.replace(/%(25|2E|24|5F)/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))) : key;
}
function mapKeys(value: unknown, map: (key: string, topLevel: boolean) => string, topLevel = false): unknown {
  if (Array.isArray(value)) return value.map((v) => mapKeys(v, map));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[map(k, topLevel)] = mapKeys(v, map);
  return out;
}
const encode = (doc: object): Doc => mapKeys(doc, encodeKey, true) as Doc;
function decode<T>(stored: Stored): T {
  const { _id, ...rest } = stored;
  return mapKeys(rest, decodeKey, true) as T;
}

/**
 * Read models of the distributed profile: one MongoDB collection per read-model collection
 * (`rm_<name>`), `_id` = the document id, the document stored as-is beside it. Checkpoints
 * live in `checkpoints` as `{_id: projection, position}`.
 */
export class MongoReadModelStore implements ReadModelStore {
  private readonly db: mongoose.mongo.Db;

  constructor(private readonly connection: Connection) {
    if (!connection.db) throw new Error('MongoReadModelStore needs an open connection (await connectMongo(...) first).');
    this.db = connection.db;
  }

  /** Connects, failing within `connectTimeoutMs` (5 s by default) with an error that says what to do. */
  static async connect(url: string, dbName: string, options: { connectTimeoutMs?: number } = {}): Promise<MongoReadModelStore> {
    return new MongoReadModelStore(await connectMongo(url, dbName, options.connectTimeoutMs));
  }

  private collection(name: string): mongoose.mongo.Collection<Stored> {
    if (!name || name.includes('$') || name.includes('\0')) throw new Error(`Invalid read model collection name: ${JSON.stringify(name)}`);
    return this.db.collection<Stored>(PREFIX + name);
  }

  private get checkpoints(): mongoose.mongo.Collection<{ _id: string; position: number }> {
    return this.db.collection('checkpoints');
  }

  async get<T>(collection: string, id: string): Promise<T | undefined> {
    const stored = await this.collection(collection).findOne({ _id: id });
    return stored ? decode<T>(stored) : undefined;
  }

  /**
   * Equality on top-level fields. Filters come from HTTP query strings, so only scalar values
   * are accepted and each is wrapped in `$eq` (an object value such as `{$ne: null}` is
   * refused, never interpreted); field names are encoded like stored ones, so `$where` or
   * `a.b` name a literal field instead of an operator or a path.
   */
  async find<T>(collection: string, filter: Readonly<Record<string, Scalar>> = {}): Promise<T[]> {
    const query: Doc = {};
    for (const [field, value] of Object.entries(filter)) {
      if (!['string', 'number', 'boolean'].includes(typeof value) || (typeof value === 'number' && !Number.isFinite(value))) {
        throw new TypeError(`Filter on ${JSON.stringify(field)} must be a string, a finite number or a boolean`);
      }
      query[encodeKey(field, true)] = { $eq: value };
    }
    const docs = await this.collection(collection).find(query, { sort: { _id: 1 } }).toArray();
    return docs.map((d) => decode<T>(d));
  }

  /** Unfiltered and unsorted, so FerretDB reads one row whatever the size of the collection. */
  async isEmpty(collection: string): Promise<boolean> {
    return (await this.collection(collection).findOne({}, { projection: { _id: 1 } })) === null;
  }

  async checkpoint(projection: string): Promise<number> {
    return (await this.checkpoints.findOne({ _id: projection }))?.position ?? 0;
  }

  /**
   * Documents first, per run of writes to the same collection: new ones (`created`) in ordered
   * inserts of at most MAX_INSERTS_PER_COMMAND, the others in ordered bulk writes of at most
   * MAX_WRITES_PER_COMMAND; then the checkpoint, with no transaction (FerretDB has none). That
   * is safe because applying events is idempotent per document: each document carries in
   * `_seen` the last version of every stream that changed it, and `applyBatch` skips an event
   * whose version it has seen. A crash after some or all documents but before the checkpoint
   * only makes the projector re-read the batch from the old checkpoint: documents already
   * written skip those events, the others get them. The checkpoint never runs ahead of the
   * documents, which is the one order that could lose an update. An insert that finds its
   * document there fails the commit with `DocumentCreatedElsewhere`, overwriting nothing.
   */
  async commit(projection: string, writes: readonly DocumentWrite[], checkpoint?: number): Promise<void> {
    for (let start = 0; start < writes.length; ) {
      const name = writes[start]!.collection;
      let end = start;
      while (end < writes.length && writes[end]!.collection === name) end++;
      const run = writes.slice(start, end);
      const inserts: Stored[] = [];
      const ops: mongoose.mongo.AnyBulkWriteOperation<Stored>[] = [];
      for (const w of run) {
        if (w.doc === null) ops.push({ deleteOne: { filter: { _id: w.id } } });
        else if (w.created) inserts.push({ ...encode(w.doc), _id: w.id });
        else ops.push({ replaceOne: { filter: { _id: w.id }, replacement: { ...encode(w.doc), _id: w.id }, upsert: true } });
      }
      for (let i = 0; i < inserts.length; i += MAX_INSERTS_PER_COMMAND) await this.insert(name, inserts.slice(i, i + MAX_INSERTS_PER_COMMAND));
      for (let i = 0; i < ops.length; i += MAX_WRITES_PER_COMMAND) {
        await this.collection(name).bulkWrite(ops.slice(i, i + MAX_WRITES_PER_COMMAND), { ordered: true });
      }
      start = end;
    }
    if (checkpoint !== undefined) await this.checkpoints.updateOne({ _id: projection }, { $set: { position: checkpoint } }, { upsert: true });
  }

  private async insert(name: string, docs: Stored[]): Promise<void> {
    try {
      await this.collection(name).insertMany(docs, { ordered: true });
    } catch (error) {
      const writeErrors = (error as { writeErrors?: { code?: number; index?: number }[] | { code?: number; index?: number } }).writeErrors;
      const failed = writeErrors === undefined ? [] : Array.isArray(writeErrors) ? writeErrors : [writeErrors];
      const duplicates = failed.filter((e) => e.code === DUPLICATE_KEY).map((e) => docs[e.index ?? -1]?._id).filter((id): id is string => id !== undefined);
      if ((error as { code?: number }).code === DUPLICATE_KEY || duplicates.length) {
        throw new DocumentCreatedElsewhere(name, duplicates.length ? duplicates : docs.map((d) => d._id), { cause: error });
      }
      throw error;
    }
  }

  /**
   * Not atomic either: if it fails part-way it must be run again before the projector
   * restarts (leftover documents would make a rebuild skip the events their `_seen` holds).
   */
  async reset(projection: string, collections: readonly string[]): Promise<void> {
    for (const name of collections) await this.collection(name).deleteMany({});
    await this.checkpoints.deleteOne({ _id: projection });
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}
