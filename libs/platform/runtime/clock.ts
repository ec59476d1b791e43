import type { Clock } from '../../kernel/index.js';

/** The system clock, optionally shifted so that it read `startAt` when the process started. */
export class SystemClock implements Clock {
  private readonly offsetMs: number;
  constructor(startAt?: string) {
    this.offsetMs = startAt ? Date.parse(startAt) - Date.now() : 0;
  }
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}
