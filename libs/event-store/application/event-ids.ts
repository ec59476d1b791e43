import { randomFillSync } from 'node:crypto';

/**
 * A new event id: a UUID of version 7 (RFC 9562), its first 48 bits the time in milliseconds
 * and 74 random bits after. Ids made later sort later, so the stores' unique indexes on event
 * ids grow at one end instead of taking each insert at a random page; uniqueness rests on the
 * random bits as it did with version 4.
 */
export function newEventId(nowMs: number = Date.now()): string {
  const bytes = randomFillSync(new Uint8Array(16));
  let ms = nowMs;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
