import { newEvent } from '../../tests/contracts/event-store.contract.js';
import type { RecordedEvent } from '../kernel/index.js';
import { InMemoryEventStore, LogPager, type EventStore } from './index.js';

/** A store whose `readAllPages` iterations count the pages asked of them. */
function watched(store: InMemoryEventStore): { store: EventStore; asked: () => number; iterations: number[] } {
  let asked = 0;
  const iterations: number[] = [];
  const counted = Object.assign(Object.create(store) as EventStore, {
    readAllPages: (after: number, pageSize: number) => {
      iterations.push(after);
      const pages = store.readAllPages(after, pageSize)[Symbol.asyncIterator]();
      return {
        [Symbol.asyncIterator]: () => ({
          next: () => {
            asked++;
            return pages.next();
          },
          return: (value?: unknown) => pages.return?.(value) ?? Promise.resolve({ done: true as const, value: undefined }),
        }),
      };
    },
  });
  return { store: counted, asked: () => asked, iterations };
}

const positions = (page: readonly RecordedEvent[]) => page.map((e) => e.position);

describe('LogPager', () => {
  let log: InMemoryEventStore;
  beforeEach(async () => {
    log = new InMemoryEventStore();
    for (let i = 0; i < 23; i++) await log.append(`s-${i % 3}`, 'any', [newEvent()]);
  });

  it('hands out the pages in order and asks for readAhead more while one is in hand', async () => {
    const { store, asked, iterations } = watched(log);
    const pager = new LogPager(store, 5, 2);
    expect(positions(await pager.next(0))).toEqual([1, 2, 3, 4, 5]);
    // The page handed out and two more asked for.
    expect(asked()).toBe(3);
    expect(positions(await pager.next(5))).toEqual([6, 7, 8, 9, 10]);
    expect(asked()).toBe(4);
    const rest: number[] = [];
    for (let page = await pager.next(10); page.length; page = await pager.next(page[page.length - 1]!.position)) rest.push(...positions(page));
    expect(rest).toEqual(Array.from({ length: 13 }, (_, i) => 11 + i));
    // One iteration for the whole backlog; the empty read ended it.
    expect(iterations).toEqual([0]);
    // What is appended later is read by a new iteration, from the position then given.
    await log.append('s-new', 'any', [newEvent()]);
    expect(positions(await pager.next(23))).toEqual([24]);
    expect(iterations).toEqual([0, 23]);
  });

  it('after drop, starts again from the position given, whatever it had read ahead', async () => {
    const { store, iterations } = watched(log);
    const pager = new LogPager(store, 5, 3);
    expect(positions(await pager.next(0))).toEqual([1, 2, 3, 4, 5]);
    await pager.drop();
    expect(positions(await pager.next(2))).toEqual([3, 4, 5, 6, 7]);
    expect(iterations).toEqual([0, 2]);
  });

  it('without readAhead asks for one page at a time', async () => {
    const { store, asked } = watched(log);
    const pager = new LogPager(store, 5);
    await pager.next(0);
    expect(asked()).toBe(1);
    await pager.next(5);
    expect(asked()).toBe(2);
  });
});
