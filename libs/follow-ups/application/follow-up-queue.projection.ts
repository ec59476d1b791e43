import type { Iso3, RecordedEvent } from '../../kernel/index.js';
import type { Projection, ProjectionView } from '../../projections/index.js';
import { followUpDecider, type FollowUp } from '../domain/follow-up.decider.js';
import type { FollowUpEvent } from '../domain/follow-up.events.js';

export const FOLLOW_UPS = 'follow-ups';

/** A follow-up as coordinators see it in their queues. */
export interface FollowUpView extends FollowUp {
  readonly id: string;
  readonly state: FollowUp['status'];
  readonly updatedAt: string;
  readonly history: readonly { readonly type: string; readonly at: string; readonly actor: string }[];
}

/** The follow-up queues: one document per task, folded with the task's own rules. */
export const followUpQueueProjection: Projection = {
  name: 'follow-up-queue',
  collections: [FOLLOW_UPS],
  handles: ['FollowUpScheduled', 'FollowUpWidened', 'FollowUpNarrowed', 'FollowUpClaimed', 'FollowUpReassigned', 'FollowUpCompleted', 'FollowUpRetracted', 'FollowUpFellDue'],
  async apply(event: RecordedEvent, view: ProjectionView) {
    const e = event as RecordedEvent & FollowUpEvent;
    await view.update<FollowUpView>(FOLLOW_UPS, e.data.followUpId, (doc) => {
      const next = followUpDecider.evolve(doc, e);
      if (!next) return doc ?? null;
      return {
        ...next,
        id: next.followUpId,
        state: next.status,
        updatedAt: event.recordedAt,
        history: [...(doc?.history ?? []), { type: event.type, at: event.recordedAt, actor: event.actor }],
      };
    });
  },
};

export const countriesOf = (e: FollowUpEvent): readonly Iso3[] => ('countries' in e.data ? e.data.countries : []);
