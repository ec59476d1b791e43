import { addDays, type LocalDate } from '../../kernel/index.js';

/** What a digest needs to know of a task, as the queues show it. */
export interface DigestTask {
  readonly id: string;
  readonly state: string;
  readonly dueOn: LocalDate;
  readonly openedOn: LocalDate;
  /** The days on which a country joined it (a regional initiative that grew). */
  readonly widenedOn: readonly LocalDate[];
}

/** The task ids of one digest, by section; a task may be in several. */
export interface DigestContent {
  readonly overdue: readonly string[];
  readonly dueSoon: readonly string[];
  readonly opened: readonly string[];
  readonly grown: readonly string[];
}

/** Days ahead that count as "due soon". */
export const DUE_SOON_DAYS = 7;

/**
 * The digest on `today` (the person's local day): open or claimed tasks overdue (due before
 * today), due within 7 days, opened since `since`, and initiatives widened since `since`.
 */
export function digestOf(tasks: readonly DigestTask[], today: LocalDate, since: LocalDate): DigestContent {
  const active = tasks.filter((t) => t.state === 'open' || t.state === 'claimed').sort((a, b) => (a.dueOn === b.dueOn ? a.id.localeCompare(b.id) : a.dueOn < b.dueOn ? -1 : 1));
  const soon = addDays(today, DUE_SOON_DAYS);
  return {
    overdue: active.filter((t) => t.dueOn < today).map((t) => t.id),
    dueSoon: active.filter((t) => t.dueOn >= today && t.dueOn <= soon).map((t) => t.id),
    opened: active.filter((t) => t.openedOn > since).map((t) => t.id),
    grown: active.filter((t) => t.widenedOn.some((d) => d > since)).map((t) => t.id),
  };
}

export const isEmptyDigest = (d: DigestContent) => !d.overdue.length && !d.dueSoon.length && !d.opened.length && !d.grown.length;
