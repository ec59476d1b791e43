import type { IHeaders, Message } from 'kafkajs';
import type { RecordedEvent } from '../../kernel/index.js';

/**
 * Demarche events on Kafka, as CloudEvents 1.0 in the Kafka protocol binding's **binary
 * mode**: the event attributes travel as `ce_*` headers, the record value is the event's
 * `data` alone (JSON), and the record key is the stream id, so that every event of a stream
 * lands on the same partition and keeps its order.
 *
 * Attributes (all header values are UTF-8 strings):
 *
 * | header                     | value                                                          |
 * |----------------------------|----------------------------------------------------------------|
 * | `ce_specversion`           | `1.0`                                                          |
 * | `ce_id`                    | the event id (unique per event; with `ce_source`, the dedup key) |
 * | `ce_type`                  | `demarche.<EventType>.v<schemaVersion>`, e.g. `demarche.LetterDelivered.v1` |
 * | `ce_source`                | `/demarche/streams/<encodeURIComponent(streamId)>`             |
 * | `ce_subject`               | the stream id (also the record key)                            |
 * | `ce_time`                  | `recordedAt`: when Demarche learned of the fact (RFC 3339)     |
 * | `content-type`             | `application/json` (the binding's home for `datacontenttype`)  |
 * | `ce_demarcheposition`      | position in the event store's global order                     |
 * | `ce_demarcheversion`       | version of the event within its stream (1 for the first)       |
 * | `ce_demarcheoccurredat`    | `occurredAt`: when it happened in the world (date or instant)  |
 * | `ce_demarcheactor`         | who caused it                                                  |
 * | `ce_demarchecorrelationid` | the id shared by everything one request or import caused      |
 * | `ce_demarchecausationid`   | the id of the event or command that directly caused it         |
 * | `ce_demarcheschemaversion` | the schema version, also in `ce_type` (must agree)             |
 *
 * Extension names follow the spec's lower-case alphanumeric rule; two of them are 21
 * characters, one over the spec's SHOULD-NOT-exceed-20 advice, kept for readability.
 * The schema version is part of the type because a consumer that only knows v1 must not
 * mistake a v2 payload for one; consumers of older versions upcast (see `EventRegistry`).
 */
export const CE_SPEC_VERSION = '1.0';
export const CE_TYPE_PREFIX = 'demarche.';
export const CE_SOURCE_PREFIX = '/demarche/streams/';
export const JSON_CONTENT_TYPE = 'application/json';

export const CE_HEADERS = {
  specversion: 'ce_specversion',
  id: 'ce_id',
  type: 'ce_type',
  source: 'ce_source',
  subject: 'ce_subject',
  time: 'ce_time',
  contentType: 'content-type',
  position: 'ce_demarcheposition',
  streamVersion: 'ce_demarcheversion',
  occurredAt: 'ce_demarcheoccurredat',
  actor: 'ce_demarcheactor',
  correlationId: 'ce_demarchecorrelationid',
  causationId: 'ce_demarchecausationid',
  schemaVersion: 'ce_demarcheschemaversion',
} as const;

/** `demarche.LetterDelivered.v1` for a `LetterDelivered` event of schema version 1. */
export function cloudEventType(type: string, schemaVersion: number): string {
  return `${CE_TYPE_PREFIX}${type}.v${schemaVersion}`;
}

/** `/demarche/streams/country-FRA`: the stream, as a URI reference, is where the event comes from. */
export function cloudEventSource(streamId: string): string {
  return `${CE_SOURCE_PREFIX}${encodeURIComponent(streamId)}`;
}

/** A recorded event as a Kafka record (CloudEvents binary mode). */
export function toKafkaMessage(event: RecordedEvent): Message & { key: string; value: string; headers: Record<string, string> } {
  return {
    key: event.streamId,
    value: JSON.stringify(event.data ?? null),
    headers: {
      [CE_HEADERS.specversion]: CE_SPEC_VERSION,
      [CE_HEADERS.id]: event.id,
      [CE_HEADERS.type]: cloudEventType(event.type, event.schemaVersion),
      [CE_HEADERS.source]: cloudEventSource(event.streamId),
      [CE_HEADERS.subject]: event.streamId,
      [CE_HEADERS.time]: event.recordedAt,
      [CE_HEADERS.contentType]: JSON_CONTENT_TYPE,
      [CE_HEADERS.position]: String(event.position),
      [CE_HEADERS.streamVersion]: String(event.streamVersion),
      [CE_HEADERS.occurredAt]: event.occurredAt,
      [CE_HEADERS.actor]: event.actor,
      [CE_HEADERS.correlationId]: event.correlationId,
      [CE_HEADERS.causationId]: event.causationId,
      [CE_HEADERS.schemaVersion]: String(event.schemaVersion),
    },
  };
}

/** Where a record was read from, for error messages and the dead-letter topic. */
export interface RecordLocation {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/**
 * A record that can never be turned into an event (or never applied): retrying it cannot
 * help, so consumers set it aside (dead-letter topic) instead of blocking its partition.
 */
export class PoisonMessage extends Error {
  constructor(
    /** Why, in one human sentence; goes into the dead-letter record's headers. */
    readonly reason: string,
    readonly location?: RecordLocation,
    options?: { cause?: unknown },
  ) {
    super(`Poison message${location ? ` at ${location.topic}[${location.partition}]@${location.offset}` : ''}: ${reason}`, options);
    this.name = 'PoisonMessage';
  }
}

/** What {@link fromKafkaMessage} needs of a record: produced `Message`s and consumed `KafkaMessage`s both fit. */
export interface KafkaRecordLike {
  readonly key?: Buffer | string | null;
  readonly value: Buffer | string | null;
  readonly headers?: IHeaders;
}

const TYPE_PATTERN = /^demarche\.(.+)\.v([1-9][0-9]*)$/;
const INTEGER_PATTERN = /^[1-9][0-9]*$/;

function poison(reason: string, location: RecordLocation | undefined, cause?: unknown): never {
  throw new PoisonMessage(reason, location, cause === undefined ? undefined : { cause });
}

/** Bytes (or a string) as text. `toString()` without arguments is Node's fast path for UTF-8. */
const asText = (raw: Buffer | string): string => (typeof raw === 'string' ? raw : Buffer.isBuffer(raw) ? raw.toString() : String(raw));

/**
 * One attribute's value as text: `undefined` when the header is absent; a poison message when
 * it appears more than once (a CloudEvents attribute has one value).
 */
function optionalHeader(headers: IHeaders, name: string, location: RecordLocation | undefined): string | undefined {
  const raw = headers[name];
  if (raw === undefined) return undefined;
  if (Array.isArray(raw)) return poison(`header ${name} appears ${raw.length} times; a CloudEvents attribute has one value`, location);
  return asText(raw);
}

/** An attribute that must be there, once; it may be empty. */
function presentHeader(headers: IHeaders, name: string, location: RecordLocation | undefined): string {
  return optionalHeader(headers, name, location) ?? poison(`header ${name} is missing`, location);
}

/** A required attribute, present once and not empty. */
function requiredHeader(headers: IHeaders, name: string, location: RecordLocation | undefined): string {
  const value = presentHeader(headers, name, location);
  if (value === '') poison(`header ${name} is empty`, location);
  return value;
}

function positiveInteger(headers: IHeaders, name: string, location: RecordLocation | undefined): number {
  const text = requiredHeader(headers, name, location);
  const n = Number(text);
  if (!INTEGER_PATTERN.test(text) || !Number.isSafeInteger(n)) poison(`header ${name} is "${text}", not a positive integer`, location);
  return n;
}

/**
 * The inverse of {@link toKafkaMessage}. Throws {@link PoisonMessage} with the reason when the
 * record is not a Demarche CloudEvent it can read: missing or duplicated attributes, another
 * spec version, a type without schema version, a key that is not the subject, bad JSON...
 *
 * It runs for every record a projector reads (a catch-up reads millions), so it makes no
 * closures or option objects per record and turns each header into text once.
 */
export function fromKafkaMessage(message: KafkaRecordLike, location?: RecordLocation): RecordedEvent {
  const headers = message.headers ?? {};
  const specversion = requiredHeader(headers, CE_HEADERS.specversion, location);
  if (specversion !== CE_SPEC_VERSION) poison(`${CE_HEADERS.specversion} is "${specversion}"; only CloudEvents ${CE_SPEC_VERSION} is understood`, location);
  const id = requiredHeader(headers, CE_HEADERS.id, location);
  const ceType = requiredHeader(headers, CE_HEADERS.type, location);
  const match = TYPE_PATTERN.exec(ceType);
  if (!match) return poison(`${CE_HEADERS.type} is "${ceType}", not demarche.<EventType>.v<schemaVersion>`, location);
  const type = match[1]!;
  const schemaVersion = Number(match[2]);
  const declaredSchema = optionalHeader(headers, CE_HEADERS.schemaVersion, location);
  if (declaredSchema !== undefined && declaredSchema !== '' && declaredSchema !== String(schemaVersion)) {
    poison(`${CE_HEADERS.schemaVersion} is "${declaredSchema}" but ${CE_HEADERS.type} says v${schemaVersion}`, location);
  }
  requiredHeader(headers, CE_HEADERS.source, location);
  const streamId = requiredHeader(headers, CE_HEADERS.subject, location);
  const key = message.key == null ? undefined : asText(message.key);
  if (key !== undefined && key !== streamId) poison(`record key "${key}" is not the stream id "${streamId}" (${CE_HEADERS.subject}); per-stream order depends on it`, location);
  const recordedAt = requiredHeader(headers, CE_HEADERS.time, location);
  if (Number.isNaN(Date.parse(recordedAt))) poison(`${CE_HEADERS.time} is "${recordedAt}", not an RFC 3339 timestamp`, location);
  const contentType = requiredHeader(headers, CE_HEADERS.contentType, location);
  if (contentType !== JSON_CONTENT_TYPE && contentType.split(';')[0]!.trim().toLowerCase() !== JSON_CONTENT_TYPE) {
    poison(`content-type is "${contentType}"; only ${JSON_CONTENT_TYPE} is understood`, location);
  }
  const position = positiveInteger(headers, CE_HEADERS.position, location);
  const streamVersion = positiveInteger(headers, CE_HEADERS.streamVersion, location);
  const occurredAt = requiredHeader(headers, CE_HEADERS.occurredAt, location);
  const actor = requiredHeader(headers, CE_HEADERS.actor, location);
  const correlationId = presentHeader(headers, CE_HEADERS.correlationId, location);
  const causationId = presentHeader(headers, CE_HEADERS.causationId, location);

  if (message.value == null) poison('the record has no value (a tombstone?); a Demarche event always carries JSON data', location);
  let data: unknown;
  try {
    data = JSON.parse(asText(message.value!));
  } catch (error) {
    poison(`the value is not valid JSON (${(error as Error).message})`, location, error);
  }
  return { id, type, schemaVersion, streamId, streamVersion, position, occurredAt, recordedAt, actor, correlationId, causationId, data };
}

/** A header value as text, whatever shape kafkajs handed it in (for logs and the dead-letter topic). */
export function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const raw = headers?.[name];
  if (raw === undefined) return undefined;
  const one = Array.isArray(raw) ? raw[0] : raw;
  return one === undefined ? undefined : asText(one);
}
