import { DomainError } from '../../kernel/index.js';
import { refusal } from '../../../tests/support/refusal.js';
import { decideFollowUp, evolveFollowUp, type FollowUpCommand, type FollowUpState } from './follow-up.decider.js';
import type { FollowUpEvent } from './follow-up.events.js';

const scheduled: FollowUpEvent = {
  type: 'FollowUpScheduled',
  occurredAt: '2026-03-01',
  data: {
    followUpId: 'ccm-2026.bilateral-approach.ETH.1', campaignId: 'ccm-2026', treaty: 'CCM', kind: 'bilateral-approach', queue: 'bilateral',
    countries: ['ETH'], dueOn: '2026-05-30', occurrence: 1, triggeredBy: { eventId: 'e1', type: 'GroupAssigned', position: 7 },
  },
};

/** given these events, when this command: the events it decides. */
function given(...history: FollowUpEvent[]) {
  const state = history.reduce<FollowUpState>(evolveFollowUp, undefined);
  return { when: (command: FollowUpCommand) => decideFollowUp(command, state), state };
}

const claimed: FollowUpEvent = { type: 'FollowUpClaimed', occurredAt: '2026-03-02', data: { followUpId: scheduled.data.followUpId as string, assignee: 'alice' } };
const reassign = (assignee: string): FollowUpCommand => ({ kind: 'reassign', assignee, by: 'carol', on: '2026-03-03' });

describe('reassigning a follow-up', () => {
  it('hands a claimed task to someone else, naming who had it', () => {
    expect(given(scheduled, claimed).when(reassign('bob'))).toEqual([
      { type: 'FollowUpReassigned', occurredAt: '2026-03-03', data: { followUpId: 'ccm-2026.bilateral-approach.ETH.1', assignee: 'bob', previousAssignee: 'alice', reassignedBy: 'carol', countries: ['ETH'] } },
    ]);
  });

  it('gives an open task to someone: it is then claimed by them, and only they may complete it', () => {
    const [event] = given(scheduled).when(reassign('bob'));
    expect(event).toMatchObject({ type: 'FollowUpReassigned', data: { assignee: 'bob', previousAssignee: null } });
    const after = given(scheduled, event!);
    expect(after.state).toMatchObject({ status: 'claimed', assignee: 'bob' });
    expect(refusal(() => after.when({ kind: 'complete', outcome: 'done', by: 'alice', on: '2026-03-04' })).code).toBe('claimed-by-other');
    expect(after.when({ kind: 'complete', outcome: 'done', by: 'bob', on: '2026-03-04' })).toHaveLength(1);
  });

  it('changes nothing when the task already belongs to the assignee', () => {
    expect(given(scheduled, claimed).when(reassign('alice'))).toEqual([]);
  });

  it('refuses a completed or retracted task, and a task that does not exist', () => {
    const completed: FollowUpEvent = { type: 'FollowUpCompleted', occurredAt: '2026-03-04', data: { followUpId: 'ccm-2026.bilateral-approach.ETH.1', outcome: 'met', completedBy: 'alice', countries: ['ETH'] } };
    const retracted: FollowUpEvent = { type: 'FollowUpRetracted', occurredAt: '2026-03-04', data: { followUpId: 'ccm-2026.bilateral-approach.ETH.1', reason: 'deposited', countries: ['ETH'], triggeredBy: { eventId: 'e9', type: 'StatusChanged', position: 9 } } };
    expect(refusal(() => given(scheduled, claimed, completed).when(reassign('bob'))).code).toBe('follow-up-completed');
    expect(refusal(() => given(scheduled, retracted).when(reassign('bob'))).code).toBe('follow-up-retracted');
    const missing = refusal(() => given().when(reassign('bob')));
    expect(missing).toBeInstanceOf(DomainError);
    expect(missing.code).toBe('follow-up-missing');
  });
});
