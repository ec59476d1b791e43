import { conflict, type Iso3 } from '../../kernel/index.js';
import type {
  FollowUpClaimed,
  FollowUpCompleted,
  FollowUpEvent,
  FollowUpFellDue,
  FollowUpNarrowed,
  FollowUpReassigned,
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
  /**
   * The log position of the latest event the playbook shaped this task in reaction to.
   * Reacting to an event at or before it changes nothing: that is a replay, and the task
   * already reflects it (or what came after it).
   */
  readonly shapedUpTo?: number;
}
export type FollowUpState = FollowUp | undefined;

export type FollowUpCommand =
  | { readonly kind: 'schedule'; readonly task: FollowUpScheduled['data']; /** The day the trigger happened. */ readonly on: string }
  | { readonly kind: 'widen'; readonly iso3: Iso3; readonly triggeredBy: Trigger; readonly on: string }
  | { readonly kind: 'narrow'; readonly iso3: Iso3; readonly reason: string; readonly triggeredBy: Trigger; readonly on: string }
  | { readonly kind: 'claim'; readonly assignee: string; readonly on: string }
  | { readonly kind: 'reassign'; readonly assignee: string; readonly by: string; readonly on: string }
  | { readonly kind: 'complete'; readonly outcome: string; readonly by: string; readonly on: string }
  | { readonly kind: 'retract'; readonly reason: string; readonly triggeredBy: Trigger; readonly on: string }
  | { readonly kind: 'fall-due'; readonly on: string };

const isActive = (s: FollowUpState): s is FollowUp => s?.status === 'open' || s?.status === 'claimed';
const isReplay = (s: FollowUp, trigger: Trigger) => trigger.position <= (s.shapedUpTo ?? 0);

/**
 * A follow-up task's life. Scheduling an existing task, widening with a member, retracting
 * a closed task: all no-ops, because the playbook may react to the same event again after a
 * crash or in a replay. Coordinators' claims, reassignments and completions are checked
 * strictly: only an open or claimed task can change hands.
 */
export function decideFollowUp(command: FollowUpCommand, state: FollowUpState): FollowUpEvent[] {
  switch (command.kind) {
    case 'schedule':
      return state ? [] : [{ type: 'FollowUpScheduled', occurredAt: command.on, data: command.task }];
    case 'widen': {
      if (!isActive(state) || state.countries.includes(command.iso3) || isReplay(state, command.triggeredBy)) return [];
      const countries = [...state.countries, command.iso3].sort();
      const e: FollowUpWidened = { type: 'FollowUpWidened', occurredAt: command.on, data: { followUpId: state.followUpId, iso3: command.iso3, countries, triggeredBy: command.triggeredBy } };
      return [e];
    }
    case 'narrow': {
      if (!isActive(state) || !state.countries.includes(command.iso3) || isReplay(state, command.triggeredBy)) return [];
      const countries = state.countries.filter((c) => c !== command.iso3);
      if (!countries.length) return decideFollowUp({ kind: 'retract', reason: command.reason, triggeredBy: command.triggeredBy, on: command.on }, state);
      const e: FollowUpNarrowed = { type: 'FollowUpNarrowed', occurredAt: command.on, data: { followUpId: state.followUpId, iso3: command.iso3, countries, reason: command.reason, triggeredBy: command.triggeredBy } };
      return [e];
    }
    case 'retract': {
      if (!isActive(state)) return [];
      const e: FollowUpRetracted = { type: 'FollowUpRetracted', occurredAt: command.on, data: { followUpId: state.followUpId, reason: command.reason, countries: state.countries, triggeredBy: command.triggeredBy } };
      return [e];
    }
    case 'fall-due': {
      if (!isActive(state) || state.overdue) return [];
      const e: FollowUpFellDue = { type: 'FollowUpFellDue', occurredAt: command.on, data: { followUpId: state.followUpId, dueOn: state.dueOn, countries: state.countries } };
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

export function evolveFollowUp(state: FollowUpState, event: FollowUpEvent): FollowUpState {
  switch (event.type) {
    case 'FollowUpScheduled':
      return { ...event.data, status: 'open', shapedUpTo: event.data.triggeredBy.position };
    case 'FollowUpWidened':
    case 'FollowUpNarrowed':
      return state && { ...state, countries: event.data.countries, shapedUpTo: Math.max(state.shapedUpTo ?? 0, event.data.triggeredBy.position) };
    case 'FollowUpClaimed':
    case 'FollowUpReassigned':
      return state && { ...state, status: 'claimed', assignee: event.data.assignee };
    case 'FollowUpCompleted':
      return state && { ...state, status: 'completed', outcome: event.data.outcome };
    case 'FollowUpRetracted':
      return state && { ...state, status: 'retracted' };
    case 'FollowUpFellDue':
      return state && { ...state, overdue: true };
  }
}

export const followUpDecider = { decide: decideFollowUp, evolve: evolveFollowUp, initialState: (): FollowUpState => undefined };
