import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../libs/platform/config/config.js';
import { cliEnv, openTestEventStore, startTestApp, type RunningApp } from '../support/running-app.js';

const root = projectRoot();

describe('what-if replay under another playbook', () => {
  let app: RunningApp;
  const post = (path: string, body: object) => app.http().post(path).send(body).expect(201);

  beforeAll(async () => {
    app = await startTestApp({ now: '2026-06-01T09:00:00Z' });
    await post('/v1/missions', { id: 'm', name: 'M', kind: 'non-resident', coordinator: 'NOR', accreditedTo: ['KEN', 'ETH', 'ERI', 'TZA'] });
    await post('/v1/campaigns', { id: 'c1', treaty: 'CCM', title: 'C', coordinators: ['NOR'], startsOn: '2026-01-01' });
    for (const iso3 of ['KEN', 'ETH']) await post(`/v1/countries/${iso3}/letters`, { campaignId: 'c1', missionId: 'm', deliveredOn: '2026-02-01' });
    await post('/v1/countries/KEN/responses', { campaignId: 'c1', missionId: 'm', receivedOn: '2026-02-20', group: 'III' });
    await post('/v1/countries/ERI/responses', { campaignId: 'c1', missionId: 'm', receivedOn: '2026-02-21', group: 'II', obstacles: ['regional-reciprocity'] });
    await post('/v1/countries/TZA/responses', { campaignId: 'c1', missionId: 'm', receivedOn: '2026-02-22', group: 'II', obstacles: ['regional-reciprocity'] });
    await app.settle();
    await app.stop();
  });
  afterAll(() => app.destroy());

  it('reports the follow-ups another playbook would have made, without touching live data', async () => {
    const playbook = JSON.parse(readFileSync(join(root, 'reference/playbooks/ccm.json'), 'utf8'));
    playbook.id = 'ccm-impatient';
    playbook.rules = playbook.rules
      .filter((r: any) => r.kind !== 'regional-initiative')
      .map((r: any) => (r.kind === 'chase-response' ? { ...r, when: { noResponseWithinDays: 10 } } : r.kind === 'bilateral-approach' ? { ...r, when: { group: 'II' } } : r));
    const file = join(app.dataDir, 'impatient.json');
    writeFileSync(file, JSON.stringify(playbook));
    const store = await openTestEventStore(app.dataDir);
    const head = await store.headPosition();
    await store.close();

    const run = spawnSync(process.execPath, [join(root, 'bin/demarche.js'), 'what-if', '--playbook', file, '--format', 'json'], { env: cliEnv(app.dataDir, { DEMARCHE_NOW: '2026-06-01T09:00:00Z' }), encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.playbook).toBe('ccm-impatient');
    expect(report.baselineTasks).toEqual({ 'chase-response': 1, 'high-level-engagement': 1, 'regional-initiative': 1 });
    expect(report.whatIfTasks).toEqual({ 'bilateral-approach': 2, 'chase-response': 2, 'high-level-engagement': 1 });
    const who = (list: any[]) => list.map((t) => `${t.kind}:${t.countries.join('+')}:${t.state}`).sort();
    // KEN answered on day 19: chased under a 10-day rule (then retracted by the answer), not under 30.
    expect(who(report.onlyWhatIf)).toEqual(['bilateral-approach:ERI:open', 'bilateral-approach:TZA:open', 'chase-response:KEN:retracted']);
    expect(who(report.onlyBaseline)).toEqual(['regional-initiative:ERI+TZA:open']);
    // ETH never answered: chased under both, but due 20 days earlier under the impatient playbook.
    expect(report.changed.map((c: any) => [c.baseline.dueOn, c.whatIf.dueOn])).toEqual([['2026-03-03', '2026-02-11']]);

    const after = await openTestEventStore(app.dataDir);
    expect(await after.headPosition()).toBe(head);
    await after.close();
  });

  it('refuses an invalid playbook, saying what is wrong', () => {
    const file = join(app.dataDir, 'broken.json');
    writeFileSync(file, JSON.stringify({ id: 'x', treaty: 'CCM', rules: [{ kind: 'chase', queue: 'postal', when: { group: 'IV' }, dueInDays: 1 }] }));
    const run = spawnSync(process.execPath, [join(root, 'bin/demarche.js'), 'what-if', '--playbook', file], { env: cliEnv(app.dataDir), encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('rules[0].queue must be one of bilateral, regional, high-level');
  });
});
