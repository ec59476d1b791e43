import type { LocalDate } from '../../kernel/index.js';
import type { DueTimer, PolledTimers, TimerSpec } from '../application/timer.port.js';
import type { TimerPayload } from '../domain/follow-up.events.js';

/** Timers held in memory: for unit tests and what-if sandboxes. */
export class InMemoryTimers implements PolledTimers {
  private readonly timers = new Map<string, DueTimer & { fired: boolean }>();

  async set(timerId: string, dueOn: LocalDate, payload: TimerPayload): Promise<void> {
    if (!this.timers.has(timerId)) this.timers.set(timerId, { timerId, dueOn, payload, fired: false });
  }

  async setMany(timers: readonly TimerSpec[]): Promise<void> {
    for (const t of timers) await this.set(t.timerId, t.dueOn, t.payload);
  }

  async cancel(timerId: string): Promise<void> {
    if (!this.timers.get(timerId)?.fired) this.timers.delete(timerId);
  }

  async due(today: LocalDate, limit: number): Promise<DueTimer[]> {
    return [...this.timers.values()]
      .filter((t) => !t.fired && t.dueOn <= today)
      .sort((a, b) => (a.dueOn < b.dueOn ? -1 : a.dueOn > b.dueOn ? 1 : a.timerId < b.timerId ? -1 : 1))
      .slice(0, limit)
      .map(({ fired, ...t }) => t);
  }

  async markFired(timerId: string): Promise<void> {
    const t = this.timers.get(timerId);
    if (t) t.fired = true;
  }

  pending(): DueTimer[] {
    return [...this.timers.values()].filter((t) => !t.fired).map(({ fired, ...t }) => t);
  }
}
