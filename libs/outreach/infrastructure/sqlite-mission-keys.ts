import { withSecureDelete, type SqliteDatabase } from '../../platform/persistence/sqlite-database.js';
import type { MissionKeyStore, StoredMissionKey } from '../application/notes-cipher.port.js';

interface Row {
  mission_id: string;
  key_id: string;
  material: string;
}

/** Mission keys on the embedded profile: a table in the one SQLite file. */
export class SqliteMissionKeys implements MissionKeyStore {
  constructor(private readonly db: SqliteDatabase) {
    db.exec('CREATE TABLE IF NOT EXISTS mission_keys (mission_id TEXT PRIMARY KEY, key_id TEXT NOT NULL, material TEXT NOT NULL)');
  }

  async get(missionId: string): Promise<StoredMissionKey | undefined> {
    const row = this.db.prepare('SELECT mission_id, key_id, material FROM mission_keys WHERE mission_id = ?').get(missionId) as Row | undefined;
    return row && { missionId: row.mission_id, keyId: row.key_id, material: row.material };
  }

  async putIfAbsent(key: StoredMissionKey): Promise<StoredMissionKey> {
    this.db.prepare('INSERT OR IGNORE INTO mission_keys (mission_id, key_id, material) VALUES (?, ?, ?)').run(key.missionId, key.keyId, key.material);
    return (await this.get(key.missionId))!;
  }

  async delete(missionId: string): Promise<boolean> {
    // Overwrite the freed page and flush the write-ahead log, so the key's bytes do not
    // linger in the file after it is deleted (best effort: a busy reader may delay the flush).
    return withSecureDelete(this.db, () => {
      const deleted = this.db.prepare('DELETE FROM mission_keys WHERE mission_id = ?').run(missionId).changes > 0;
      if (deleted) this.db.pragma('wal_checkpoint(TRUNCATE)');
      return deleted;
    });
  }
}
