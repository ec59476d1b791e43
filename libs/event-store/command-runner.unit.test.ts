import { newEvent } from '../../tests/contracts/event-store.contract.js';
import type { Decider, DomainEvent } from '../kernel/index.js';
import { CommandRunner, EventRegistry, InMemoryEventStore, type EventStore } from './index.js';

type Registered = DomainEvent<'Registered', { readonly name: string }>;
const registration: Decider<unknown, string | undefined, Registered> = {
  decide: () => [],
  evolve: (state, event) => state ?? event.data.name,
  initialState: () => undefined,
};
const other: Decider<unknown, number, Registered> = { decide: () => [], evolve: (n) => n + 1, initialState: () => 0 };

/** A store that counts `readStream` calls. */
function counting(store: EventStore): { store: EventStore; reads: string[] } {
  const reads: string[] = [];
  const wrapped = Object.assign(Object.create(store) as EventStore, {
    readStream: (streamId: string) => {
      reads.push(streamId);
      return store.readStream(streamId);
    },
  });
  return { store: wrapped, reads };
}

const registered = (name: string) => ({ ...newEvent(), type: 'Registered', data: { name } });

describe('CommandRunner.loadRegistration', () => {
  it('reads a registration once, and keeps reading a stream that is still empty', async () => {
    const log = new InMemoryEventStore();
    const { store, reads } = counting(log);
    const runner = new CommandRunner(store, new EventRegistry().register('Registered'));

    expect(await runner.loadRegistration('mission-a', registration)).toBeUndefined();
    expect(await runner.loadRegistration('mission-a', registration)).toBeUndefined();
    expect(reads).toEqual(['mission-a', 'mission-a']);

    await log.append('mission-a', 0, [registered('Nairobi')]);
    expect(await runner.loadRegistration('mission-a', registration)).toBe('Nairobi');
    expect(await runner.loadRegistration('mission-a', registration)).toBe('Nairobi');
    expect(reads).toHaveLength(3);

    // Another decider folds the same stream into a state of its own, read for itself.
    expect(await runner.loadRegistration('mission-a', other)).toBe(1);
    expect(reads).toHaveLength(4);
    // `load` always reads.
    expect((await runner.load('mission-a', registration)).state).toBe('Nairobi');
    expect(reads).toHaveLength(5);
  });
});
