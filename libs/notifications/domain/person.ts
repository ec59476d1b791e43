import { addDays, type LocalDate } from '../../kernel/index.js';

/** How often a person gets the digest of their queues. */
export const DIGEST_FREQUENCIES = ['daily', 'weekly', 'off'] as const;
export type DigestFrequency = (typeof DIGEST_FREQUENCIES)[number];
export const LANGUAGES = ['en', 'fr', 'es'] as const;
export type Language = (typeof LANGUAGES)[number];

/**
 * The person behind a coordinator or mission token, and what they want to receive. `name`
 * and `email` are personal data: stored sealed, and gone once the person is forgotten.
 */
export interface Person {
  /** The token the person acts with; its actor `token:<id>` is how tasks name them. */
  readonly tokenId: string;
  readonly name: string;
  readonly email: string;
  readonly language: Language;
  /** An IANA time zone (`Europe/Oslo`): the digest comes at `digestHour` there. */
  readonly timeZone: string;
  readonly assignmentMails: boolean;
  readonly digest: DigestFrequency;
  /** 0 to 23, local time. */
  readonly digestHour: number;
}

/** Whether the runtime knows the IANA time zone. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return /^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(zone);
  } catch {
    return false;
  }
}

/** The day and hour an instant falls on in a time zone. */
export function localTime(instant: Date, timeZone: string): { readonly day: LocalDate; readonly hour: number; readonly weekday: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23', weekday: 'short' })
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  const weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(parts.weekday!) + 1;
  return { day: `${parts.year}-${parts.month}-${parts.day}`, hour: Number(parts.hour), weekday };
}

/**
 * The digest period due for a person at `instant`, or undefined: a daily digest is due on
 * each local day once its hour has come, a weekly one on Mondays. The period is the key
 * that makes it go out once, however often the worker asks.
 */
export function digestDue(person: Pick<Person, 'digest' | 'digestHour' | 'timeZone'>, instant: Date): { readonly period: string; readonly day: LocalDate } | undefined {
  if (person.digest === 'off') return undefined;
  const local = localTime(instant, person.timeZone);
  if (local.hour < person.digestHour) return undefined;
  if (person.digest === 'daily') return { period: local.day, day: local.day };
  if (local.weekday !== 1) return undefined;
  return { period: `week-of-${local.day}`, day: local.day };
}

/** The day before the previous digest of this frequency: what "new since the last digest" counts from. */
export function previousDigestDay(frequency: DigestFrequency, day: LocalDate): LocalDate {
  return addDays(day, frequency === 'weekly' ? -7 : -1);
}
