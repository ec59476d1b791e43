import type { RecordedEvent } from '../../kernel/index.js';
import type { PayloadCodec } from '../../event-store/index.js';
import type { NotesCipher, SealedText } from './notes-cipher.port.js';

/** The confidential fields of each event type that has any. */
export const CONFIDENTIAL_FIELDS: Readonly<Record<string, readonly string[]>> = {
  MeetingHeld: ['summary', 'interlocutors'],
  ResponseReceived: ['notes', 'interlocutors'],
};

/**
 * A payload's confidential fields as stored: one ciphertext for all of them, beside the
 * names of the fields it holds (so a forgotten payload can say which fields it lost).
 * `ciphertext` is `v1:<missionId>:<keyId>:<base64 of nonce, tag and encrypted JSON>`.
 */
export interface SealedFields {
  readonly fields: readonly string[];
  readonly ciphertext: string;
}

type Payload = Record<string, unknown> & { sealed?: SealedFields; missionId?: unknown };

const sealedOf = (event: RecordedEvent): SealedFields | undefined => {
  const sealed = (event.data as Payload | null)?.sealed;
  return sealed && typeof sealed.ciphertext === 'string' && Array.isArray(sealed.fields) ? sealed : undefined;
};

function forgotten(event: RecordedEvent, sealed: SealedFields): RecordedEvent {
  const { sealed: _, ...rest } = event.data as Payload;
  return { ...event, data: { ...rest, ...Object.fromEntries(sealed.fields.map((f) => [f, null])), forgotten: true } };
}

/**
 * Seals meeting notes, response notes and interlocutor names with the recording mission's
 * key on their way into the log, and opens them for the writers and readers that need them.
 * Events of other types, and events written before notes were sealed (schema version 1),
 * pass through untouched.
 */
export class SealedNotesCodec implements PayloadCodec {
  constructor(private readonly cipher: NotesCipher) {}

  async seal(type: string, data: unknown): Promise<unknown> {
    const fields = CONFIDENTIAL_FIELDS[type];
    const payload = data as Payload;
    if (!fields || typeof payload?.missionId !== 'string') return data;
    const present = fields.filter((f) => payload[f] !== undefined && payload[f] !== null);
    if (!present.length) return data;
    const rest = Object.fromEntries(Object.entries(payload).filter(([k]) => !fields.includes(k)));
    const plaintext = JSON.stringify(Object.fromEntries(present.map((f) => [f, payload[f]])));
    const sealed: SealedFields = { fields: present, ciphertext: await this.cipher.seal(payload.missionId, plaintext, type) };
    return { ...rest, sealed };
  }

  async reveal(events: readonly RecordedEvent[]): Promise<RecordedEvent[]> {
    const opened = await this.openAll(events);
    return events.map((event, i) => {
      const sealed = sealedOf(event);
      if (!sealed) return event;
      const plaintext = opened[i];
      if (plaintext === undefined) return forgotten(event, sealed);
      const { sealed: _, ...rest } = event.data as Payload;
      return { ...event, data: { ...rest, ...(JSON.parse(plaintext) as object) } };
    });
  }

  async redact(events: readonly RecordedEvent[]): Promise<RecordedEvent[]> {
    const opened = await this.openAll(events);
    return events.map((event, i) => {
      const sealed = sealedOf(event);
      return sealed && opened[i] === undefined ? forgotten(event, sealed) : event;
    });
  }

  /** The plaintext of each event's sealed fields (undefined where there are none or the key is gone). */
  private async openAll(events: readonly RecordedEvent[]): Promise<(string | undefined)[]> {
    const wanted: { index: number; sealed: SealedText }[] = [];
    events.forEach((event, index) => {
      const sealed = sealedOf(event);
      if (sealed) wanted.push({ index, sealed: { text: sealed.ciphertext, context: event.type } });
    });
    const result: (string | undefined)[] = new Array(events.length).fill(undefined);
    if (!wanted.length) return result;
    const plaintexts = await this.cipher.open(wanted.map((w) => w.sealed));
    wanted.forEach((w, i) => (result[w.index] = plaintexts[i]));
    return result;
  }
}
