import type { RecordedEvent } from '../../libs/kernel/index.js';
import type { Projection } from '../../libs/projections/index.js';

/** What the stream counter keeps per stream. */
export interface Count {
  stream: string;
  count: number;
  versions: number[];
}

/** A projection for tests: counts `Counted` events per stream and remembers the versions in the order they were applied. */
export const streamCounter: Projection = {
  name: 'stream-counter',
  collections: ['counts'],
  handles: ['Counted'],
  async apply(event, view) {
    if ((event.data as { poison?: boolean }).poison) throw new Error('this event is poison for the counter');
    await view.update<Count>('counts', event.streamId, (doc) => ({
      stream: event.streamId,
      count: (doc?.count ?? 0) + 1,
      versions: [...(doc?.versions ?? []), event.streamVersion],
    }));
  },
};

let position = 0;

/** A `Counted` event as the store would have recorded it (`{ poison: true }` makes the counter throw). */
export function counted(streamId: string, streamVersion: number, data: object = {}): RecordedEvent {
  position++;
  return {
    id: `${streamId}-v${streamVersion}`,
    type: 'Counted',
    schemaVersion: 1,
    streamId,
    streamVersion,
    position,
    occurredAt: '2026-01-01',
    recordedAt: new Date().toISOString(),
    actor: 'test',
    correlationId: 'c',
    causationId: 'c',
    data,
  };
}
