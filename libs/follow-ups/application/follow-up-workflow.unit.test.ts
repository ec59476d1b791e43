import { CCM, CCM_PLAYBOOK, Scenario } from '../../../tests/support/scenario.js';
import { followUpDecider } from '../domain/follow-up.decider.js';
import type { LocalDate } from '../../kernel/index.js';
import { dueTimerId, type TimerPayload } from '../domain/follow-up.events.js';
import { InMemoryTimers } from '../infrastructure/in-memory-timers.js';
import type { TimerSpec } from './timer.port.js';
import { followUpViewOn, type FollowUpView } from './follow-up-queue.projection.js';

/** In-memory timers that note every call the playbook makes, and can fail the next `setMany`. */
class WatchedTimers extends InMemoryTimers {
  readonly calls: string[] = [];
  failNextSetMany = false;
  override async set(timerId: string, dueOn: LocalDate, payload: TimerPayload): Promise<void> {
    this.calls.push(`set ${timerId}`);
    return super.set(timerId, dueOn, payload);
  }
  override async setMany(timers: readonly TimerSpec[]): Promise<void> {
    if (this.failNextSetMany) {
      this.failNextSetMany = false;
      throw new Error('Redis went away');
    }
    this.calls.push(`setMany ${timers.map((t) => t.timerId).join(' ')}`);
    // Not through this.set, which would note each timer as a `set` of its own.
    for (const t of timers) await InMemoryTimers.prototype.set.call(this, t.timerId, t.dueOn, t.payload);
  }
  override async cancel(timerId: string): Promise<void> {
    this.calls.push(`cancel ${timerId}`);
    return super.cancel(timerId);
  }
}

async function eastAfrica(scenario = new Scenario()): Promise<Scenario> {
  const s = scenario;
  for (const iso3 of ['KEN', 'UGA', 'ETH', 'TZA', 'ERI']) await s.country(iso3, 'Eastern Africa');
  await s.country('NOR', 'Northern Europe', 'Europe');
  await s.country('GHA', 'Western Africa');
  await s.country('NGA', 'Western Africa');
  await s.launch(['KEN', 'UGA', 'ETH', 'TZA', 'ERI', 'GHA', 'NGA']);
  return s.on('2026-01-15');
}

const summary = (items: { kind: string; state: string; countries: readonly string[]; dueOn: string }[]) =>
  items.map((f) => `${f.kind} ${f.state} ${f.countries.join('+')} due ${f.dueOn}`).sort();

describe('the follow-up workflow on an engine', () => {
  it('chases a letter left unanswered for 30 days, and only then', async () => {
    const s = await eastAfrica();
    await s.letter('KEN', '2026-01-20');
    await s.on('2026-02-18');
    expect(await s.followUps()).toEqual([]);
    await s.on('2026-02-19');
    expect(summary(await s.followUps())).toEqual(['chase-response open KEN due 2026-02-19']);
  });

  it('does not chase a letter that got its response in time, and retracts a chase once answered', async () => {
    const s = await eastAfrica();
    await s.letter('KEN', '2026-01-20');
    await s.letter('UGA', '2026-01-20');
    await s.response('KEN', '2026-02-01', { group: 'III' });
    await s.on('2026-03-01');
    expect((await s.followUps({ kind: 'chase-response' })).map((f) => f.countries[0])).toEqual(['UGA']);
    await s.response('UGA', '2026-03-02', { group: 'I', wishesToSign: true });
    await s.on('2026-03-02');
    expect(summary(await s.followUps({ kind: 'chase-response' }))).toEqual(['chase-response retracted UGA due 2026-02-19']);
  });

  it('creates one follow-up per rule for each group', async () => {
    const s = await eastAfrica();
    await s.response('TZA', '2026-02-01', { group: 'I', ratificationUnderWay: true });
    await s.response('UGA', '2026-02-01', { group: 'I', wishesToSign: true });
    await s.response('KEN', '2026-02-01', { group: 'II', obstacles: ['ccw-preference'] });
    await s.response('ERI', '2026-02-01', { group: 'III', obstacles: ['security-environment'] });
    await s.on('2026-02-02');
    expect(summary(await s.followUps())).toEqual([
      'bilateral-approach open KEN due 2026-05-02',
      'facilitate-accession open UGA due 2026-03-03',
      'high-level-engagement open ERI due 2026-03-03',
      'support-ratification open TZA due 2026-05-02',
    ]);
    const queues = Object.fromEntries((await s.followUps()).map((f) => [f.kind, f.queue]));
    expect(queues).toEqual({ 'bilateral-approach': 'bilateral', 'facilitate-accession': 'bilateral', 'high-level-engagement': 'high-level', 'support-ratification': 'bilateral' });
  });

  it('gathers every country of a sub-region citing reciprocity into ONE regional initiative', async () => {
    const s = await eastAfrica();
    await s.response('KEN', '2026-02-01', { group: 'II', obstacles: ['regional-reciprocity'] });
    await s.response('UGA', '2026-02-03', { group: 'II', obstacles: ['regional-reciprocity'] });
    await s.on('2026-02-04');
    expect(summary(await s.followUps({ kind: 'regional-initiative' }))).toEqual(['regional-initiative open KEN+UGA due 2026-05-02']);
    await s.response('ETH', '2026-02-05', { group: 'II', obstacles: ['capacity', 'regional-reciprocity'] });
    await s.response('GHA', '2026-02-05', { group: 'II', obstacles: ['regional-reciprocity'] });
    await s.on('2026-02-06');
    expect(summary(await s.followUps({ kind: 'regional-initiative' }))).toEqual([
      'regional-initiative open ETH+KEN+UGA due 2026-05-02',
      'regional-initiative open GHA due 2026-05-06',
    ]);
    // ETH cited capacity as well, so it also gets a bilateral approach.
    expect(summary(await s.followUps({ kind: 'bilateral-approach' }))).toEqual(['bilateral-approach open ETH due 2026-05-06']);
  });

  it('retracts a country\'s follow-ups when it deposits, and takes it out of its initiative', async () => {
    const s = await eastAfrica();
    await s.letter('ERI', '2026-01-20');
    await s.response('KEN', '2026-02-01', { group: 'II', obstacles: ['regional-reciprocity'] });
    await s.response('UGA', '2026-02-01', { group: 'II', obstacles: ['regional-reciprocity', 'capacity'] });
    await s.on('2026-03-01');
    expect(summary(await s.followUps({ state: 'open' }))).toHaveLength(3);
    await s.treatyAction('UGA', 'accession', '2026-03-02');
    await s.treatyAction('ERI', 'accession', '2026-03-02');
    await s.on('2026-03-03');
    expect(summary(await s.followUps())).toEqual([
      'bilateral-approach retracted UGA due 2026-05-02',
      'chase-response retracted ERI due 2026-02-19',
      'regional-initiative open KEN due 2026-05-02',
    ]);
  });

  it('retracts facilitate-signature when the state signs', async () => {
    // CCM signature closed in 2010: a treaty still open for signature shows the rule.
    const s = await eastAfrica(new Scenario(CCM_PLAYBOOK, { ...CCM, signatureClosesOn: undefined }));
    await s.response('UGA', '2026-02-01', { group: 'I', wishesToSign: true });
    await s.response('TZA', '2026-02-01', { group: 'I', ratificationUnderWay: true });
    await s.on('2026-02-02');
    expect(summary(await s.followUps({ state: 'open' }))).toHaveLength(2);
    await s.treatyAction('UGA', 'signature', '2026-02-10');
    await s.treatyAction('TZA', 'signature', '2026-02-10');
    await s.on('2026-02-11');
    expect(summary(await s.followUps())).toEqual([
      'facilitate-signature retracted UGA due 2026-03-03',
      'support-ratification open TZA due 2026-05-02',
    ]);
  });

  it('moves follow-ups when a country is re-assessed', async () => {
    const s = await eastAfrica();
    await s.response('KEN', '2026-02-01', { group: 'III' });
    await s.on('2026-02-02');
    await s.response('KEN', '2026-04-01', { group: 'I', ratificationUnderWay: true });
    await s.on('2026-04-02');
    expect(summary(await s.followUps())).toEqual([
      'high-level-engagement retracted KEN due 2026-03-03',
      'support-ratification open KEN due 2026-06-30',
    ]);
  });

  it('ignores an older response that arrives late', async () => {
    const s = await eastAfrica();
    await s.response('KEN', '2026-03-01', { group: 'I', ratificationUnderWay: true });
    await s.response('KEN', '2026-02-01', { group: 'III' });
    await s.on('2026-03-02');
    expect(summary(await s.followUps())).toEqual(['support-ratification open KEN due 2026-05-30']);
  });

  it('keeps one occurrence of a repeating task open: overdue until done, the next one due 180 days after', async () => {
    const s = await eastAfrica();
    await s.response('ERI', '2026-02-01', { group: 'III' });
    await s.on('2027-06-01');
    const [first] = await s.followUps();
    expect(summary(await s.followUps())).toEqual(['high-level-engagement open ERI due 2026-03-03']);
    expect(first!.overdue).toBe(true);
    const ana = { actor: 'ana', correlationId: 'x', causationId: 'x' };
    await s.engine.runner.run(`follow-up-${first!.id}`, followUpDecider, { kind: 'claim', assignee: 'ana', on: '2027-06-01' }, ana);
    await s.engine.runner.run(`follow-up-${first!.id}`, followUpDecider, { kind: 'complete', outcome: 'Met the minister.', by: 'ana', on: '2027-06-01' }, ana);
    await s.on('2027-06-02');
    expect(summary(await s.followUps())).toEqual(['high-level-engagement completed ERI due 2026-03-03', 'high-level-engagement open ERI due 2027-11-28']);
    const next = (await s.followUps({ state: 'open' }))[0]!;
    expect(next).toMatchObject({ id: `${first!.id}~2`, occurrence: 2, openedOn: '2027-06-01' });
    await s.treatyAction('ERI', 'accession', '2027-09-01');
    await s.on('2027-09-02');
    expect(summary(await s.followUps({ state: 'open' }))).toEqual([]);
  });

  it('stops repeating once the country moves out of the group', async () => {
    const s = await eastAfrica();
    await s.response('ERI', '2026-02-01', { group: 'III' });
    await s.on('2026-02-02');
    await s.response('ERI', '2026-05-01', { group: 'II', obstacles: ['capacity'] });
    await s.on('2027-06-01');
    // Re-assessed before anyone completed the engagement: no occurrence follows it.
    expect(summary(await s.followUps())).toEqual([
      'bilateral-approach open ERI due 2026-07-30',
      'high-level-engagement retracted ERI due 2026-03-03',
    ]);
  });

  it('marks a task overdue when its due date passes, unless it was done in time', async () => {
    const s = await eastAfrica();
    await s.response('KEN', '2026-02-01', { group: 'II', obstacles: ['capacity'] });
    await s.response('UGA', '2026-02-01', { group: 'II', obstacles: ['capacity'] });
    await s.on('2026-05-01');
    const [ken, uga] = (await s.followUps()).sort((a, b) => (a.countries[0]! < b.countries[0]! ? -1 : 1));
    expect([ken!.dueOn, ken!.overdue, uga!.overdue]).toEqual(['2026-05-02', undefined, undefined]);
    const ana = { actor: 'ana', correlationId: 'x', causationId: 'x' };
    await s.engine.runner.run(`follow-up-${uga!.id}`, followUpDecider, { kind: 'claim', assignee: 'ana', on: '2026-05-01' }, ana);
    await s.engine.runner.run(`follow-up-${uga!.id}`, followUpDecider, { kind: 'complete', outcome: 'done', by: 'ana', on: '2026-05-01' }, ana);
    await s.on('2026-05-01');
    await s.on('2026-05-02');
    const after = Object.fromEntries((await s.followUps()).map((f) => [f.countries[0], [f.state, f.overdue ?? false]]));
    expect(after).toEqual({ KEN: ['open', true], UGA: ['completed', false] });
  });

  it('sets the timers one event asks for with one setMany, and never one by one', async () => {
    const timers = new WatchedTimers();
    const s = await eastAfrica(new Scenario(CCM_PLAYBOOK, CCM, timers));
    await s.response('ERI', '2026-02-01', { group: 'III' });
    await s.on('2026-02-02');
    const [task] = await s.followUps();
    // GroupAssigned schedules the engagement with its due timer; the next occurrence waits for its completion.
    expect(timers.calls).toEqual([`setMany ${dueTimerId(task!.id)}`]);
    await s.treatyAction('ERI', 'accession', '2026-02-10');
    await s.on('2026-02-11');
    expect(timers.calls.slice(1)).toEqual([`cancel ${dueTimerId(task!.id)}`]);
    expect(timers.pending()).toEqual([]);
  });

  it('sets the timers of a whole batch of events with one setMany', async () => {
    const timers = new WatchedTimers();
    const s = await eastAfrica(new Scenario(CCM_PLAYBOOK, CCM, timers));
    for (const iso3 of ['KEN', 'UGA', 'TZA']) await s.response(iso3, '2026-02-01', { group: 'II', obstacles: ['capacity'] });
    await s.on('2026-02-02');
    const tasks = await s.followUps();
    expect(tasks.map((t) => t.countries[0]).sort()).toEqual(['KEN', 'TZA', 'UGA']);
    expect(timers.calls).toHaveLength(1);
    expect(timers.calls[0]!.split(' ').slice(1).sort()).toEqual(tasks.map((t) => dueTimerId(t.id)).sort());
  });

  it('sets the timers again when they failed after the commands: the batch is applied again', async () => {
    const timers = new WatchedTimers();
    const s = await eastAfrica(new Scenario(CCM_PLAYBOOK, CCM, timers));
    await s.response('KEN', '2026-02-01', { group: 'II', obstacles: ['capacity'] });
    timers.failNextSetMany = true;
    await expect(s.on('2026-02-02')).rejects.toThrow('Redis went away');
    // The task was scheduled before the failure; the checkpoint did not move past it.
    expect(summary(await s.followUps())).toEqual([]);
    await s.on('2026-02-02');
    expect(summary(await s.followUps())).toEqual(['bilateral-approach open KEN due 2026-05-02']);
    expect(timers.pending().map((t) => t.timerId)).toEqual([dueTimerId((await s.followUps())[0]!.id)]);
    await s.on('2026-05-02');
    expect((await s.followUps()).map((f) => f.overdue)).toEqual([true]);
  });

  it('replays into the same follow-ups: rebuilding the read models and the playbook state duplicates nothing', async () => {
    const s = await eastAfrica();
    await s.letter('KEN', '2026-01-20');
    await s.response('UGA', '2026-02-01', { group: 'II', obstacles: ['regional-reciprocity'] });
    await s.response('ETH', '2026-02-01', { group: 'II', obstacles: ['regional-reciprocity'] });
    await s.on('2026-03-01');
    const before = await s.followUps();
    const head = await s.engine.store.headPosition();
    for (const p of s.engine.projections) await s.engine.readModels.reset(p.name, p.collections);
    await s.engine.settle();
    expect(await s.engine.store.headPosition()).toBe(head);
    expect((await s.followUps()).map((f) => ({ ...f, updatedAt: '', history: [] }))).toEqual(before.map((f) => ({ ...f, updatedAt: '', history: [] })));
  });
});

describe('a past campaign entered today', () => {
  /** The seed's order: the depositary record first, then a 2012 campaign posted in 2026. */
  async function demarche2012(): Promise<Scenario> {
    const s = new Scenario();
    s.clock.set('2026-12-07');
    for (const iso3 of ['KEN', 'ETH', 'SSD']) await s.country(iso3, 'Eastern Africa');
    await s.country('CUB', 'Caribbean', 'Americas');
    await s.country('NOR', 'Northern Europe', 'Europe');
    await s.treatyAction('KEN', 'signature', '2008-12-03');
    await s.treatyAction('SSD', 'accession', '2023-08-03');
    await s.treatyAction('CUB', 'accession', '2016-04-06');
    await s.launch(['KEN', 'ETH', 'SSD', 'CUB'], '2012-06-01');
    for (const iso3 of ['KEN', 'ETH', 'SSD', 'CUB']) await s.letter(iso3, '2012-06-15');
    await s.response('SSD', '2012-07-01', { group: 'II', obstacles: ['regional-reciprocity'] });
    await s.response('ETH', '2012-07-05', { group: 'II', obstacles: ['regional-reciprocity'] });
    await s.response('CUB', '2012-07-10', { group: 'III', obstacles: ['security-environment'] });
    return s.on('2026-12-07');
  }
  const line = (f: FollowUpView) => `${f.kind} ${f.countries.join('+')} ${f.state} opened ${f.openedOn}${f.closedOn ? ` closed ${f.closedOn}` : ''}${f.overdue ? ' overdue' : ''}`;

  it('opens each task on the day of its trigger, and closes it on the day a later deposit made it moot', async () => {
    const s = await demarche2012();
    expect((await s.followUps()).map(line).sort()).toEqual([
      'chase-response KEN open opened 2012-07-15 overdue',
      'high-level-engagement CUB retracted opened 2012-07-10 closed 2016-04-06',
      'regional-initiative ETH open opened 2012-07-01 overdue',
    ]);
    // SSD formed it and left on its accession; ETH's earlier-dated joining kept it open.
    const [initiative] = await s.followUps({ kind: 'regional-initiative' });
    expect(initiative!.history.map((h) => `${h.type} ${h.on}`)).toEqual([
      'FollowUpScheduled 2012-07-01', 'FollowUpRetracted 2023-08-03', 'FollowUpReinstated 2023-08-03', 'FollowUpWidened 2012-07-05', 'FollowUpFellDue 2012-09-29',
    ]);
    const cuba = (await s.followUps({ kind: 'high-level-engagement' }))[0]!;
    expect(cuba.history.map((h) => `${h.type} ${h.on}`)).toEqual(['FollowUpScheduled 2012-07-10', 'FollowUpRetracted 2016-04-06']);
  });

  it('shows the queues as they stood on a past day', async () => {
    const s = await demarche2012();
    const on = async (day: string) => (await s.followUps()).map((f) => followUpViewOn(f, day)).filter((f): f is FollowUpView => f !== undefined).map(line).sort();
    expect(await on('2012-06-30')).toEqual([]);
    expect(await on('2012-09-11')).toEqual([
      'chase-response KEN open opened 2012-07-15 overdue',
      'high-level-engagement CUB open opened 2012-07-10 overdue',
      'regional-initiative ETH+SSD open opened 2012-07-01',
    ]);
    expect(await on('2020-01-01')).toEqual([
      'chase-response KEN open opened 2012-07-15 overdue',
      'high-level-engagement CUB retracted opened 2012-07-10 closed 2016-04-06',
      'regional-initiative ETH+SSD open opened 2012-07-01 overdue',
    ]);
  });

  it('leaves out of every past day a chase opened before the earlier answer was entered', async () => {
    const s = await demarche2012();
    await s.response('KEN', '2012-07-01', { group: 'III' });
    await s.on('2026-12-07');
    const [chase] = await s.followUps({ kind: 'chase-response' });
    expect(line(chase!)).toBe('chase-response KEN retracted opened 2012-07-15 closed 2012-07-15 overdue');
    for (const day of ['2012-07-15', '2012-09-11', '2026-12-07']) expect(followUpViewOn(chase!, day)).toBeUndefined();
    expect(followUpViewOn((await s.followUps({ kind: 'high-level-engagement', state: 'open' }))[0]!, '2012-09-11')).toMatchObject({ countries: ['KEN'], state: 'open' });
  });

  it('keeps one occurrence per rule and country however long ago the task fell due', async () => {
    const s = await demarche2012();
    const all = await s.followUps();
    const perRule = all.map((f) => `${f.kind} ${f.countries.join('+')}`);
    expect(new Set(perRule).size).toBe(perRule.length);
    expect(all.map((f) => f.occurrence)).toEqual(all.map(() => 1));
  });
});
