import type { RecordedEvent } from '../../kernel/index.js';
import type { FollowUpReassigned } from '../../follow-ups/index.js';
import type { BatchEffect, Projection } from '../../projections/index.js';
import type { MailOutbox, OutboxEntry } from './notification.ports.js';

export const ASSIGNMENT_MAILS = 'assignment-mails';

/** The token a task's assignee names: `token:<id>` (as a claim or the API records it) or the bare id. */
export const assigneeTokenId = (assignee: string) => (assignee.startsWith('token:') ? assignee.slice('token:'.length) : assignee);

/**
 * Follows the log and puts a mail in the outbox for each handing-over of a task. The key
 * names the task and the event, so a replayed batch writes nothing twice, and each
 * assignment gets its own mail. Whether the person wants it is decided when it is sent.
 */
export class AssignmentMails implements Projection {
  readonly name = ASSIGNMENT_MAILS;
  readonly collections: readonly string[] = [];
  readonly handles = ['FollowUpReassigned'];

  constructor(private readonly outbox: MailOutbox) {}

  async apply(event: RecordedEvent, view: Parameters<Projection['apply']>[1]): Promise<void> {
    const e = event as RecordedEvent & FollowUpReassigned;
    const pending = view.batchEffect('assignment-mails', () => new PendingMails(this.outbox));
    pending.add({
      key: `assignment:${e.data.followUpId}:${e.id}`,
      kind: 'assignment',
      personId: assigneeTokenId(e.data.assignee),
      payload: { followUpId: e.data.followUpId, by: e.data.reassignedBy },
      state: 'pending',
      attempts: 0,
      nextAttemptAt: e.recordedAt,
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
