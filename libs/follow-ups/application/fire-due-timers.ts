import { randomUUID } from 'node:crypto';
import type { LocalDate } from '../../kernel/index.js';
import { ConcurrencyError, type EventRegistry, type EventStore } from '../../event-store/index.js';
import { timerStreamId } from '../domain/follow-up.events.js';
import type { Timers } from './timer.port.js';

/**
 * Records a `TimerElapsed` event for every timer due by `today`. Each timer has its own
 * stream that must be empty, so a timer fires once even if two workers race or a worker
 * dies between recording and marking.
 */
export async function fireDueTimers(store: EventStore, registry: EventRegistry, timers: Timers, today: LocalDate, now: Date, limit = 200): Promise<number> {
  const due = await timers.due(today, limit);
  for (const t of due) {
    const id = randomUUID();
    try {
      await store.append(timerStreamId(t.timerId), 0, [
        {
          id,
          type: 'TimerElapsed',
          schemaVersion: registry.schemaVersionOf('TimerElapsed'),
          occurredAt: t.dueOn,
          data: { timerId: t.timerId, dueOn: t.dueOn, payload: t.payload },
          metadata: { actor: 'system:timers', correlationId: id, causationId: id },
        },
      ]);
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
    }
    await timers.markFired(t.timerId, now);
  }
  return due.length;
}
