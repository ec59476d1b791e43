import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { MissionKeyStore, NotesCipher, SealedText, StoredMissionKey } from '../application/notes-cipher.port.js';

const VERSION = 'v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** Parses a master key given as 64 hex digits or 44 base64 characters. */
export function parseMasterKey(text: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32) throw new Error('The master key must be 32 bytes.');
  return key;
}

function encrypt(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, cipher.getAuthTag(), body]);
}

function decrypt(key: Buffer, sealed: Buffer, aad: string): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, NONCE_BYTES));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(sealed.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES + TAG_BYTES)), decipher.final()]);
}

/** `v1:<missionId>:<keyId>:<base64>`; the mission id never holds a colon (ids are [a-z0-9-]). */
function parse(text: string): { missionId: string; keyId: string; header: string; body: Buffer } | undefined {
  const parts = text.split(':');
  if (parts.length !== 4 || parts[0] !== VERSION) return undefined;
  const [, missionId, keyId, body] = parts as [string, string, string, string];
  return { missionId, keyId, header: `${VERSION}:${missionId}:${keyId}`, body: Buffer.from(body, 'base64') };
}

/**
 * AES-256-GCM with a random 256-bit data key per mission, created on first use and kept in
 * the profile's key store. The header (version, mission, key id) and the event type are
 * authenticated with the ciphertext, so a sealed value cannot be moved to another mission or
 * event type. With a master key, data keys are stored wrapped by it (AES-256-GCM too), so
 * a copy of the database alone reveals no note.
 *
 * Keys are looked up on every call, never cached across calls: a key destroyed by another
 * process must stop opening notes here at once.
 */
export class AesNotesCipher implements NotesCipher {
  constructor(
    private readonly keys: MissionKeyStore,
    private readonly masterKey?: Buffer,
  ) {}

  async seal(missionId: string, plaintext: string, context: string): Promise<string> {
    const stored = (await this.keys.get(missionId)) ?? (await this.keys.putIfAbsent(this.newKey(missionId)));
    const header = `${VERSION}:${missionId}:${stored.keyId}`;
    return `${header}:${encrypt(this.unwrap(stored), Buffer.from(plaintext, 'utf8'), `${header}|${context}`).toString('base64')}`;
  }

  async open(sealed: readonly SealedText[]): Promise<(string | undefined)[]> {
    const keys = new Map<string, Promise<StoredMissionKey | undefined>>();
    const keyOf = (missionId: string) => {
      if (!keys.has(missionId)) keys.set(missionId, this.keys.get(missionId));
      return keys.get(missionId)!;
    };
    return Promise.all(
      sealed.map(async ({ text, context }) => {
        const parsed = parse(text);
        if (!parsed) return undefined;
        const stored = await keyOf(parsed.missionId);
        // A key id that is not the mission's current one belongs to a destroyed key.
        if (!stored || stored.keyId !== parsed.keyId) return undefined;
        return decrypt(this.unwrap(stored), parsed.body, `${parsed.header}|${context}`).toString('utf8');
      }),
    );
  }

  destroy(missionId: string): Promise<boolean> {
    return this.keys.delete(missionId);
  }

  private newKey(missionId: string): StoredMissionKey {
    const keyId = randomBytes(8).toString('hex');
    const key = randomBytes(32);
    const material = this.masterKey
      ? `wrapped:${encrypt(this.masterKey, key, `${missionId}:${keyId}`).toString('base64')}`
      : `raw:${key.toString('base64')}`;
    return { missionId, keyId, material };
  }

  private unwrap(stored: StoredMissionKey): Buffer {
    const [kind, body] = stored.material.split(':') as [string, string];
    if (kind === 'raw') return Buffer.from(body, 'base64');
    if (!this.masterKey) throw new Error(`The key of mission ${stored.missionId} is wrapped by a master key: set DEMARCHE_MASTER_KEY to the one it was created with.`);
    return decrypt(this.masterKey, Buffer.from(body, 'base64'), `${stored.missionId}:${stored.keyId}`);
  }
}
