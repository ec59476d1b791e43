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

type Counted = DomainEvent<'Counted', { readonly n: number }>;
/** A counter that accepts only the next number, and records nothing for the current one. */
const counter: Decider<number, number, Counted> = {
  decide: (n, current) => {
    if (n === current) return [];
    if (n !== current + 1) throw new Error(`expected ${current + 1}, got ${n}`);
    return [{ type: 'Counted', occurredAt: '2026-01-01', data: { n } }];
  },
  evolve: (_, event) => event.data.n,
  initialState: () => 0,
};

/** A store whose cached reads answer with the stream as it was when `freeze` was called. */
function staleWhenCached(log: InMemoryEventStore) {
  let frozen: Map<string, Awaited<ReturnType<EventStore['readStream']>>> = new Map();
  const reads: string[] = [];
  const store = Object.assign(Object.create(log) as EventStore, {
    readStream: async (streamId: string, options?: { cached?: boolean }) => {
      reads.push(options?.cached ? 'cached' : 'fresh');
      return options?.cached && frozen.has(streamId) ? frozen.get(streamId)! : log.readStream(streamId);
    },
  });
  return {
    store,
    reads,
    freeze: async (streamId: string) => void (frozen = new Map([[streamId, await log.readStream(streamId)]])),
  };
}

describe('CommandRunner.run on a stream the process may hold stale', () => {
  const meta = { actor: 'test', correlationId: 'c', causationId: 'c' };
  let log: InMemoryEventStore;
  let stale: ReturnType<typeof staleWhenCached>;
  let runner: CommandRunner;
  beforeEach(async () => {
    log = new InMemoryEventStore();
    stale = staleWhenCached(log);
    runner = new CommandRunner(stale.store, new EventRegistry().register('Counted'));
    await runner.run('c', counter, 1, meta);
    await stale.freeze('c');
    stale.reads.length = 0;
  });

  it('decides once on the stream as last seen when that is current', async () => {
    await runner.run('c', counter, 2, meta);
    expect(stale.reads).toEqual(['cached']);
  });

  it('decides again on a fresh read when the append finds the stream moved on', async () => {
    await log.append('c', 1, [{ ...newEvent(), type: 'Counted', data: { n: 2 } }]);
    const outcome = await runner.run('c', counter, 3, meta);
    expect(outcome.streamVersion).toBe(3);
    expect(stale.reads).toEqual(['cached', 'fresh']);
  });

  it('decides again on a fresh read before refusing, or before recording nothing', async () => {
    await log.append('c', 1, [{ ...newEvent(), type: 'Counted', data: { n: 2 } }]);
    // On the stale stream 2 would be recorded, 3 refused: the fresh one says otherwise.
    expect((await runner.run('c', counter, 2, meta)).eventIds).toEqual([]);
    expect(stale.reads).toEqual(['cached', 'fresh']);
    await stale.freeze('c');
    await log.append('c', 2, [{ ...newEvent(), type: 'Counted', data: { n: 3 } }]);
    stale.reads.length = 0;
    await expect(runner.run('c', counter, 3, meta)).resolves.toMatchObject({ eventIds: [] });
    expect((await runner.run('c', counter, 4, meta)).streamVersion).toBe(4);
    await expect(runner.run('c', counter, 9, meta)).rejects.toThrow('expected 5, got 9');
    expect((await log.readStream('c')).map((e) => (e.data as { n: number }).n)).toEqual([1, 2, 3, 4]);
  });
});
