import type { Iso3, LocalDate, RecordedEvent } from '../../kernel/index.js';
import type { Projection, ProjectionView } from '../../projections/index.js';
import { followUpDecider, followUpOn, type FollowUp } from '../domain/follow-up.decider.js';
import { FOLLOW_UP_EVENT_TYPES, type FollowUpEvent } from '../domain/follow-up.events.js';

export const FOLLOW_UPS = 'follow-ups';

/** A follow-up as coordinators see it in their queues. */
export interface FollowUpView extends FollowUp {
  readonly id: string;
  readonly state: FollowUp['status'];
  readonly updatedAt: string;
  /** The day it opened: the day of what triggered it. */
  readonly openedOn: LocalDate;
  /** The day it was completed or retracted. */
  readonly closedOn?: LocalDate;
  readonly history: readonly { readonly type: string; readonly at: string; readonly on: LocalDate; readonly actor: string; readonly reason?: string }[];
  /** Its events in order, which tell what it was on any past day (see {@link followUpViewOn}). */
  readonly timeline: readonly FollowUpEvent[];
}

const dayOf = (e: { occurredAt: string }) => e.occurredAt.slice(0, 10);
const closing = (e: FollowUpEvent) => e.type === 'FollowUpCompleted' || e.type === 'FollowUpRetracted';
const earliest = (a: LocalDate | undefined, b: LocalDate) => (a !== undefined && a < b ? a : b);

/**
 * The follow-up queues: one document per task, folded with the task's own rules.
 * Layout 2 keeps each task's dated events, for the queues on a past day.
 */
export const followUpQueueProjection: Projection = {
  name: 'follow-up-queue',
  revision: 2,
  collections: [FOLLOW_UPS],
  handles: FOLLOW_UP_EVENT_TYPES,
  async apply(event: RecordedEvent, view: ProjectionView) {
    const e = event as RecordedEvent & FollowUpEvent;
    await view.update<FollowUpView>(FOLLOW_UPS, e.data.followUpId, (doc) => {
      const next = doc ? followUpDecider.evolve(taskOf(doc), e) : followUpDecider.evolve(undefined, e);
      if (!next) return doc ?? null;
      const { type, occurredAt, data } = e;
      const closed = next.status === 'completed' || next.status === 'retracted';
      return {
        ...next,
        id: next.followUpId,
        state: next.status,
        updatedAt: event.recordedAt,
        openedOn: doc?.openedOn ?? dayOf(e),
        ...(closed ? { closedOn: closing(e) ? earliest(doc?.closedOn, dayOf(e)) : (doc?.closedOn ?? dayOf(e)) } : {}),
        history: [...(doc?.history ?? []), { type, at: event.recordedAt, on: dayOf(e), actor: event.actor, ...('reason' in data ? { reason: data.reason } : {}) }],
        timeline: [...(doc?.timeline ?? []), { type, occurredAt, data } as FollowUpEvent],
      };
    });
  },
};

/** The task's own state in a view, without what the view adds. */
function taskOf(doc: FollowUpView): FollowUp {
  const { id: _id, state: _state, updatedAt: _at, openedOn: _opened, closedOn: _closed, history: _history, timeline: _timeline, ...task } = doc;
  return task;
}

/** A task as it stood at the end of `day`, or undefined if it had not opened yet. */
export function followUpViewOn(doc: FollowUpView, day: LocalDate): FollowUpView | undefined {
  const then = followUpOn(doc.timeline, day);
  const timeline = doc.timeline.filter((e) => dayOf(e) <= day);
  if (!then) return undefined;
  // A retraction dated again earlier (a fact entered later) counts from its earliest day since the task last reopened.
  const sinceReopened = timeline.slice(timeline.findLastIndex((e) => e.type === 'FollowUpReinstated') + 1);
  const closedOn = then.status === 'completed' || then.status === 'retracted' ? sinceReopened.filter(closing).map(dayOf).sort()[0] : undefined;
  const { id, updatedAt, openedOn, history } = doc;
  return { ...then, id, state: then.status, updatedAt, openedOn, history, timeline, ...(closedOn ? { closedOn } : {}) };
}

export const countriesOf = (e: FollowUpEvent): readonly Iso3[] => ('countries' in e.data ? e.data.countries : []);
