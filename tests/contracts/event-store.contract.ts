import { randomUUID } from 'node:crypto';
import { ConcurrencyError, type EventStore, type NewEvent } from '../../libs/event-store/index.js';
import type { RecordedEvent } from '../../libs/kernel/index.js';

const meta = { actor: 'test', correlationId: 'c', causationId: 'c' };
export const newEvent = (type = 'LetterDelivered', data: unknown = { n: 1 }): NewEvent => ({
  id: randomUUID(), type, schemaVersion: 1, occurredAt: '2026-01-01', data, metadata: meta,
});

/** What an adapter can tell the contract about its insides. */
export interface EventStoreProbes {
  /** Server cursors the store holds open right now (for stores that read through cursors). */
  readonly openCursors?: (store: EventStore) => number;
}

/** Every page of `readAllPages`, after the iteration ended by itself. */
export async function allPages(store: EventStore, after: number, pageSize: number): Promise<RecordedEvent[][]> {
  const pages: RecordedEvent[][] = [];
  for await (const page of store.readAllPages(after, pageSize)) pages.push(page);
  return pages;
}

/**
 * The behaviour every event store adapter must have. Each adapter's test file calls this
 * with a factory for a fresh, empty store.
 */
export function eventStoreContract(
  name: string,
  open: () => Promise<EventStore>,
  cleanup: (store: EventStore) => Promise<void> = (s) => s.close(),
  probes: EventStoreProbes = {},
) {
  describe(`${name}: the event store contract`, () => {
    let store: EventStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(() => cleanup(store));

    it('appends to a new stream and reads it back in order with its envelope', async () => {
      const events = [newEvent('LetterDelivered', { a: 1 }), newEvent('MeetingHeld', { b: 'ü' })];
      const result = await store.append('s-1', 0, events);
      expect(result.streamVersion).toBe(2);
      expect(result.eventIds).toEqual(events.map((e) => e.id));
      const read = await store.readStream('s-1');
      expect(read.map((e) => [e.id, e.type, e.streamVersion, e.data])).toEqual([
        [events[0]!.id, 'LetterDelivered', 1, { a: 1 }],
        [events[1]!.id, 'MeetingHeld', 2, { b: 'ü' }],
      ]);
      expect(read[0]).toMatchObject({ streamId: 's-1', schemaVersion: 1, occurredAt: '2026-01-01', actor: 'test', correlationId: 'c', causationId: 'c' });
      expect(Date.parse(read[0]!.recordedAt)).not.toBeNaN();
      expect(read[1]!.position).toBeGreaterThan(read[0]!.position);
    });

    it('rejects an append at the wrong expected version, and stores nothing of it', async () => {
      await store.append('s-1', 0, [newEvent()]);
      await expect(store.append('s-1', 0, [newEvent()])).rejects.toBeInstanceOf(ConcurrencyError);
      await expect(store.append('s-1', 2, [newEvent(), newEvent()])).rejects.toBeInstanceOf(ConcurrencyError);
      expect(await store.readStream('s-1')).toHaveLength(1);
      await expect(store.append('s-1', 1, [newEvent()])).resolves.toMatchObject({ streamVersion: 2 });
      await expect(store.append('s-1', 'any', [newEvent()])).resolves.toMatchObject({ streamVersion: 3 });
    });

    it('lets exactly one of two racing writers win', async () => {
      const results = await Promise.allSettled([store.append('race', 0, [newEvent()]), store.append('race', 0, [newEvent()])]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof ConcurrencyError)).toHaveLength(1);
      expect(await store.readStream('race')).toHaveLength(1);
    });

    it('returns the first result for a repeated commit id and stores nothing twice', async () => {
      const first = await store.append('s-1', 0, [newEvent()], { commitId: 'req-1' });
      const again = await store.append('s-1', 0, [newEvent()], { commitId: 'req-1' });
      expect(again).toEqual(first);
      expect(await store.readStream('s-1')).toHaveLength(1);
    });

    it('never stores the same event id twice', async () => {
      const e = newEvent();
      await store.append('s-1', 0, [e]);
      await expect(store.append('s-2', 0, [e])).rejects.toBeInstanceOf(ConcurrencyError);
      expect(await store.readStream('s-2')).toEqual([]);
    });

    it('reads everything in global order, in batches from a position', async () => {
      for (let i = 0; i < 7; i++) await store.append(`s-${i % 3}`, 'any', [newEvent('LetterDelivered', { i })]);
      const all = await store.readAll(0, 100);
      expect(all.map((e) => (e.data as { i: number }).i)).toEqual([0, 1, 2, 3, 4, 5, 6]);
      const page1 = await store.readAll(0, 3);
      const page2 = await store.readAll(page1[2]!.position, 3);
      const page3 = await store.readAll(page2[2]!.position, 3);
      expect([...page1, ...page2, ...page3].map((e) => e.id)).toEqual(all.map((e) => e.id));
      expect(await store.headPosition()).toBe(all[6]!.position);
    });

    const ids = (events: readonly RecordedEvent[]) => events.map((e) => e.id);
    /** 11 events in 6 commits, some of several events, over 3 streams. */
    const appendSome = async () => {
      for (let i = 0, n = 0; i < 6; i++) {
        const size = i % 2 ? 3 : 1;
        await store.append(`s-${i % 3}`, 'any', Array.from({ length: size }, () => newEvent('LetterDelivered', { i: n++ })));
      }
    };

    it('reads the same events page by page through readAllPages as readAll, from any position', async () => {
      await appendSome();
      const all = await store.readAll(0, 100);
      expect(all).toHaveLength(12);
      const pages = await allPages(store, 0, 5);
      expect(pages.map((p) => p.length)).toEqual([5, 5, 2]);
      expect(pages.flat()).toEqual(all);
      // From the middle of a commit, and with pages that end exactly at the end of the log.
      const middle = all[4]!.position;
      expect((await allPages(store, middle, 4)).flat()).toEqual(all.slice(5));
      expect((await allPages(store, 0, 6)).map((p) => p.length)).toEqual([6, 6]);
      expect(await allPages(store, all[11]!.position, 5)).toEqual([]);
      expect(await allPages(store, 0, 0)).toEqual([]);
    });

    it('releases what readAllPages holds when the reader stops in the middle', async () => {
      await appendSome();
      const all = await store.readAll(0, 100);
      let seen: RecordedEvent[] = [];
      for await (const page of store.readAllPages(0, 2)) {
        seen = page;
        break;
      }
      expect(seen).toEqual(all.slice(0, 2));
      expect(probes.openCursors?.(store) ?? 0).toBe(0);
      // The same through the iterator protocol, as a caller that keeps the iterator does.
      const iterator = store.readAllPages(seen[1]!.position, 3)[Symbol.asyncIterator]();
      expect(ids((await iterator.next()).value as RecordedEvent[])).toEqual(ids(all.slice(2, 5)));
      await iterator.return?.();
      expect(probes.openCursors?.(store) ?? 0).toBe(0);
      expect((await allPages(store, all[4]!.position, 3)).flat()).toEqual(all.slice(5));
      expect(probes.openCursors?.(store) ?? 0).toBe(0);
    });

    it('lets a readAllPages iteration started before later appends end in order, the rest read from where it stopped', async () => {
      await appendSome();
      const before = await store.readAll(0, 100);
      const iterator = store.readAllPages(0, 2)[Symbol.asyncIterator]();
      const read: RecordedEvent[] = [...((await iterator.next()).value as RecordedEvent[])];
      for (let i = 0; i < 4; i++) await store.append('later', 'any', [newEvent('LetterDelivered', { later: i })]);
      for (let r = await iterator.next(); !r.done; r = await iterator.next()) read.push(...r.value);
      const all = await store.readAll(0, 100);
      expect(all).toHaveLength(16);
      // Everything stored when it started, then perhaps some of the later events, never out of order.
      expect(read.length).toBeGreaterThanOrEqual(before.length);
      expect(read).toEqual(all.slice(0, read.length));
      expect((await allPages(store, read[read.length - 1]!.position, 2)).flat()).toEqual(all.slice(read.length));
      expect(probes.openCursors?.(store) ?? 0).toBe(0);
    });

    it('filters by stream, stream prefix and type after a cursor', async () => {
      await store.append('outreach-c1-KEN', 0, [newEvent('LetterDelivered'), newEvent('ResponseReceived')]);
      await store.append('outreach-c1-UGA', 0, [newEvent('LetterDelivered')]);
      await store.append('mission-m1', 0, [newEvent('MissionRegistered')]);
      expect((await store.query({ streamId: 'outreach-c1-KEN', limit: 10 })).map((e) => e.type)).toEqual(['LetterDelivered', 'ResponseReceived']);
      expect((await store.query({ streamPrefix: 'outreach-', types: ['LetterDelivered'], limit: 10 })).map((e) => e.streamId)).toEqual(['outreach-c1-KEN', 'outreach-c1-UGA']);
      const first = await store.query({ types: ['LetterDelivered'], limit: 1 });
      expect((await store.query({ types: ['LetterDelivered'], afterPosition: first[0]!.position, limit: 10 })).map((e) => e.streamId)).toEqual(['outreach-c1-UGA']);
    });

    it('wakes listeners after an append', async () => {
      let woken = 0;
      const off = store.onAppended(() => woken++);
      await store.append('s-1', 0, [newEvent()]);
      off();
      await store.append('s-1', 1, [newEvent()]);
      expect(woken).toBe(1);
    });
  });
}

/** The analysts' filters on the history: by country, campaign, mission and both time axes. */
export function eventFilterContract(name: string, open: () => Promise<EventStore>, cleanup: (store: EventStore) => Promise<void> = (s) => s.close()) {
  describe(`${name}: filtering the history`, () => {
    let store: EventStore;
    const at = (type: string, occurredAt: string, data: unknown): NewEvent => ({ ...newEvent(type, data), occurredAt });
    beforeEach(async () => {
      store = await open();
      await store.append('outreach-c1-KEN', 0, [
        at('LetterDelivered', '2026-02-01', { campaignId: 'c1', iso3: 'KEN', missionId: 'm1' }),
        at('ResponseReceived', '2026-03-01', { campaignId: 'c1', iso3: 'KEN', missionId: 'm1' }),
      ]);
      await store.append('outreach-c2-UGA', 0, [at('LetterDelivered', '2026-02-15', { campaignId: 'c2', iso3: 'UGA', missionId: 'm2' })]);
      await store.append('follow-up-x', 0, [at('FollowUpScheduled', '2026-03-02', { campaignId: 'c1', countries: ['UGA', 'ETH'] })]);
      await store.append('treaty-status-CCM-ETH', 0, [at('StatusChanged', '2026-04-01T10:00:00Z', { treaty: 'CCM', iso3: 'ETH' })]);
    });
    afterEach(() => cleanup(store));
    const types = async (q: Partial<Parameters<EventStore['query']>[0]>) => (await store.query({ limit: 100, ...q })).map((e) => `${e.type}@${e.streamId}`);

    it('filters by country, through iso3 or a list of countries', async () => {
      expect(await types({ country: 'UGA' })).toEqual(['LetterDelivered@outreach-c2-UGA', 'FollowUpScheduled@follow-up-x']);
      expect(await types({ country: 'ETH' })).toEqual(['FollowUpScheduled@follow-up-x', 'StatusChanged@treaty-status-CCM-ETH']);
      expect(await types({ country: 'NOR' })).toEqual([]);
    });

    it('filters by campaign and by mission, combined with type', async () => {
      expect(await types({ campaignId: 'c1' })).toEqual(['LetterDelivered@outreach-c1-KEN', 'ResponseReceived@outreach-c1-KEN', 'FollowUpScheduled@follow-up-x']);
      expect(await types({ campaignId: 'c1', types: ['LetterDelivered'] })).toEqual(['LetterDelivered@outreach-c1-KEN']);
      expect(await types({ missionId: 'm2' })).toEqual(['LetterDelivered@outreach-c2-UGA']);
    });

    it('filters by when it happened, with days and instants as bounds', async () => {
      expect(await types({ occurred: { from: '2026-02-15', to: '2026-03-01' } })).toEqual(['ResponseReceived@outreach-c1-KEN', 'LetterDelivered@outreach-c2-UGA']);
      expect(await types({ occurred: { from: '2026-04-01' } })).toEqual(['StatusChanged@treaty-status-CCM-ETH']);
      expect(await types({ occurred: { to: '2026-04-01T09:59:59Z' } })).toHaveLength(4);
    });

    it('filters by when it was recorded', async () => {
      const all = await store.query({ limit: 100 });
      const today = all[0]!.recordedAt.slice(0, 10);
      expect(await types({ recorded: { from: today, to: today } })).toHaveLength(5);
      expect(await types({ recorded: { to: '2000-01-01' } })).toEqual([]);
      expect(await types({ recorded: { from: all[4]!.recordedAt } })).toContain('StatusChanged@treaty-status-CCM-ETH');
    });
  });
}
