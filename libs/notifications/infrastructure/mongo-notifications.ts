import type mongoose from 'mongoose';
import type { Connection } from 'mongoose';
import type { CalendarFeedStore, MailOutbox, OutboxEntry, OutboxState, PersonStore, StoredPerson } from '../application/notification.ports.js';

type PersonDoc = StoredPerson & { _id: string };
type EntryDoc = OutboxEntry & { _id: string };

const collection = <T extends { _id: string }>(connection: Connection, name: string) => {
  if (!connection.db) throw new Error(`The ${name} collection needs an open MongoDB connection.`);
  return connection.db.collection<T>(name);
};
const strip = <T extends { _id: string }>(doc: T | null): Omit<T, '_id'> | undefined => {
  if (!doc) return undefined;
  const { _id, ...rest } = doc;
  return rest;
};

/** People on the distributed profile: `notification_people`, `_id` = the token id. */
export class MongoPeople implements PersonStore {
  private readonly people: mongoose.mongo.Collection<PersonDoc>;
  constructor(connection: Connection) {
    this.people = collection<PersonDoc>(connection, 'notification_people');
  }
  async put(person: StoredPerson): Promise<void> {
    await this.people.replaceOne({ _id: person.tokenId }, { ...person } as PersonDoc, { upsert: true });
  }
  async get(tokenId: string): Promise<StoredPerson | undefined> {
    return strip(await this.people.findOne({ _id: tokenId }));
  }
  async bySecret(secret: string): Promise<StoredPerson | undefined> {
    return strip(await this.people.findOne({ unsubscribeSecret: secret }));
  }
  async list(): Promise<StoredPerson[]> {
    return (await this.people.find({}).toArray()).map((d) => strip(d)!);
  }
  async delete(tokenId: string): Promise<boolean> {
    return (await this.people.deleteOne({ _id: tokenId })).deletedCount > 0;
  }
}

/**
 * The mail outbox on the distributed profile: `mail_outbox`, `_id` = the mail's key, so a
 * second insert of the same mail fails on the unique `_id` and changes nothing. One worker
 * at a time sends (the one holding the playbook's lease); while the lease changes hands two
 * may, and a claim is an update conditional on the entry as the sender saw it, which one of
 * them wins.
 */
export class MongoOutbox implements MailOutbox {
  private readonly entries: mongoose.mongo.Collection<EntryDoc>;
  constructor(connection: Connection) {
    this.entries = collection<EntryDoc>(connection, 'mail_outbox');
  }
  async enqueue(entries: readonly OutboxEntry[]): Promise<void> {
    for (const e of entries) {
      try {
        await this.entries.insertOne({ _id: e.key, ...e });
      } catch (error) {
        if ((error as { code?: number }).code !== 11000) throw error;
      }
    }
  }
  async has(key: string): Promise<boolean> {
    return (await this.entries.findOne({ _id: key }, { projection: { _id: 1 } })) !== null;
  }
  async due(now: string, limit: number): Promise<OutboxEntry[]> {
    // Equality on a top-level field (an index serves it on FerretDB); the time is compared here.
    const pending = await this.entries.find({ state: 'pending' }).toArray();
    return pending.filter((e) => e.nextAttemptAt <= now).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.key.localeCompare(b.key)).slice(0, limit).map((d) => strip(d)!);
  }
  async claim(seen: OutboxEntry, claimant: string, until: string): Promise<OutboxEntry | undefined> {
    const taken = await this.entries.updateOne({ _id: seen.key, state: 'pending', nextAttemptAt: seen.nextAttemptAt }, { $set: { claim: claimant, nextAttemptAt: until } });
    return taken.modifiedCount === 1 ? { ...seen, claim: claimant, nextAttemptAt: until } : undefined;
  }
  async finish(key: string, state: Exclude<OutboxState, 'pending'>, at: string, note?: string): Promise<void> {
    await this.entries.updateOne({ _id: key }, { $set: { state, doneAt: at, ...(note ? { lastError: note } : {}) }, $unset: { claim: '' } });
  }
  async retryLater(key: string, claimant: string, attempts: number, nextAttemptAt: string, error: string): Promise<void> {
    await this.entries.updateOne({ _id: key, claim: claimant }, { $set: { attempts, nextAttemptAt, lastError: error }, $unset: { claim: '' } });
  }
  async prune(before: string, at: string): Promise<number> {
    // Equality on top-level fields again; which are old enough is decided here.
    const fields = { projection: { _id: 1, doneAt: 1, prunedAt: 1 } };
    const done = (await Promise.all((['sent', 'skipped'] as const).map((state) => this.entries.find({ state }, fields).toArray()))).flat();
    const old = done.filter((e) => e.doneAt !== undefined && e.doneAt < before && e.prunedAt === undefined);
    for (const e of old) await this.entries.updateOne({ _id: e._id }, { $set: { payload: {}, prunedAt: at }, $unset: { lastError: '' } });
    return old.length;
  }
  async list(limit: number): Promise<OutboxEntry[]> {
    const all = await this.entries.find({}).toArray();
    return all.sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, limit).map((d) => strip(d)!);
  }
}

/** Calendar feed secrets on the distributed profile: `calendar_feeds`, `_id` = the token id. */
export class MongoCalendarFeeds implements CalendarFeedStore {
  private readonly feeds: mongoose.mongo.Collection<{ _id: string; hash: string; issuedAt: string }>;
  constructor(connection: Connection) {
    this.feeds = collection(connection, 'calendar_feeds');
  }
  async issue(tokenId: string, hash: string, at: string): Promise<void> {
    await this.feeds.replaceOne({ _id: tokenId }, { hash, issuedAt: at }, { upsert: true });
  }
  async tokenOf(hash: string): Promise<string | undefined> {
    return (await this.feeds.findOne({ hash }))?._id;
  }
  async revoke(tokenId: string): Promise<boolean> {
    return (await this.feeds.deleteOne({ _id: tokenId })).deletedCount > 0;
  }
}
