import type { LocalDate } from '../../libs/kernel/index.js';
import type { DueTimer, Timers } from '../../libs/follow-ups/application/timer.port.js';
import type { TimerPayload } from '../../libs/follow-ups/domain/follow-up.events.js';

/**
 * One adapter of the Timers port under test, with the way it fires: a polled table is asked
 * what is due, a job queue is promoted and worked. `fire(today)` moves the adapter's clock to
 * the start of `today`, lets every timer due by then fire, and returns the timers delivered
 * since the previous call.
 */
export interface TimersUnderTest {
  readonly timers: Timers;
  fire(today: LocalDate): Promise<DueTimer[]>;
  /** The same storage opened again, as after a restart (durable adapters only). */
  reopen?(): Promise<TimersUnderTest>;
  close(): Promise<void>;
}

const due = (followUpId: string): TimerPayload => ({ purpose: 'due', queue: 'bilateral', followUpId });
const noResponse: TimerPayload = { purpose: 'no-response', queue: 'regional', kind: 'chase-response', campaignId: 'c1', iso3: 'KEN', letterEventId: 'e1', deliveredOn: '2026-03-01' };

/** The behaviour every Timers adapter shares, whatever fires it. Clocks start on 2026-03-01. */
export function timersContract(name: string, open: () => Promise<TimersUnderTest>): void {
  describe(`Timers contract: ${name}`, () => {
    let subject: TimersUnderTest;
    beforeEach(async () => {
      subject = await open();
    });
    afterEach(async () => {
      await subject.close();
    });

    it('fires a timer at the start of its day, not before, with its payload', async () => {
      await subject.timers.set('t1', '2026-03-10', due('t1'));
      expect(await subject.fire('2026-03-09')).toEqual([]);
      expect(await subject.fire('2026-03-10')).toEqual([{ timerId: 't1', dueOn: '2026-03-10', payload: due('t1') }]);
    });

    it('keeps the first of two timers set with the same id', async () => {
      await subject.timers.set('t1', '2026-03-05', noResponse);
      await subject.timers.set('t1', '2026-03-20', due('other'));
      expect(await subject.fire('2026-03-05')).toEqual([{ timerId: 't1', dueOn: '2026-03-05', payload: noResponse }]);
      expect(await subject.fire('2026-03-31')).toEqual([]);
    });

    it('fires each timer once, and every timer due by then, across queues', async () => {
      await subject.timers.set('a', '2026-03-02', due('a'));
      await subject.timers.set('b', '2026-03-03', noResponse);
      await subject.timers.set('c', '2026-04-01', due('c'));
      const fired = await subject.fire('2026-03-15');
      expect(fired.map((t) => t.timerId).sort()).toEqual(['a', 'b']);
      expect(await subject.fire('2026-03-16')).toEqual([]);
      expect((await subject.fire('2026-04-01')).map((t) => t.timerId)).toEqual(['c']);
    });

    it('does not fire a cancelled timer; cancelling an unknown or fired one is a no-op', async () => {
      await subject.timers.set('keep', '2026-03-04', due('keep'));
      await subject.timers.set('drop', '2026-03-04', due('drop'));
      await subject.timers.cancel('drop');
      await subject.timers.cancel('never-set');
      expect((await subject.fire('2026-03-04')).map((t) => t.timerId)).toEqual(['keep']);
      await subject.timers.cancel('keep');
      expect(await subject.fire('2026-03-05')).toEqual([]);
    });

    it('a cancelled id may be set again and fires then', async () => {
      await subject.timers.set('again', '2026-03-04', due('again'));
      await subject.timers.cancel('again');
      await subject.timers.set('again', '2026-03-06', due('again'));
      expect((await subject.fire('2026-03-06')).map((t) => [t.timerId, t.dueOn])).toEqual([['again', '2026-03-06']]);
    });

    describe('setMany, as set for each in turn', () => {
      const at = (fired: DueTimer[]) => fired.map((t) => [t.timerId, t.dueOn, t.payload.queue]).sort();

      it('sets every timer, across queues; an empty list is a no-op', async () => {
        await subject.timers.setMany([]);
        await subject.timers.setMany([
          { timerId: 'a', dueOn: '2026-03-02', payload: due('a') },
          { timerId: 'b', dueOn: '2026-03-03', payload: noResponse },
          { timerId: 'c', dueOn: '2026-04-01', payload: due('c') },
        ]);
        expect(await subject.fire('2026-03-01')).toEqual([]);
        expect(at(await subject.fire('2026-03-15'))).toEqual([['a', '2026-03-02', 'bilateral'], ['b', '2026-03-03', 'regional']]);
        expect(await subject.fire('2026-04-01')).toEqual([{ timerId: 'c', dueOn: '2026-04-01', payload: due('c') }]);
      });

      it('keeps the first of the same id twice in one call, in the same queue or in another', async () => {
        await subject.timers.setMany([
          { timerId: 'same', dueOn: '2026-03-05', payload: due('same') },
          { timerId: 'moved', dueOn: '2026-03-06', payload: noResponse },
          { timerId: 'same', dueOn: '2026-03-02', payload: due('later-copy') },
          { timerId: 'moved', dueOn: '2026-03-02', payload: due('moved') },
        ]);
        expect(await subject.fire('2026-03-04')).toEqual([]);
        expect(at(await subject.fire('2026-03-31'))).toEqual([['moved', '2026-03-06', 'regional'], ['same', '2026-03-05', 'bilateral']]);
        expect(await subject.fire('2026-04-30')).toEqual([]);
      });

      it('leaves an id already pending as it is, even with another day or queue, and sets the new ones beside it', async () => {
        await subject.timers.set('pending', '2026-03-10', due('pending'));
        await subject.timers.set('elsewhere', '2026-03-10', noResponse);
        await subject.timers.setMany([
          { timerId: 'pending', dueOn: '2026-03-03', payload: due('pending') },
          { timerId: 'elsewhere', dueOn: '2026-03-03', payload: due('elsewhere') },
          { timerId: 'new', dueOn: '2026-03-03', payload: due('new') },
        ]);
        expect(at(await subject.fire('2026-03-09'))).toEqual([['new', '2026-03-03', 'bilateral']]);
        expect(at(await subject.fire('2026-03-10'))).toEqual([['elsewhere', '2026-03-10', 'regional'], ['pending', '2026-03-10', 'bilateral']]);
      });

      it('does not set again a timer that fired, and sets again one that was cancelled', async () => {
        await subject.timers.setMany([
          { timerId: 'fired', dueOn: '2026-03-02', payload: due('fired') },
          { timerId: 'cancelled', dueOn: '2026-03-20', payload: noResponse },
        ]);
        expect(at(await subject.fire('2026-03-02'))).toEqual([['fired', '2026-03-02', 'bilateral']]);
        await subject.timers.cancel('cancelled');
        await subject.timers.setMany([
          { timerId: 'fired', dueOn: '2026-03-02', payload: due('fired') },
          { timerId: 'cancelled', dueOn: '2026-03-21', payload: due('cancelled') },
        ]);
        expect(at(await subject.fire('2026-03-31'))).toEqual([['cancelled', '2026-03-21', 'bilateral']]);
      });
    });
  });
}

/** Durability: what was set before a restart fires after it, and only what had not fired. */
export function durableTimersContract(name: string, open: () => Promise<TimersUnderTest>): void {
  describe(`Timers contract (durable): ${name}`, () => {
    it('timers set before a restart fire after it; fired ones do not fire again', async () => {
      const first = await open();
      await first.timers.set('early', '2026-03-02', due('early'));
      await first.timers.set('late', '2026-03-20', due('late'));
      expect((await first.fire('2026-03-02')).map((t) => t.timerId)).toEqual(['early']);
      const second = await first.reopen!();
      try {
        expect(await second.fire('2026-03-31')).toEqual([{ timerId: 'late', dueOn: '2026-03-20', payload: due('late') }]);
      } finally {
        await second.close();
      }
    });
  });
}
