/** DI token for the cipher that seals confidential notes with a key per mission. */
export const NOTES_CIPHER = Symbol('NotesCipher');
/** DI token for the profile's store of mission keys. */
export const MISSION_KEY_STORE = Symbol('MissionKeyStore');

/** One sealed value: its text (`v1:<missionId>:<keyId>:<base64>`) and what it was sealed for. */
export interface SealedText {
  readonly text: string;
  /** Bound into the seal: a value sealed for one event type does not open as another. */
  readonly context: string;
}

/**
 * Seals and opens confidential notes with the key of the mission that recorded them
 * (AES-256-GCM, a random 256-bit key per mission, created on first use). Destroying a key
 * makes everything sealed with it unreadable for good: that is how a mission's notes are
 * forgotten without rewriting the log.
 */
export interface NotesCipher {
  seal(missionId: string, plaintext: string, context: string): Promise<string>;
  /** The plaintexts, in order; `undefined` where the key is gone. One key lookup per mission. */
  open(sealed: readonly SealedText[]): Promise<(string | undefined)[]>;
  /** Destroys the mission's current key; `true` if there was one. */
  destroy(missionId: string): Promise<boolean>;
}

/** A mission's data key as stored: `material` is the key, or the key wrapped by the master key. */
export interface StoredMissionKey {
  readonly missionId: string;
  readonly keyId: string;
  readonly material: string;
}

/** Where the profile keeps mission keys (a SQLite table, a MongoDB collection keyed by mission id). */
export interface MissionKeyStore {
  get(missionId: string): Promise<StoredMissionKey | undefined>;
  /** Stores the key unless the mission has one already; answers the key that is stored. */
  putIfAbsent(key: StoredMissionKey): Promise<StoredMissionKey>;
  /** Deletes the mission's key; `true` if there was one. */
  delete(missionId: string): Promise<boolean>;
}
