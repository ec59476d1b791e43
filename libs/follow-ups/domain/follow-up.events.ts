import type { DomainEvent, Iso3, LocalDate } from '../../kernel/index.js';
import type { Queue } from './playbook.js';

/** What caused a follow-up: the event the playbook reacted to. */
export interface Trigger {
  readonly eventId: string;
  readonly type: string;
  /** Its place in the log: the playbook reacts in this order, and never twice to the same place. */
  readonly position: number;
}

/** A task for coordinators, created by the playbook. */
export type FollowUpScheduled = DomainEvent<
  'FollowUpScheduled',
  {
    readonly followUpId: string;
    readonly campaignId: string;
    readonly treaty: string;
    readonly kind: string;
    readonly queue: Queue;
    readonly countries: readonly Iso3[];
    /** For a regional initiative: the sub-region it gathers. */
    readonly subregion?: string;
    readonly dueOn: LocalDate;
    /** 1 for the first occurrence of a repeating task. */
    readonly occurrence: number;
    readonly triggeredBy: Trigger;
  }
>;

/**
 * Another country joined a gathering task (a regional initiative grows). The task's details
 * come along, so that a reader that never saw the task (its other members left) can show it.
 */
export type FollowUpWidened = DomainEvent<
  'FollowUpWidened',
  { readonly followUpId: string; readonly iso3: Iso3; readonly countries: readonly Iso3[]; readonly triggeredBy: Trigger } & Partial<Pick<FollowUpScheduled['data'], 'campaignId' | 'treaty' | 'kind' | 'queue' | 'dueOn'>>
>;

/**
 * A regional initiative retracted when its last member left is needed after all: a country
 * joined it on an earlier day (entered later), so it stayed open. Dated on the day it had been
 * retracted; it is open again from then, with the members who had not left.
 */
export type FollowUpReinstated = DomainEvent<'FollowUpReinstated', { readonly followUpId: string; readonly countries: readonly Iso3[]; readonly reason: string; readonly triggeredBy: Trigger }>;

/** A country left a gathering task (it deposited, or no longer cites the obstacle). */
export type FollowUpNarrowed = DomainEvent<'FollowUpNarrowed', { readonly followUpId: string; readonly iso3: Iso3; readonly countries: readonly Iso3[]; readonly reason: string; readonly triggeredBy: Trigger }>;

export type FollowUpClaimed = DomainEvent<'FollowUpClaimed', { readonly followUpId: string; readonly assignee: string }>;

/** A coordinator handed the task to someone else (or gave an open task to someone): it is now theirs. Names the countries, so their histories show it. */
export type FollowUpReassigned = DomainEvent<'FollowUpReassigned', { readonly followUpId: string; readonly assignee: string; readonly previousAssignee: string | null; readonly reassignedBy: string; readonly countries: readonly Iso3[] }>;

export type FollowUpCompleted = DomainEvent<'FollowUpCompleted', { readonly followUpId: string; readonly outcome: string; readonly completedBy: string; readonly countries: readonly Iso3[] }>;

/** The task no longer makes sense: the country deposited, answered, or was re-assessed. */
export type FollowUpRetracted = DomainEvent<'FollowUpRetracted', { readonly followUpId: string; readonly reason: string; readonly countries: readonly Iso3[]; readonly triggeredBy: Trigger }>;

/**
 * The task stayed open too long past its due date and moved to another queue, as its rule's
 * `escalate` says; `reason` tells why, and `notify` whom the move is mailed to.
 */
export type FollowUpEscalated = DomainEvent<
  'FollowUpEscalated',
  { readonly followUpId: string; readonly from: Queue; readonly to: Queue; readonly reason: string; readonly countries: readonly Iso3[]; readonly campaignId: string; readonly notify?: 'coordinators'; readonly triggeredBy: Trigger }
>;

export type FollowUpEvent = FollowUpScheduled | FollowUpWidened | FollowUpNarrowed | FollowUpClaimed | FollowUpReassigned | FollowUpCompleted | FollowUpRetracted | FollowUpReinstated | FollowUpFellDue | FollowUpEscalated;

/** Every event of a task's life, as its stream holds them. */
export const FOLLOW_UP_EVENT_TYPES: readonly FollowUpEvent['type'][] = [
  'FollowUpScheduled', 'FollowUpWidened', 'FollowUpNarrowed', 'FollowUpClaimed', 'FollowUpReassigned', 'FollowUpCompleted', 'FollowUpRetracted', 'FollowUpReinstated', 'FollowUpFellDue', 'FollowUpEscalated',
];

/**
 * What the playbook writes on its own, as opposed to what people record (a claim, a
 * completion): a replay of the facts under another playbook leaves these out.
 */
export const WORKFLOW_OUTPUT_TYPES: readonly (FollowUpEvent | TimerElapsed)['type'][] = [
  'FollowUpScheduled', 'FollowUpWidened', 'FollowUpNarrowed', 'FollowUpRetracted', 'FollowUpReinstated', 'FollowUpFellDue', 'FollowUpEscalated', 'TimerElapsed',
];

/** A durable timer ran out (a letter's 30 days, a repeat's 180). Recorded so replays see it. */
export type TimerElapsed = DomainEvent<'TimerElapsed', { readonly timerId: string; readonly dueOn: LocalDate; readonly payload: TimerPayload }>;

/** The task's due date came while it was still open or claimed: it is now overdue. */
export type FollowUpFellDue = DomainEvent<'FollowUpFellDue', { readonly followUpId: string; readonly dueOn: LocalDate; readonly countries: readonly Iso3[] }>;

/**
 * What a timer is for. Every timer belongs to a follow-up queue (`bilateral`, ...), so a
 * deployment can run one job queue per follow-up queue.
 */
export type TimerPayload =
  | { readonly purpose: 'no-response'; readonly queue: Queue; readonly kind: string; readonly campaignId: string; readonly iso3: Iso3; readonly letterEventId: string; readonly deliveredOn: LocalDate }
  | { readonly purpose: 'repeat'; readonly queue: Queue; readonly kind: string; readonly campaignId: string; readonly iso3: Iso3; readonly followUpId: string; readonly occurrence: number; readonly dueOn: LocalDate }
  | { readonly purpose: 'due'; readonly queue: Queue; readonly followUpId: string }
  | { readonly purpose: 'escalate'; readonly queue: Queue; readonly followUpId: string; readonly kind: string; readonly campaignId: string; readonly iso3: Iso3 };

/** The timer that marks a task overdue has the task's own id, so it is easy to find and cancel. */
export const dueTimerId = (followUpId: string) => followUpId;
/** The timer that escalates a task still open past its due date. */
export const escalationTimerId = (followUpId: string) => `escalate.${followUpId}`;

export const followUpStreamId = (id: string) => `follow-up-${id}`;
export const timerStreamId = (id: string) => `timer-${id}`;
