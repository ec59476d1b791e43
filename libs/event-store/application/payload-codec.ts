import type { RecordedEvent } from '../../kernel/index.js';

/** DI token for the payload codec of the running profile. */
export const PAYLOAD_CODEC = Symbol('PayloadCodec');

/**
 * How payloads cross the boundary of the log. Some fields (a meeting's notes, the names of
 * the people met) are stored sealed; deciders and projections never see the difference
 * because the codec sits here, between the log and its readers, not in the domain.
 *
 * - `seal`: the stored form of a new payload (sensitive fields encrypted).
 * - `reveal`: the payload as the writer recorded it, for deciders (which compare a retried
 *   fact with the recorded one) and for readers entitled to the notes. A field whose key was
 *   destroyed reads as `null`, with `forgotten: true` on the payload.
 * - `redact`: the form for history feeds (GET /v1/events, exports): sealed fields stay
 *   ciphertext while their key lives, and read as forgotten once it is destroyed.
 */
export interface PayloadCodec {
  seal(type: string, data: unknown): Promise<unknown>;
  reveal(events: readonly RecordedEvent[]): Promise<RecordedEvent[]>;
  redact(events: readonly RecordedEvent[]): Promise<RecordedEvent[]>;
}

/** Payloads stored as written: for sandboxes and tests that hold nothing sensitive. */
export const PLAIN_PAYLOADS: PayloadCodec = {
  seal: async (_type, data) => data,
  reveal: async (events) => [...events],
  redact: async (events) => [...events],
};
