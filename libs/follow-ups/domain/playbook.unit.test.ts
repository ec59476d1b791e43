import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../platform/config/config.js';
import { parsePlaybook, PlaybookInvalid, ruleApplies } from './playbook.js';
import { decideFollowUp, evolveFollowUp, type FollowUpState } from './follow-up.decider.js';
import { DomainError } from '../../kernel/index.js';
import type { FollowUpEvent } from './follow-up.events.js';

const shipped = JSON.parse(readFileSync(join(projectRoot(), 'reference/playbooks/ccm.json'), 'utf8'));

function problemsOf(input: unknown): readonly string[] {
  try {
    parsePlaybook(input);
  } catch (error) {
    if (error instanceof PlaybookInvalid) return error.problems;
    throw error;
  }
  return [];
}

describe('playbook files', () => {
  it('accepts the shipped CCM playbook', () => {
    expect(parsePlaybook(shipped).rules.map((r) => r.kind)).toEqual([
      'chase-response', 'support-ratification', 'encourage-ratification', 'facilitate-signature', 'facilitate-accession', 'bilateral-approach', 'regional-initiative', 'high-level-engagement',
    ]);
  });

  it('reads the `gather` of earlier playbooks as `initiative`, and refuses both at once', () => {
    const rule = { kind: 'regional-initiative', queue: 'regional', when: { group: 'II', obstaclesInclude: 'regional-reciprocity' }, dueInDays: 90 };
    expect(parsePlaybook({ ...shipped, rules: [{ ...rule, gather: 'subregion' }] }).rules[0]).toEqual({ ...rule, initiative: 'subregion' });
    expect(problemsOf({ ...shipped, rules: [{ ...rule, gather: 'subregion', initiative: 'subregion' }] })).toEqual(['rules[0].gather is not a known setting']);
    expect(problemsOf({ ...shipped, rules: [{ ...rule, when: { ...rule.when, signatureOpen: 'yes' } }] })).toEqual(['rules[0].when.signatureOpen must be true or false']);
  });

  it('names every problem with its place in the file', () => {
    const broken = {
      ...shipped,
      colour: 'red',
      rules: [
        { kind: 'Chase', queue: 'postal', when: { noResponseWithinDays: 0 }, dueInDays: -1 },
        { kind: 'x', queue: 'bilateral', when: { group: 'IV', obstaclesInclude: 'weather' }, dueInDays: 1, gather: 'continent' },
      ],
    };
    expect(problemsOf(broken)).toEqual([
      'playbook.colour is not a known setting',
      'rules[0].kind must be a lower-case name like "chase-response"',
      'rules[0].queue must be one of bilateral, regional, high-level',
      'rules[0].dueInDays must be a whole number of days (0 to 3650)',
      'rules[0].when.noResponseWithinDays must be a whole number of days (1 to 3650)',
      'rules[1].gather can only be "subregion"',
      'rules[1].when.group must be one of I, II, III (or use noResponseWithinDays)',
      'rules[1].when.obstaclesInclude must be one of ccw-preference, awaiting-major-producers, regional-reciprocity, security-environment, domestic-politics, capacity, export-control-capacity, other',
    ]);
    expect(problemsOf([])).toEqual(['the playbook must be a JSON object']);
  });

  it('matches rules to assessments', () => {
    const playbook = parsePlaybook(shipped);
    const rule = (kind: string) => playbook.rules.find((r) => r.kind === kind)!;
    const onlyReciprocity = { group: 'II' as const, ratificationUnderWay: false, wishesToSign: false, obstacles: ['regional-reciprocity' as const], since: '2026-01-01' };
    expect(ruleApplies(rule('regional-initiative'), onlyReciprocity)).toBe(true);
    expect(ruleApplies(rule('bilateral-approach'), onlyReciprocity)).toBe(false);
    expect(ruleApplies(rule('bilateral-approach'), { ...onlyReciprocity, obstacles: ['capacity', 'regional-reciprocity'] })).toBe(true);
    expect(ruleApplies(rule('chase-response'), onlyReciprocity)).toBe(false);
    expect(ruleApplies(rule('high-level-engagement'), undefined)).toBe(false);
  });
});

describe('follow-up task decider', () => {
  const trigger = { eventId: 'e1', type: 'GroupAssigned', position: 1 };
  const task = { followUpId: 't1', campaignId: 'c1', treaty: 'CCM', kind: 'regional-initiative', queue: 'regional' as const, countries: ['KEN'], dueOn: '2026-05-01', occurrence: 1, triggeredBy: trigger };
  const run = (...commands: Parameters<typeof decideFollowUp>[0][]) =>
    commands.reduce<{ state: FollowUpState; last: FollowUpEvent[] }>(
      ({ state }, c) => {
        const last = decideFollowUp(c, state);
        return { state: last.reduce(evolveFollowUp, state), last };
      },
      { state: undefined, last: [] },
    );

  it('schedules once, grows and shrinks, and retracts when the last country leaves', () => {
    const schedule = { kind: 'schedule' as const, task, on: '2026-02-01' };
    expect(run(schedule, schedule).last).toEqual([]);
    const grown = run(schedule, { kind: 'widen', iso3: 'UGA', triggeredBy: { ...trigger, position: 2 }, on: '2026-02-01' });
    expect(grown.state?.countries).toEqual(['KEN', 'UGA']);
    const gone = run(schedule, { kind: 'narrow', iso3: 'KEN', reason: 'deposited', triggeredBy: { ...trigger, position: 2 }, on: '2026-02-01' });
    expect(gone.last.map((e) => e.type)).toEqual(['FollowUpRetracted']);
    // Reacting again to an event that already shaped the task changes nothing, even when
    // the task has moved on since (a replay of the log).
    const joined = { kind: 'widen' as const, iso3: 'UGA', triggeredBy: { eventId: 'e2', type: 'GroupAssigned', position: 2 }, on: '2026-02-01' };
    const left = { kind: 'narrow' as const, iso3: 'UGA', reason: 'r', triggeredBy: { eventId: 'e3', type: 'GroupAssigned', position: 3 }, on: '2026-02-02' };
    expect(run(schedule, joined, left, joined).last).toEqual([]);
    expect(run(schedule, joined, left, joined).state?.countries).toEqual(['KEN']);
  });

  it('reinstates a regional initiative retracted when its last member left, for a country that joined before that day', () => {
    const until = { on: '2023-08-03', reason: 'SSD deposited' };
    const formed = run({ kind: 'schedule', task, on: '2012-07-01', until });
    expect(formed.last.map((e) => `${e.type} ${e.occurredAt}`)).toEqual(['FollowUpScheduled 2012-07-01', 'FollowUpRetracted 2023-08-03']);
    const regional = { ...task, subregion: 'Eastern Africa' };
    const joined = { kind: 'widen' as const, iso3: 'ETH', triggeredBy: { ...trigger, position: 5 }, on: '2012-07-05' };
    const reinstated = run({ kind: 'schedule', task: regional, on: '2012-07-01', until }, joined);
    expect(reinstated.last.map((e) => `${e.type} ${e.occurredAt}`)).toEqual(['FollowUpReinstated 2023-08-03', 'FollowUpWidened 2012-07-05']);
    expect(reinstated.state).toMatchObject({ status: 'open', countries: ['ETH'] });
    expect(run({ kind: 'schedule', task: regional, on: '2012-07-01', until }, joined, joined).last).toEqual([]);
    // Joining after the retraction forms nothing here: the workflow forms a new initiative.
    expect(run({ kind: 'schedule', task: regional, on: '2012-07-01', until }, { ...joined, on: '2023-09-01' }).last).toEqual([]);
  });

  it('lets one coordinator claim and complete, and refuses the others', () => {
    const schedule = { kind: 'schedule' as const, task, on: '2026-02-01' };
    const claimed = run(schedule, { kind: 'claim', assignee: 'ana', on: '2026-02-01' });
    expect(claimed.state?.status).toBe('claimed');
    expect(() => run(schedule, { kind: 'claim', assignee: 'ana', on: 'x' }, { kind: 'claim', assignee: 'bo', on: 'x' })).toThrow(DomainError);
    expect(run(schedule, { kind: 'claim', assignee: 'ana', on: 'x' }, { kind: 'claim', assignee: 'ana', on: 'x' }).last).toEqual([]);
    expect(() => run(schedule, { kind: 'complete', outcome: 'done', by: 'ana', on: 'x' })).toThrow(/claim it before/);
    expect(() => run(schedule, { kind: 'claim', assignee: 'ana', on: 'x' }, { kind: 'complete', outcome: 'done', by: 'bo', on: 'x' })).toThrow(/claimed by ana/);
    const done = run(schedule, { kind: 'claim', assignee: 'ana', on: 'x' }, { kind: 'complete', outcome: 'done', by: 'ana', on: 'x' });
    expect(done.state).toMatchObject({ status: 'completed', outcome: 'done' });
    expect(run(schedule, { kind: 'claim', assignee: 'ana', on: 'x' }, { kind: 'complete', outcome: 'done', by: 'ana', on: 'x' }, { kind: 'retract', reason: 'r', triggeredBy: trigger, on: 'x' }).last).toEqual([]);
  });
});
