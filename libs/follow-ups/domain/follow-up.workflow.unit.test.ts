import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../platform/config/config.js';
import type { TreatyDefinition } from '../../treaty-status/domain/index.js';
import { decideFollowUp, evolveFollowUp, type FollowUpState } from './follow-up.decider.js';
import type { FollowUpEvent } from './follow-up.events.js';
import { parsePlaybook } from './playbook.js';
import { decideCase, EMPTY_INITIATIVE, emptyCase, emptyCountry, evolveCase, type CaseContext, type CaseInput, type CaseView, type WorkflowCommand } from './follow-up.workflow.js';

const read = (file: string) => JSON.parse(readFileSync(join(projectRoot(), file), 'utf8'));
const playbook = parsePlaybook(read('reference/playbooks/ccm.json'));
const CCM: TreatyDefinition = read('reference/treaties/ccm.json');

let position = 100;
const trigger = (type: string) => ({ eventId: `e${++position}`.padEnd(8, '0'), type, position });

/**
 * given a case (what the workflow remembers and the country's acts), when an input comes:
 * the commands it decides, and the case afterwards with the tasks those commands made.
 */
function given(setup: { standing?: CaseView['country']['standings'][string]; responded?: string[]; subregion?: string } = {}) {
  let view: CaseView = {
    country: { ...emptyCountry('ETH'), subregion: setup.subregion ?? 'Eastern Africa', campaigns: ['c1'], standings: setup.standing ? { CCM: setup.standing } : {} },
    case: { ...emptyCase('c1', 'ETH'), respondedOn: setup.responded ?? [] },
    initiatives: { 'regional-initiative': EMPTY_INITIATIVE },
  };
  const tasks = new Map<string, FollowUpState>();
  const when = (input: CaseInput): WorkflowCommand[] => {
    const ctx: CaseContext = { ...view, playbook, treaty: CCM };
    const commands = decideCase(input, ctx);
    view = evolveCase(view, input);
    for (const c of commands) {
      if (c.type !== 'send') continue;
      const events = decideFollowUp(c.command, tasks.get(c.followUpId));
      tasks.set(c.followUpId, events.reduce(evolveFollowUp, tasks.get(c.followUpId)));
      view = events.reduce<CaseView>((v, e) => evolveCase(v, e as FollowUpEvent), view);
      produced.push(...(events as FollowUpEvent[]));
    }
    return commands;
  };
  const produced: FollowUpEvent[] = [];
  return { when, view: () => view, tasks, produced };
}

const response = (since: string, assessment: Partial<Extract<CaseInput, { type: 'group-assigned' }>['assessment']> & { group: 'I' | 'II' | 'III' }): CaseInput => ({
  type: 'group-assigned',
  trigger: trigger('GroupAssigned'),
  on: since,
  assessment: { ratificationUnderWay: false, wishesToSign: false, obstacles: [], since, ...assessment },
});
/** The case's tasks still open, by id. */
const openTasks = (v: CaseView) => Object.fromEntries(Object.entries(v.case.tasks).filter(([, t]) => !t.closedOn));
const sends = (commands: WorkflowCommand[]) => commands.flatMap((c) => (c.type === 'send' ? [`${c.command.kind} ${c.followUpId.split('.')[0]} on ${c.command.on}${'until' in c.command && c.command.until ? ` until ${c.command.until.on}` : ''}`] : []));
const timers = (commands: WorkflowCommand[]) => commands.flatMap((c) => (c.type === 'set-timer' ? [`set ${c.timerId.split('.')[0]} ${c.dueOn}`] : c.type === 'cancel-timer' ? [`cancel ${c.timerId.split('.')[0]}`] : []));

describe('the follow-up workflow, decided on the day of its trigger', () => {
  it('opens a task for a 2012 response, due from that day, with its due timer', () => {
    const commands = given().when(response('2012-07-02', { group: 'III', obstacles: ['security-environment'] }));
    expect(sends(commands)).toEqual(['schedule high-level-engagement on 2012-07-02']);
    expect(timers(commands)).toEqual(['set high-level-engagement 2012-08-01']);
  });

  it('closes at once, on the deposit day, a task whose country joined later: the deposit was recorded before the response', () => {
    const g = given({ standing: { signedOn: '2008-12-03', depositedOn: '2015-03-16', depositType: 'ratification' } });
    const commands = g.when(response('2012-06-20', { group: 'I', ratificationUnderWay: true }));
    expect(sends(commands)).toEqual(['schedule support-ratification on 2012-06-20 until 2015-03-16']);
    expect(timers(commands)).toEqual([]);
    expect(g.produced.map((e) => `${e.type} ${e.occurredAt}`)).toEqual(['FollowUpScheduled 2012-06-20', 'FollowUpRetracted 2015-03-16']);
    expect(g.produced[1]).toMatchObject({ data: { reason: 'ETH deposited its instrument of ratification on 2015-03-16' } });
    expect(openTasks(g.view())).toEqual({});
  });

  it('opens nothing for a country that was already a party on the response day', () => {
    expect(given({ standing: { depositedOn: '2011-01-01', depositType: 'accession' } }).when(response('2012-06-20', { group: 'I', ratificationUnderWay: true }))).toEqual([]);
  });

  it('encourages every Group I state with neither sub-case, and repeats only after the previous approach is done', () => {
    const g = given();
    expect(sends(g.when(response('2012-07-01', { group: 'I' })))).toEqual(['schedule encourage-ratification on 2012-07-01']);
    const [first] = Object.keys(openTasks(g.view()));
    const done = g.when({ type: 'task-completed', trigger: trigger('FollowUpCompleted'), on: '2026-12-07', followUpId: first!, kind: 'encourage-ratification', occurrence: 1 });
    expect(sends(done)).toEqual(['schedule encourage-ratification on 2026-12-07']);
    expect(timers(done)).toEqual(['cancel encourage-ratification', 'set encourage-ratification 2027-03-07']);
    const [second] = Object.keys(openTasks(g.view()));
    expect(second).toBe(`${first}~2`);
    // Completing an earlier occurrence again (a replay) brings no third one.
    expect(sends(g.when({ type: 'task-completed', trigger: trigger('FollowUpCompleted'), on: '2026-12-08', followUpId: first!, kind: 'encourage-ratification', occurrence: 1 }))).toEqual([]);
  });

  it('turns a wish to sign into an accession task once signature has closed, and an accession retracts it', () => {
    const open = given().when(response('2010-07-31', { group: 'I', wishesToSign: true }));
    expect(sends(open)).toEqual(['schedule facilitate-signature on 2010-07-31']);
    const g = given();
    expect(sends(g.when(response('2012-08-15', { group: 'I', wishesToSign: true })))).toEqual(['schedule facilitate-accession on 2012-08-15']);
    const accession = g.when({ type: 'treaty-act', trigger: trigger('StatusChanged'), on: '2016-04-06', act: { action: 'accession', on: '2016-04-06' } });
    expect(sends(accession)).toEqual(['retract facilitate-accession on 2016-04-06']);
  });

  it('retracts a signature task on the day the state signs, and never opens one for a signatory', () => {
    const open = { ...CCM, signatureClosesOn: undefined };
    const ctx = (v: CaseView): CaseContext => ({ ...v, playbook, treaty: open });
    const base: CaseView = { country: { ...emptyCountry('ETH'), campaigns: ['c1'], standings: { CCM: { signedOn: '2013-01-10' } } }, case: emptyCase('c1', 'ETH'), initiatives: {} };
    const later = decideCase(response('2012-01-05', { group: 'I', wishesToSign: true }), ctx(base));
    expect(sends(later)).toEqual(['schedule facilitate-signature on 2012-01-05 until 2013-01-10']);
    expect(decideCase(response('2013-02-01', { group: 'I', wishesToSign: true }), ctx(base))).toEqual([]);
  });

  it('chases an unanswered letter on the timer\'s day, and closes the chase on the day the answer came', () => {
    const g = given({ responded: ['2012-07-30'] });
    const fired = g.when({ type: 'no-response-timer', trigger: trigger('TimerElapsed'), on: '2012-07-15', kind: 'chase-response', letterEventId: 'letter01' });
    expect(sends(fired)).toEqual(['schedule chase-response on 2012-07-15 until 2012-07-30']);
    const answeredInTime = given({ responded: ['2012-07-10'] }).when({ type: 'no-response-timer', trigger: trigger('TimerElapsed'), on: '2012-07-15', kind: 'chase-response', letterEventId: 'letter01' });
    expect(answeredInTime).toEqual([]);
  });

  it('closes a chase opened before an earlier-dated answer was entered on the chase\'s own day', () => {
    const g = given();
    g.when({ type: 'no-response-timer', trigger: trigger('TimerElapsed'), on: '2012-07-15', kind: 'chase-response', letterEventId: 'letter01' });
    const answered = g.when({ type: 'response-received', trigger: trigger('ResponseReceived'), on: '2012-07-01' });
    expect(sends(answered)).toEqual(['retract chase-response on 2012-07-15']);
  });

  it('widens a regional initiative with a member that joins the treaty later, and lets it leave on its deposit day', () => {
    const first = given();
    first.when(response('2012-07-05', { group: 'II', obstacles: ['regional-reciprocity'] }));
    const initiative = first.view().initiatives['regional-initiative']!;
    expect(initiative).toMatchObject({ members: ['ETH'], formed: 1, open: { openedOn: '2012-07-05' } });
    // SSD joins ETH's initiative, from a response dated before it formed, and deposited in 2023.
    const ssd: CaseContext = {
      playbook,
      treaty: CCM,
      country: { ...emptyCountry('SSD'), subregion: 'Eastern Africa', campaigns: ['c1'], standings: { CCM: { depositedOn: '2023-08-03', depositType: 'accession' } } },
      case: emptyCase('c1', 'SSD'),
      initiatives: { 'regional-initiative': initiative },
    };
    const commands = decideCase(response('2012-07-01', { group: 'II', obstacles: ['regional-reciprocity'] }), ssd);
    expect(sends(commands)).toEqual(['widen regional-initiative on 2012-07-05 until 2023-08-03']);
    const task = first.tasks.get(initiative.open!.id);
    const send = commands[0] as Extract<WorkflowCommand, { type: 'send' }>;
    const events = decideFollowUp(send.command, task);
    expect(events.map((e) => `${e.type} ${e.occurredAt} ${'countries' in e.data ? e.data.countries.join('+') : ''}`)).toEqual([
      'FollowUpWidened 2012-07-05 ETH+SSD',
      'FollowUpNarrowed 2023-08-03 ETH',
    ]);
  });

  it('retracts every open task of the case and leaves its initiative when the country deposits', () => {
    const g = given();
    g.when(response('2026-02-01', { group: 'II', obstacles: ['regional-reciprocity', 'capacity'] }));
    const deposit = g.when({ type: 'treaty-act', trigger: trigger('StatusChanged'), on: '2026-03-02', act: { action: 'accession', on: '2026-03-02' } });
    expect(sends(deposit).sort()).toEqual(['narrow regional-initiative on 2026-03-02', 'retract bilateral-approach on 2026-03-02']);
    expect(openTasks(g.view())).toEqual({});
    expect(g.view().initiatives['regional-initiative']).toEqual({
      members: [],
      formed: 1,
      last: { id: 'regional-initiative.c1.eastern-africa.1', kind: 'regional-initiative', openedOn: '2026-02-01', dueOn: '2026-05-02', retractedOn: '2026-03-02' },
      left: { ETH: { id: 'regional-initiative.c1.eastern-africa.1', on: '2026-03-02' } },
    });
  });

  it('closes earlier a task already closed by a later deposit, when an earlier answer is entered after it', () => {
    const g = given({ standing: { signedOn: '2008-12-03', depositedOn: '2012-10-08', depositType: 'ratification' } });
    const chased = g.when({ type: 'no-response-timer', trigger: trigger('TimerElapsed'), on: '2012-07-06', kind: 'chase-response', letterEventId: 'letter01' });
    expect(sends(chased)).toEqual(['schedule chase-response on 2012-07-06 until 2012-10-08']);
    const answered = g.when({ type: 'response-received', trigger: trigger('ResponseReceived'), on: '2012-07-05' });
    expect(sends(answered)).toEqual(['retract chase-response on 2012-07-06']);
    expect(g.produced.map((e) => `${e.type} ${e.occurredAt}`)).toEqual(['FollowUpScheduled 2012-07-06', 'FollowUpRetracted 2012-10-08', 'FollowUpRetracted 2012-07-06']);
    // Entered again, nothing changes: the task closes on that day already.
    expect(sends(g.when({ type: 'response-received', trigger: trigger('ResponseReceived'), on: '2012-07-05' }))).toEqual([]);
  });

  it('moves a member\'s leaving of an initiative earlier when it is re-assessed before the deposit that took it out', () => {
    const g = given({ standing: { depositedOn: '2023-08-03', depositType: 'accession' } });
    g.when(response('2012-07-01', { group: 'II', obstacles: ['regional-reciprocity'] }));
    expect(g.produced.map((e) => `${e.type} ${e.occurredAt}`)).toEqual(['FollowUpScheduled 2012-07-01', 'FollowUpRetracted 2023-08-03']);
    expect(sends(g.when(response('2013-01-10', { group: 'III' })))).toEqual(['narrow regional-initiative on 2013-01-10', 'schedule high-level-engagement on 2013-01-10 until 2023-08-03']);
    expect(g.produced.slice(2).map((e) => `${e.type} ${e.occurredAt}`)).toContain('FollowUpRetracted 2013-01-10');
  });

  it('moves the tasks when a country is re-assessed, never closing one before it opened', () => {
    const g = given();
    g.when(response('2026-02-01', { group: 'III' }));
    const moved = g.when(response('2026-04-01', { group: 'I', ratificationUnderWay: true }));
    expect(sends(moved)).toEqual(['schedule support-ratification on 2026-04-01', 'retract high-level-engagement on 2026-04-01']);
  });

  it('sets a no-response timer per letter and rule, named after the letter', () => {
    const commands = given().when({ type: 'letter-delivered', trigger: trigger('LetterDelivered'), on: '2012-06-15', letterVersion: 1 });
    expect(commands).toEqual([
      expect.objectContaining({ type: 'set-timer', timerId: 'chase-response.c1.ETH.1', dueOn: '2012-07-15', payload: expect.objectContaining({ purpose: 'no-response', deliveredOn: '2012-06-15' }) }),
    ]);
  });
});
