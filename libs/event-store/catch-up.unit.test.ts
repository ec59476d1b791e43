import { newEvent } from '../../tests/contracts/event-store.contract.js';
import type { RecordedEvent } from '../kernel/index.js';
import { CatchUpSubscription, InMemoryEventStore, type EventStore } from './index.js';

/** A store that records where each `readAllPages` iteration starts. */
function counting(store: InMemoryEventStore): { store: EventStore; iterations: number[] } {
  const iterations: number[] = [];
  const counted = Object.assign(Object.create(store) as EventStore, {
    readAllPages: (after: number, pageSize: number) => {
      iterations.push(after);
      return store.readAllPages(after, pageSize);
    },
  });
  return { store: counted, iterations };
}

const positions = (batch: readonly RecordedEvent[]) => batch.map((e) => e.position);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('CatchUpSubscription', () => {
  let log: InMemoryEventStore;
  beforeEach(async () => {
    log = new InMemoryEventStore();
    for (let i = 0; i < 25; i++) await log.append(`s-${i % 4}`, 'any', [newEvent()]);
  });

  it('reads a backlog through one iteration, and after a failed batch reads again from the position handled', async () => {
    const { store, iterations } = counting(log);
    let checkpoint = 0;
    const attempts: number[][] = [];
    const errors: number[] = [];
    const subscription = new CatchUpSubscription(
      store,
      async () => checkpoint,
      async (batch) => {
        attempts.push(positions(batch));
        if (attempts.length === 2) throw new Error('read model store down');
        checkpoint = batch[batch.length - 1]!.position;
      },
      { batchSize: 10, pollIntervalMs: 20, retryDelayMs: 5, onError: (_e, _b, failures) => errors.push(failures) },
    );
    subscription.start();
    await subscription.caughtUp();
    await subscription.stop();
    expect(attempts).toEqual([range(1, 10), range(11, 20), range(11, 20), range(21, 25)]);
    expect(errors).toEqual([1]);
    expect(checkpoint).toBe(25);
    // The backlog came from one iteration until the failure, then from a fresh one; the rest are polls.
    expect(iterations.filter((p) => p < 25)).toEqual([0, 10]);
  });

  it('starts a fresh iteration from the reloaded checkpoint when the target was swapped', async () => {
    const { store, iterations } = counting(log);
    let checkpoint = 0;
    let swapped = false;
    const handled: number[][] = [];
    const subscription = new CatchUpSubscription(
      store,
      async () => checkpoint,
      async (batch) => {
        handled.push(positions(batch));
        checkpoint = batch[batch.length - 1]!.position;
        // After the first batch, a rebuild swaps in a target that is already at position 18.
        if (handled.length === 1) {
          checkpoint = 18;
          swapped = true;
        }
      },
      {
        batchSize: 10,
        pollIntervalMs: 20,
        retryDelayMs: 5,
        onError: (error) => {
          throw error;
        },
        reloadCheckpoint: async () => {
          const reload = swapped;
          swapped = false;
          return reload;
        },
      },
    );
    subscription.start();
    await subscription.caughtUp();
    await subscription.stop();
    expect(handled).toEqual([range(1, 10), range(19, 25)]);
    expect(iterations.filter((p) => p < 25)).toEqual([0, 18]);
  });
});
