import { conflict, type Iso3, type LocalDate } from '../../kernel/index.js';
import type { Queue } from './playbook.js';
import type {
  FollowUpClaimed,
  FollowUpCompleted,
  FollowUpEscalated,
  FollowUpEvent,
  FollowUpFellDue,
  FollowUpNarrowed,
  FollowUpReassigned,
  FollowUpReinstated,
  FollowUpRetracted,
  FollowUpScheduled,
  FollowUpWidened,
  Trigger,
} from './follow-up.events.js';

/** Where a task stands: open until someone claims it, then completed; or retracted. */
export type FollowUpStatus = 'open' | 'claimed' | 'completed' | 'retracted';

export interface FollowUp extends Omit<FollowUpScheduled['data'], 'countries'> {
  readonly status: FollowUpStatus;
  readonly countries: readonly Iso3[];
  readonly assignee?: string;
  readonly outcome?: string;
  /** Set once the due date passed with the task still open or claimed. */
  readonly overdue?: boolean;
  /** The day it was retracted, while it is. */
  readonly retractedOn?: string;
  /** Members that left a gathering task, and the day each left. */
  readonly leftOn?: Readonly<Record<Iso3, string>>;
  /**
   * The log position of the latest event the playbook shaped this task in reaction to.
   * Reacting to an event at or before it changes nothing: that is a replay, and the task
   * already reflects it (or what came after it).
   */
  readonly shapedUpTo?: number;
}
export type FollowUpState = FollowUp | undefined;

/**
 * A day on which a fact already recorded ended what a command starts: a task opened for a 2012
 * response of a state that deposited in 2015 is closed on the deposit's day, at once.
 */
export interface Until {
  readonly on: string;
  readonly reason: string;
}

export type FollowUpCommand =
  | { readonly kind: 'schedule'; readonly task: FollowUpScheduled['data']; /** The day the trigger happened. */ readonly on: string; readonly until?: Until }
  | { readonly kind: 'widen'; readonly iso3: Iso3; readonly triggeredBy: Trigger; readonly on: string; readonly until?: Until }
  | { readonly kind: 'narrow'; readonly iso3: Iso3; readonly reason: string; readonly triggeredBy: Trigger; readonly on: string }
  | { readonly kind: 'claim'; readonly assignee: string; readonly on: string }
  | { readonly kind: 'reassign'; readonly assignee: string; readonly by: string; readonly on: string }
  | { readonly kind: 'complete'; readonly outcome: string; readonly by: string; readonly on: string }
  | { readonly kind: 'retract'; readonly reason: string; readonly triggeredBy: Trigger; readonly on: string }
  | { readonly kind: 'fall-due'; readonly on: string }
  | { readonly kind: 'escalate'; readonly to: Queue; readonly reason: string; readonly notify?: 'coordinators'; readonly triggeredBy: Trigger; readonly on: string };

const isActive = (s: FollowUpState): s is FollowUp => s?.status === 'open' || s?.status === 'claimed';
const isReplay = (s: FollowUp, trigger: Trigger) => trigger.position <= (s.shapedUpTo ?? 0);
const shaped = (s: FollowUp, trigger: Trigger) => Math.max(s.shapedUpTo ?? 0, trigger.position);
const retractedLater = (s: FollowUp, day: string) => s.status === 'retracted' && s.retractedOn !== undefined && day < s.retractedOn;
const earlier = (a: string | undefined, b: string) => (a !== undefined && a < b ? a : b);

/**
 * A follow-up task's life. Scheduling an existing task, widening with a member, retracting
 * a closed task: all no-ops, because the playbook may react to the same event again after a
 * crash or in a replay. Coordinators' claims, reassignments and completions are checked
 * strictly: only an open or claimed task can change hands.
 */
export function decideFollowUp(command: FollowUpCommand, state: FollowUpState): FollowUpEvent[] {
  switch (command.kind) {
    case 'schedule': {
      if (state) return [];
      const scheduled: FollowUpScheduled = { type: 'FollowUpScheduled', occurredAt: command.on, data: command.task };
      return command.until ? [scheduled, retraction(command.task, command.until, command.task.triggeredBy)] : [scheduled];
    }
    case 'widen': {
      if (!state || isReplay(state, command.triggeredBy)) return [];
      if (state.status === 'retracted' && state.subregion !== undefined && state.retractedOn && command.on < state.retractedOn) {
        // The initiative had a member on the day this one joined: it was not over, and is open again.
        const reinstated: FollowUpReinstated = {
          type: 'FollowUpReinstated',
          occurredAt: state.retractedOn,
          data: { followUpId: state.followUpId, countries: [], reason: `${command.iso3} joined on ${command.on}, before the initiative was retracted`, triggeredBy: command.triggeredBy },
        };
        return [reinstated, ...widening(evolveFollowUp(state, reinstated)!, command)];
      }
      if (!isActive(state) || state.countries.includes(command.iso3)) return [];
      return widening(state, command);
    }
    case 'narrow': {
      if (!state || isReplay(state, command.triggeredBy)) return [];
      const until = { on: command.on, reason: command.reason };
      if (isActive(state) && state.countries.includes(command.iso3)) return narrowing(state, command.iso3, until, command.triggeredBy);
      // A fact entered later shows the member left earlier than recorded: its leaving is dated again.
      const left = state.leftOn?.[command.iso3];
      if (left && command.on < left) {
        const e: FollowUpNarrowed = { type: 'FollowUpNarrowed', occurredAt: command.on, data: { followUpId: state.followUpId, iso3: command.iso3, countries: state.countries, reason: command.reason, triggeredBy: command.triggeredBy } };
        return [e];
      }
      return retractedLater(state, command.on) && state.countries.includes(command.iso3) ? [retraction(state, until, command.triggeredBy)] : [];
    }
    case 'retract':
      if (isActive(state)) return [retraction(state, command, command.triggeredBy)];
      // Retracted on a later day (a deposit known in advance), and now shown moot earlier: dated again.
      return state && retractedLater(state, command.on) && !isReplay(state, command.triggeredBy) ? [retraction(state, command, command.triggeredBy)] : [];
    case 'fall-due': {
      if (!isActive(state) || state.overdue) return [];
      const e: FollowUpFellDue = { type: 'FollowUpFellDue', occurredAt: command.on, data: { followUpId: state.followUpId, dueOn: state.dueOn, countries: state.countries } };
      return [e];
    }
    case 'escalate': {
      // Done or closed by now, or moved there already (a replay): nothing to escalate.
      if (!isActive(state) || state.queue === command.to) return [];
      const e: FollowUpEscalated = {
        type: 'FollowUpEscalated',
        occurredAt: command.on,
        data: { followUpId: state.followUpId, from: state.queue, to: command.to, reason: command.reason, countries: state.countries, campaignId: state.campaignId, ...(command.notify ? { notify: command.notify } : {}), triggeredBy: command.triggeredBy },
      };
      return [e];
    }
    case 'claim': {
      if (!state) throw conflict('follow-up-missing', 'There is no such follow-up.');
      if (state.status === 'claimed' && state.assignee === command.assignee) return [];
      if (state.status !== 'open') {
        const who = state.status === 'claimed' ? ` by ${state.assignee}` : '';
        throw conflict(`follow-up-${state.status}`, `Follow-up ${state.followUpId} is already ${state.status}${who}; it cannot be claimed.`);
      }
      const e: FollowUpClaimed = { type: 'FollowUpClaimed', occurredAt: command.on, data: { followUpId: state.followUpId, assignee: command.assignee } };
      return [e];
    }
    case 'reassign': {
      if (!state) throw conflict('follow-up-missing', 'There is no such follow-up.');
      if (state.status !== 'open' && state.status !== 'claimed') throw conflict(`follow-up-${state.status}`, `Follow-up ${state.followUpId} is ${state.status}; it cannot be reassigned.`);
      if (state.status === 'claimed' && state.assignee === command.assignee) return [];
      const e: FollowUpReassigned = {
        type: 'FollowUpReassigned',
        occurredAt: command.on,
        data: { followUpId: state.followUpId, assignee: command.assignee, previousAssignee: state.status === 'claimed' ? (state.assignee ?? null) : null, reassignedBy: command.by, countries: state.countries },
      };
      return [e];
    }
    case 'complete': {
      if (!state) throw conflict('follow-up-missing', 'There is no such follow-up.');
      if (state.status === 'completed' && state.outcome === command.outcome) return [];
      if (state.status === 'open') throw conflict('follow-up-unclaimed', `Follow-up ${state.followUpId} is not claimed yet; claim it before completing it.`);
      if (state.status !== 'claimed') throw conflict(`follow-up-${state.status}`, `Follow-up ${state.followUpId} is ${state.status}; it cannot be completed.`);
      if (state.assignee !== command.by) throw conflict('claimed-by-other', `Follow-up ${state.followUpId} is claimed by ${state.assignee}; only they can complete it.`);
      const e: FollowUpCompleted = { type: 'FollowUpCompleted', occurredAt: command.on, data: { followUpId: state.followUpId, outcome: command.outcome, completedBy: command.by, countries: state.countries } };
      return [e];
    }
  }
}

function widening(state: FollowUp, command: Extract<FollowUpCommand, { kind: 'widen' }>): FollowUpEvent[] {
  const { followUpId, campaignId, treaty, kind, queue, dueOn } = state;
  const countries = [...state.countries, command.iso3].sort();
  const e: FollowUpWidened = { type: 'FollowUpWidened', occurredAt: command.on, data: { followUpId, iso3: command.iso3, countries, triggeredBy: command.triggeredBy, campaignId, treaty, kind, queue, dueOn } };
  // The member's stay already ended: it leaves in the same decision, which a replay repeats whole or not at all.
  return command.until ? [e, ...narrowing({ ...state, countries }, command.iso3, command.until, command.triggeredBy)] : [e];
}

function retraction(task: Pick<FollowUp, 'followUpId' | 'countries'>, until: Until, triggeredBy: Trigger): FollowUpRetracted {
  return { type: 'FollowUpRetracted', occurredAt: until.on, data: { followUpId: task.followUpId, reason: until.reason, countries: task.countries, triggeredBy } };
}

/** A member leaves an active task; the last one leaving retracts it. */
function narrowing(state: FollowUp, iso3: Iso3, until: Until, triggeredBy: Trigger): FollowUpEvent[] {
  const countries = state.countries.filter((c) => c !== iso3);
  if (!countries.length) return [retraction(state, until, triggeredBy)];
  const e: FollowUpNarrowed = { type: 'FollowUpNarrowed', occurredAt: until.on, data: { followUpId: state.followUpId, iso3, countries, reason: until.reason, triggeredBy } };
  return [e];
}

export function evolveFollowUp(state: FollowUpState, event: FollowUpEvent): FollowUpState {
  switch (event.type) {
    case 'FollowUpScheduled':
      return { ...event.data, status: 'open', shapedUpTo: event.data.triggeredBy.position };
    // Membership changes by the country that joined or left, so that events read up to a past
    // day (some entered out of the order they happened) give the members of that day.
    case 'FollowUpWidened': {
      if (!state) return state;
      const { [event.data.iso3]: _, ...leftOn } = state.leftOn ?? {};
      return { ...state, countries: [...new Set([...state.countries, event.data.iso3])].sort(), leftOn, shapedUpTo: shaped(state, event.data.triggeredBy) };
    }
    case 'FollowUpNarrowed': {
      if (!state) return state;
      const leftOn = { ...state.leftOn, [event.data.iso3]: earlier(state.leftOn?.[event.data.iso3], event.occurredAt.slice(0, 10)) };
      return { ...state, countries: state.countries.filter((c) => c !== event.data.iso3), leftOn, shapedUpTo: shaped(state, event.data.triggeredBy) };
    }
    case 'FollowUpReinstated': {
      if (!state) return state;
      const { retractedOn: _, assignee: __, ...rest } = state;
      return { ...rest, status: 'open', countries: event.data.countries, shapedUpTo: shaped(state, event.data.triggeredBy) };
    }
    case 'FollowUpClaimed':
    case 'FollowUpReassigned':
      return state && { ...state, status: 'claimed', assignee: event.data.assignee };
    case 'FollowUpCompleted':
      return state && { ...state, status: 'completed', outcome: event.data.outcome };
    case 'FollowUpRetracted':
      return state && { ...state, status: 'retracted', retractedOn: earlier(state.status === 'retracted' ? state.retractedOn : undefined, event.occurredAt.slice(0, 10)), shapedUpTo: shaped(state, event.data.triggeredBy) };
    case 'FollowUpFellDue':
      return state && { ...state, overdue: true };
    case 'FollowUpEscalated':
      return state && { ...state, queue: event.data.to, shapedUpTo: shaped(state, event.data.triggeredBy) };
  }
}

/**
 * The task as it stood at the end of `day`: its events that happened by then, in the order
 * recorded; undefined before it opened. Open or claimed with its due day reached, it is overdue.
 *
 * A task retracted on the day it opened never stood in a queue at the end of a day: it is
 * undefined on every day. Such a task comes of facts entered out of order (a letter's chase
 * opened before the earlier answer was entered), not of anything that happened.
 */
export function followUpOn(events: readonly FollowUpEvent[], day: LocalDate): FollowUpState {
  const dayOf = (e: FollowUpEvent) => e.occurredAt.slice(0, 10);
  const opened = events.find((e) => e.type === 'FollowUpScheduled');
  const closed = events.filter((e) => e.type === 'FollowUpRetracted' || e.type === 'FollowUpCompleted' || e.type === 'FollowUpReinstated').at(-1);
  if (opened && closed?.type === 'FollowUpRetracted' && dayOf(closed) <= dayOf(opened)) return undefined;
  const state = events.filter((e) => dayOf(e) <= day).reduce<FollowUpState>(evolveFollowUp, undefined);
  return isActive(state) && state.dueOn <= day ? { ...state, overdue: true } : state;
}

export const followUpDecider = { decide: decideFollowUp, evolve: evolveFollowUp, initialState: (): FollowUpState => undefined };
