import type { LocalDate } from '../../kernel/index.js';
import { ConcurrencyError, newEventId, type EventRegistry, type EventStore } from '../../event-store/index.js';
import { timerStreamId } from '../domain/follow-up.events.js';
import type { DueTimer, PolledTimers } from './timer.port.js';

/**
 * Records that a timer ran out. Each timer has its own stream that must be empty, so a
 * timer fires once even if two workers race, a job is retried, or a worker dies between
 * recording and acknowledging. Returns false when it had already fired.
 */
export async function recordTimerElapsed(store: EventStore, registry: EventRegistry, timer: DueTimer): Promise<boolean> {
  const id = newEventId();
  try {
    await store.append(timerStreamId(timer.timerId), 0, [
      {
        id,
        type: 'TimerElapsed',
        schemaVersion: registry.schemaVersionOf('TimerElapsed'),
        occurredAt: timer.dueOn,
        data: { timerId: timer.timerId, dueOn: timer.dueOn, payload: timer.payload },
        metadata: { actor: 'system:timers', correlationId: id, causationId: id },
      },
    ]);
    return true;
  } catch (error) {
    if (error instanceof ConcurrencyError) return false;
    throw error;
  }
}

/** Fires every polled timer due by `today`; returns how many were due. */
export async function fireDueTimers(store: EventStore, registry: EventRegistry, timers: PolledTimers, today: LocalDate, now: Date, limit = 200): Promise<number> {
  const due = await timers.due(today, limit);
  for (const t of due) {
    await recordTimerElapsed(store, registry, t);
    await timers.markFired(t.timerId, now);
  }
  return due.length;
}
