import type { RecordedEvent } from '../../kernel/index.js';
import type { FollowUpEscalated, FollowUpReassigned } from '../../follow-ups/index.js';
import type { BatchEffect, Projection } from '../../projections/index.js';
import type { MailOutbox, OutboxEntry } from './notification.ports.js';

export const ASSIGNMENT_MAILS = 'assignment-mails';

/** The token a task's assignee names: `token:<id>` (as a claim or the API records it) or the bare id. */
export const assigneeTokenId = (assignee: string) => (assignee.startsWith('token:') ? assignee.slice('token:'.length) : assignee);

/** The tokens of a campaign's coordinators (not revoked), who are told of its escalations. */
export type CoordinatorsOf = (campaignId: string) => Promise<readonly string[]>;

/**
 * Follows the log and puts a mail in the outbox for each handing-over of a task, and for each
 * escalation whose rule says `notify: "coordinators"`, one per coordinator of the campaign.
 * The key names the task and the event, so a replayed batch writes nothing twice, and each
 * assignment gets its own mail. Whether the person wants it is decided when it is sent.
 */
export class AssignmentMails implements Projection {
  readonly name = ASSIGNMENT_MAILS;
  readonly collections: readonly string[] = [];
  readonly handles = ['FollowUpReassigned', 'FollowUpEscalated'];

  constructor(
    private readonly outbox: MailOutbox,
    private readonly coordinatorsOf: CoordinatorsOf,
  ) {}

  async apply(event: RecordedEvent, view: Parameters<Projection['apply']>[1]): Promise<void> {
    const pending = view.batchEffect('assignment-mails', () => new PendingMails(this.outbox));
    if (event.type === 'FollowUpEscalated') {
      const e = event as RecordedEvent & FollowUpEscalated;
      if (e.data.notify !== 'coordinators') return;
      for (const tokenId of await this.coordinatorsOf(e.data.campaignId)) {
        pending.add({
          key: `escalation:${e.data.followUpId}:${e.id}:${tokenId}`,
          kind: 'escalation',
          personId: tokenId,
          payload: { followUpId: e.data.followUpId, from: e.data.from, to: e.data.to, reason: e.data.reason },
          state: 'pending',
          attempts: 0,
          nextAttemptAt: '',
          createdAt: e.recordedAt,
        });
      }
      return;
    }
    const e = event as RecordedEvent & FollowUpReassigned;
    pending.add({
      key: `assignment:${e.data.followUpId}:${e.id}`,
      kind: 'assignment',
      personId: assigneeTokenId(e.data.assignee),
      payload: { followUpId: e.data.followUpId, by: e.data.reassignedBy },
      state: 'pending',
      attempts: 0,
      nextAttemptAt: '',
      createdAt: e.recordedAt,
    });
  }
}

/** The batch's mails, written together before its checkpoint moves. */
class PendingMails implements BatchEffect {
  private readonly entries: OutboxEntry[] = [];
  constructor(private readonly outbox: MailOutbox) {}
  add(entry: OutboxEntry): void {
    this.entries.push(entry);
  }
  async flush(): Promise<void> {
    if (this.entries.length) await this.outbox.enqueue(this.entries.splice(0));
  }
}
