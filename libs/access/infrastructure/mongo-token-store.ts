import type { Connection, mongo } from 'mongoose';
import type { TokenRecord, TokenStore } from '../application/token-store.port.js';

type Stored = Omit<TokenRecord, 'hash'> & { _id: string };

/**
 * Token records in MongoDB, one document per token with `_id` = the hash of the secret: the
 * lookup on every request is an `_id` equality, which FerretDB serves from its index. Listing
 * and revoking by id scan the collection, which holds a few hundred documents at most.
 */
export class MongoTokenStore implements TokenStore {
  private readonly tokens: mongo.Collection<Stored>;

  constructor(connection: Connection) {
    if (!connection.db) throw new Error('MongoTokenStore needs an open connection (await connectMongo(...) first).');
    this.tokens = connection.db.collection<Stored>('access_tokens');
  }

  async insert({ hash, ...record }: TokenRecord): Promise<void> {
    await this.tokens.insertOne({ _id: hash, ...record });
  }

  async byHash(hash: string): Promise<TokenRecord | undefined> {
    return toRecord(await this.tokens.findOne({ _id: hash }));
  }

  async byId(id: string): Promise<TokenRecord | undefined> {
    return toRecord(await this.tokens.findOne({ id }));
  }

  async list(): Promise<TokenRecord[]> {
    return (await this.tokens.find({}).toArray()).map((d) => toRecord(d)!);
  }

  async revoke(id: string, at: string, by: string): Promise<TokenRecord | undefined> {
    const record = await this.byId(id);
    if (!record || record.revokedAt) return record;
    // Keyed by _id so FerretDB uses its index; the filter keeps an earlier revocation.
    await this.tokens.updateOne({ _id: record.hash, revokedAt: { $exists: false } }, { $set: { revokedAt: at, revokedBy: by } });
    return this.byHash(record.hash);
  }

  async grantCampaign(id: string, campaignId: string): Promise<TokenRecord | undefined> {
    const record = await this.byId(id);
    if (!record || record.campaignIds?.includes(campaignId)) return record;
    await this.tokens.updateOne({ _id: record.hash }, { $addToSet: { campaignIds: campaignId } });
    return this.byHash(record.hash);
  }
}

function toRecord(doc: Stored | null): TokenRecord | undefined {
  if (!doc) return undefined;
  const { _id, ...rest } = doc;
  return { hash: _id, ...rest };
}
