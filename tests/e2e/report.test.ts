import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../libs/platform/config/config.js';
import { cliEnv, startTestApp, type RunningApp } from '../support/running-app.js';

/**
 * The universalization report for a chosen day, against figures worked out by hand from the
 * depositary file (3 Feb 2026: 112 parties, Vanuatu the only deposit since 1 Sep 2024,
 * Lithuania's withdrawal effective 6 Mar 2025, twelve signatories) and from the campaign
 * below.
 */
describe('the universalization report', () => {
  let app: RunningApp;
  const post = (path: string, body: object) => app.http().post(path).send(body).expect(201);
  const respond = (iso3: string, missionId: string, receivedOn: string, answer: object) =>
    post(`/v1/countries/${iso3}/responses`, { campaignId: 'ccm-2025', missionId, receivedOn, ...answer });

  beforeAll(async () => {
    app = await startTestApp({ now: '2026-02-03T12:00:00Z' });
    await post('/v1/missions', { id: 'nor-nairobi', name: 'Norway in Nairobi', kind: 'non-resident', coordinator: 'NOR', accreditedTo: ['KEN', 'UGA', 'ETH', 'ERI'] });
    await post('/v1/missions', { id: 'nzl-riyadh', name: 'New Zealand in Riyadh', kind: 'non-resident', coordinator: 'NZL', accreditedTo: ['SAU', 'JOR'] });
    await post('/v1/campaigns', { id: 'ccm-2025', treaty: 'CCM', title: 'Joint demarche', coordinators: ['NOR', 'NZL'], startsOn: '2025-10-01' });
    await respond('KEN', 'nor-nairobi', '2025-11-10', { group: 'I', ratificationUnderWay: true });
    await respond('UGA', 'nor-nairobi', '2025-11-11', { group: 'I', wishesToSign: true });
    await respond('ETH', 'nor-nairobi', '2025-11-12', { group: 'II', obstacles: ['capacity', 'regional-reciprocity'] });
    await respond('ERI', 'nor-nairobi', '2025-11-13', { group: 'II', obstacles: ['regional-reciprocity'] });
    await respond('SAU', 'nzl-riyadh', '2025-11-14', { group: 'III', obstacles: ['security-environment'] });
    await respond('JOR', 'nzl-riyadh', '2025-11-15', { group: 'II', obstacles: ['ccw-preference'] });
    await app.settle();
    const jordan = (await app.http().get('/v1/follow-ups?campaignId=ccm-2025').expect(200)).body.items.find((f: any) => f.countries.includes('JOR'));
    await post(`/v1/follow-ups/${jordan.id}/claim`, {});
    await post(`/v1/follow-ups/${jordan.id}/complete`, { outcome: 'Briefed on the CCW track.' });
    await app.settle();
  });
  afterAll(() => app.destroy());

  it('gives the hand-computed figures for 3 February 2026 since 1 September 2024', async () => {
    const report = (await app.http().get('/v1/reports/universalization?treaty=CCM&asOf=2026-02-03&since=2024-09-01').expect(200)).body;
    expect(report.totals).toEqual({ statesParties: 112, inForce: 111, signatories: 12, nonSignatories: 72, withdrawn: 1, states: 197 });
    expect(report.sinceLastMeeting).toEqual({
      deposits: [{ iso3: 'VUT', name: 'Vanuatu', on: '2025-09-05', action: 'accession' }],
      signatures: [],
      entriesIntoForce: [],
      withdrawals: [{ iso3: 'LTU', name: 'Lithuania', on: '2025-03-06' }],
    });
    const names = (list: { name: string }[]) => list.map((s) => s.name);
    expect(Object.fromEntries(Object.entries(report.signatoriesByRegion).map(([r, l]) => [r, names(l as any)]))).toEqual({
      Africa: ['Angola', 'Central African Republic', 'Democratic Republic of the Congo', 'Djibouti', 'Kenya', 'Liberia', 'Uganda', 'United Republic of Tanzania'],
      Americas: ['Haiti', 'Jamaica'],
      Asia: ['Cyprus', 'Indonesia'],
    });
    expect(report.responses.I).toEqual({
      count: 2,
      countries: [{ iso3: 'KEN', name: 'Kenya' }, { iso3: 'UGA', name: 'Uganda' }],
      ratificationUnderWay: [{ iso3: 'KEN', name: 'Kenya' }],
      wishesToSign: [{ iso3: 'UGA', name: 'Uganda' }],
    });
    expect([report.responses.II.count, names(report.responses.II.countries)]).toEqual([3, ['Eritrea', 'Ethiopia', 'Jordan']]);
    expect([report.responses.III.count, names(report.responses.III.countries)]).toEqual([1, ['Saudi Arabia']]);
    expect(report.obstaclesCited).toEqual({ 'regional-reciprocity': 2, capacity: 1, 'ccw-preference': 1, 'security-environment': 1 });
    expect(report.regionalInitiatives).toEqual([expect.objectContaining({ subregion: 'Eastern Africa', countries: ['ERI', 'ETH'], state: 'open' })]);
    expect(report.followUps).toEqual({ bilateral: { open: 3, done: 1, retracted: 0 }, regional: { open: 1, done: 0, retracted: 0 }, 'high-level': { open: 1, done: 0, retracted: 0 } });
  });

  it('shows the campaign as it stood on an earlier day', async () => {
    const report = (await app.http().get('/v1/reports/universalization?asOf=2025-11-12').expect(200)).body;
    expect(report.since).toBeNull();
    expect(report.sinceLastMeeting).toBeNull();
    expect([report.responses.I.count, report.responses.II.count, report.responses.III.count]).toEqual([2, 1, 0]);
    expect(report.obstaclesCited).toEqual({ capacity: 1, 'regional-reciprocity': 1 });
    expect(report.regionalInitiatives.map((i: any) => i.countries)).toEqual([['ETH']]);
    expect(report.followUps.bilateral).toEqual({ open: 3, done: 0, retracted: 0 });
  });

  it('renders Markdown for the meeting, over HTTP and from the command line', async () => {
    const res = await app.http().get('/v1/reports/universalization?asOf=2026-02-03&since=2024-09-01&format=markdown').expect(200);
    expect(res.headers['content-type']).toMatch(/text\/markdown/);
    expect(res.text).toContain('# CCM universalization report — 2026-02-03');
    expect(res.text).toContain('**112 States Parties** (instruments deposited), of which the convention is in force for 111; **12 signatories**');
    expect(res.text).toContain('- Joined: Vanuatu (accession, 2025-09-05)');
    expect(res.text).toContain('| II — obstacles named | 3 | Eritrea, Ethiopia, Jordan |');
    const accepted = await app.http().get('/v1/reports/universalization?asOf=2026-02-03').set('Accept', 'text/markdown').expect(200);
    expect(accepted.text.startsWith('# CCM universalization report')).toBe(true);
    await app.stop();
    const cli = spawnSync(process.execPath, [join(projectRoot(), 'bin/demarche.js'), 'report', '--treaty', 'CCM', '--as-of', '2026-02-03', '--since', '2024-09-01'], {
      env: cliEnv(app.dataDir), encoding: 'utf8',
    });
    expect(cli.stderr).toBe('');
    expect(cli.status).toBe(0);
    expect(cli.stdout).toBe(res.text);
  });

  it('refuses a since that is not before asOf', async () => {
    const again = await startTestApp({ now: '2026-02-03T12:00:00Z', seedStates: false });
    try {
      const res = await again.http().get('/v1/reports/universalization?asOf=2026-02-03&since=2026-02-03').expect(400);
      expect(res.body.errors[0].field).toBe('since');
    } finally {
      await again.destroy();
    }
  });
});
