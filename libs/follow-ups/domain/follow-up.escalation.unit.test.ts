import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../platform/config/config.js';
import type { TreatyDefinition } from '../../treaty-status/domain/index.js';
import { decideFollowUp, evolveFollowUp, type FollowUpState } from './follow-up.decider.js';
import { parsePlaybook, PlaybookInvalid } from './playbook.js';
import { decideCase, emptyCase, emptyCountry, type CaseContext, type CaseInput } from './follow-up.workflow.js';

const CCM: TreatyDefinition = JSON.parse(readFileSync(join(projectRoot(), 'reference/treaties/ccm.json'), 'utf8'));
const playbook = parsePlaybook({
  id: 'escalating',
  treaty: 'CCM',
  rules: [{ kind: 'bilateral-approach', queue: 'bilateral', when: { group: 'II' }, dueInDays: 90, escalate: { afterDaysOverdue: 30, to: 'high-level' }, notify: 'coordinators' }],
});
const ctx: CaseContext = { playbook, treaty: CCM, country: { ...emptyCountry('ETH'), subregion: 'Eastern Africa', campaigns: ['c1'] }, case: emptyCase('c1', 'ETH'), initiatives: {} };
const trigger = (type: string, position: number) => ({ eventId: `e${position}`.padEnd(8, '0'), type, position });

describe('escalation, as the playbook says', () => {
  it('sets an escalation timer with the task, its afterDaysOverdue past the due date', () => {
    const input: CaseInput = { type: 'group-assigned', trigger: trigger('GroupAssigned', 1), on: '2025-10-01', assessment: { group: 'II', ratificationUnderWay: false, wishesToSign: false, obstacles: ['capacity'], since: '2025-10-01' } };
    const timers = decideCase(input, ctx).flatMap((c) => (c.type === 'set-timer' ? [`${c.payload.purpose} ${c.dueOn}`] : []));
    expect(timers).toEqual(['due 2025-12-30', 'escalate 2026-01-29']);
  });

  it('moves a task still open when its timer runs out, saying why; a closed or moved task stays', () => {
    const input: CaseInput = { type: 'escalation-timer', trigger: trigger('TimerElapsed', 2), on: '2026-01-29', followUpId: 't1', kind: 'bilateral-approach', dueOn: '2025-12-30' };
    const [command] = decideCase(input, ctx);
    expect(command).toMatchObject({ type: 'send', followUpId: 't1', command: { kind: 'escalate', to: 'high-level', notify: 'coordinators', on: '2026-01-29' } });
    const open = evolveFollowUp(undefined, { type: 'FollowUpScheduled', occurredAt: '2025-10-01', data: { followUpId: 't1', campaignId: 'c1', treaty: 'CCM', kind: 'bilateral-approach', queue: 'bilateral', countries: ['ETH'], dueOn: '2025-12-30', occurrence: 1, triggeredBy: trigger('GroupAssigned', 1) } });
    const send = command!.type === 'send' ? command!.command : undefined!;
    const [escalated] = decideFollowUp(send, open);
    expect(escalated).toMatchObject({ type: 'FollowUpEscalated', data: { from: 'bilateral', to: 'high-level', reason: expect.stringMatching(/still open 30 days after it fell due on 2025-12-30/) } });
    const moved = evolveFollowUp(open, escalated!);
    expect(moved?.queue).toBe('high-level');
    expect(decideFollowUp(send, moved)).toEqual([]);
    const completed: FollowUpState = open && { ...open, status: 'completed' };
    expect(decideFollowUp(send, completed)).toEqual([]);
  });

  it('refuses an escalation to the rule\'s own queue, or a notify without an escalation', () => {
    const rule = { kind: 'a', queue: 'bilateral', when: { group: 'III' }, dueInDays: 1 };
    expect(() => parsePlaybook({ id: 'x', treaty: 'CCM', rules: [{ ...rule, escalate: { afterDaysOverdue: 3, to: 'bilateral' } }] })).toThrow(/escalate\.to must be another queue/);
    expect(() => parsePlaybook({ id: 'x', treaty: 'CCM', rules: [{ ...rule, notify: 'coordinators' }] })).toThrow(PlaybookInvalid);
  });
});
