import type { EventRegistry } from './event-registry.js';
import { historyPages, type EventQuery, type EventStore } from './event-store.port.js';
import type { PayloadCodec } from './payload-codec.js';

export interface ExportSources {
  readonly store: EventStore;
  readonly registry: EventRegistry;
  readonly codec: PayloadCodec;
}

/** One page of an export: its NDJSON lines and the last position it covers. */
export interface ExportChunk {
  readonly text: string;
  readonly events: number;
  readonly lastPosition: number;
}

/**
 * The (filtered) history as NDJSON, page by page: each event upcast to its current schema,
 * notes sealed, and forgotten notes read as forgotten, for every export alike (HTTP and CLI).
 * Leaving the loop early closes the store's cursor.
 */
export async function* exportChunks({ store, registry, codec }: ExportSources, filters: Omit<EventQuery, 'limit' | 'afterPosition'>, after: number, pageSize: number): AsyncGenerator<ExportChunk> {
  for await (const page of historyPages(store, filters, after, pageSize)) {
    const events = await codec.redact(page.map((e) => registry.upcast(e)));
    yield { text: events.map((e) => JSON.stringify(e)).join('\n') + '\n', events: page.length, lastPosition: page[page.length - 1]!.position };
  }
}

/** Writes a chunk, waiting for the stream to drain when its buffer is full, so a slow reader holds no whole history in memory. */
export async function writeDrained(out: NodeJS.WritableStream, text: string): Promise<void> {
  if (!out.write(text)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
}
