import type { Iso3, LocalDate } from '../../kernel/index.js';
import type { Assessment } from '../../outreach/domain/index.js';
import type { Act, TreatyDefinition, TreatyStanding } from '../../treaty-status/domain/index.js';
import type { FollowUpCommand } from './follow-up.decider.js';
import type { TimerPayload, Trigger } from './follow-up.events.js';
import type { Playbook } from './playbook.js';

// The follow-up workflow's memory and vocabulary: what it knows of a case, what it reacts to
// and the commands it decides (follow-up.workflow.ts decides and evolves them).

/** What the workflow knows of a country: where it sits, who approached it, and its acts per treaty. */
export interface CountryFacts {
  readonly iso3: Iso3;
  readonly subregion?: string;
  /** The campaigns that approached it, so that a treaty act reaches each of its cases. */
  readonly campaigns: readonly string[];
  readonly standings: Readonly<Record<string, TreatyStanding>>;
}

/** A task the workflow opened, and the day it opened (nothing closes it on an earlier day). */
export interface OpenTask {
  readonly kind: string;
  readonly openedOn: LocalDate;
}

/**
 * A task of a case with the day it closed, once that is known. A fact recorded in advance (a
 * deposit of a later year) may close it ahead of facts entered after it: one dated before that
 * day still closes it earlier, so a closed task is kept, not forgotten.
 */
export interface CaseTask extends OpenTask {
  readonly closedOn?: LocalDate;
}

/** The workflow's memory of one case. */
export interface CaseState {
  readonly campaignId: string;
  readonly iso3: Iso3;
  /** The days of the responses received, in order, each once. */
  readonly respondedOn: readonly LocalDate[];
  readonly assessment?: Assessment;
  /** The case's own tasks (not the regional initiatives it belongs to), by id. */
  readonly tasks: Readonly<Record<string, CaseTask>>;
  /** The latest occurrence of each repeating kind: only its completion brings the next one. */
  readonly latest: Readonly<Record<string, { readonly id: string; readonly occurrence: number }>>;
}

/** The regional initiative of one campaign, rule and sub-region: the task gathering its countries. */
export interface InitiativeState {
  readonly open?: InitiativeTask;
  readonly members: readonly Iso3[];
  /** How many initiatives were formed so far; the next one is numbered `formed + 1`. */
  readonly formed: number;
  /**
   * The last initiative, retracted when its last member left: a country that joined before
   * that day (entered later) reinstates it rather than forming another.
   */
  readonly last?: InitiativeTask & { readonly retractedOn: LocalDate };
  /** Members that left, the task they left and the day: a fact dated earlier moves the day. */
  readonly left: Readonly<Record<Iso3, { readonly id: string; readonly on: LocalDate }>>;
}

export interface InitiativeTask extends OpenTask {
  readonly id: string;
  readonly dueOn: LocalDate;
}

/** What a decision about one case reads: the rules, the treaty and the state of the case. */
export interface CaseContext extends CaseView {
  readonly playbook: Playbook;
  readonly treaty: TreatyDefinition;
}

/** The part of the workflow's state that one case's decisions change. */
export interface CaseView {
  readonly country: CountryFacts;
  readonly case: CaseState;
  /** The initiatives of the campaign in the country's sub-region, by rule kind. */
  readonly initiatives: Readonly<Record<string, InitiativeState>>;
}

interface Reacting {
  /** The event reacted to: every task command names it. */
  readonly trigger: Trigger;
  /** The day it happened in the world. */
  readonly on: LocalDate;
}

/** What the workflow reacts to, for one case. */
export type CaseInput = Reacting &
  (
    | { readonly type: 'letter-delivered'; readonly letterVersion: number }
    | { readonly type: 'response-received' }
    | { readonly type: 'group-assigned'; readonly assessment: Assessment }
    /** The campaign's treaty: the country signed, deposited or withdrew (`on` is the act's day). */
    | { readonly type: 'treaty-act'; readonly act: Act }
    /** A letter's no-response timer ran out (`on` is its due day). */
    | { readonly type: 'no-response-timer'; readonly kind: string; readonly letterEventId: string }
    /** A coordinator completed one of the case's tasks (`on` is the day of completion). */
    | { readonly type: 'task-completed'; readonly followUpId: string; readonly kind: string; readonly occurrence: number }
    /** A task's escalation timer ran out (`on` is the day it fell due plus the rule's `afterDaysOverdue`). */
    | { readonly type: 'escalation-timer'; readonly followUpId: string; readonly kind: string; readonly dueOn: LocalDate }
  );

/** What the processor carries out: a command to a task's stream, or a durable timer. */
export type WorkflowCommand =
  | { readonly type: 'send'; readonly followUpId: string; readonly command: FollowUpCommand }
  | { readonly type: 'set-timer'; readonly timerId: string; readonly dueOn: LocalDate; readonly payload: TimerPayload }
  | { readonly type: 'cancel-timer'; readonly timerId: string };

export const emptyCase = (campaignId: string, iso3: Iso3): CaseState => ({ campaignId, iso3, respondedOn: [], tasks: {}, latest: {} });
export const emptyCountry = (iso3: Iso3): CountryFacts => ({ iso3, campaigns: [], standings: {} });
export const EMPTY_INITIATIVE: InitiativeState = { members: [], formed: 0, left: {} };
