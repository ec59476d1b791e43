import type mongoose from 'mongoose';
import type { Connection } from 'mongoose';
import type { MissionKeyStore, StoredMissionKey } from '../application/notes-cipher.port.js';

interface KeyDoc {
  _id: string;
  keyId: string;
  material: string;
}

/**
 * Mission keys on the distributed profile: the `mission_keys` collection, one document per
 * mission with `_id` = the mission id. Every lookup is by `_id` equality, the one lookup
 * FerretDB serves from an index.
 */
export class MongoMissionKeys implements MissionKeyStore {
  private readonly keys: mongoose.mongo.Collection<KeyDoc>;

  constructor(connection: Connection) {
    if (!connection.db) throw new Error('MongoMissionKeys needs an open connection.');
    this.keys = connection.db.collection<KeyDoc>('mission_keys');
  }

  async get(missionId: string): Promise<StoredMissionKey | undefined> {
    const doc = await this.keys.findOne({ _id: missionId });
    return doc ? { missionId: doc._id, keyId: doc.keyId, material: doc.material } : undefined;
  }

  async putIfAbsent(key: StoredMissionKey): Promise<StoredMissionKey> {
    try {
      await this.keys.insertOne({ _id: key.missionId, keyId: key.keyId, material: key.material });
      return key;
    } catch (error) {
      // Another api process created the mission's key first: use that one.
      if ((error as { code?: number }).code !== 11000) throw error;
      const stored = await this.get(key.missionId);
      if (!stored) throw error;
      return stored;
    }
  }

  async delete(missionId: string): Promise<boolean> {
    return (await this.keys.deleteOne({ _id: missionId })).deletedCount > 0;
  }
}
