/** What {@link OutageLog} writes through (Nest's `Logger` fits). */
export interface OutageLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/**
 * Says once that something stopped working and once that it works again, instead of a line
 * per retry: a loop that retries every second through a ten-minute outage would otherwise
 * bury everything else. While an outage lasts, a reminder is written every `remindEveryMs`.
 */
export class OutageLog {
  private readonly outages = new Map<string, { since: number; remindedAt: number }>();

  constructor(
    private readonly logger: OutageLogger,
    private readonly remindEveryMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** True while `key` is failing. */
  isFailing(key: string): boolean {
    return this.outages.has(key);
  }

  failed(key: string, message: string, level: 'warn' | 'error' = 'error'): void {
    const now = this.now();
    const outage = this.outages.get(key);
    if (!outage) {
      this.outages.set(key, { since: now, remindedAt: now });
      this.logger[level](message);
    } else if (now - outage.remindedAt >= this.remindEveryMs) {
      outage.remindedAt = now;
      this.logger[level](`Still failing after ${Math.round((now - outage.since) / 1000)} s: ${message}`);
    }
  }

  recovered(key: string, message: (seconds: number) => string): void {
    const outage = this.outages.get(key);
    if (!outage) return;
    this.outages.delete(key);
    this.logger.log(message(Math.round((this.now() - outage.since) / 1000)));
  }
}
