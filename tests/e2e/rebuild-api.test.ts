import { startTestApp, type RunningApp } from '../support/running-app.js';
import { eventually } from '../support/eventually.js';


describe('shadow rebuilds', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startTestApp({ now: '2026-06-01T09:00:00Z' });
    await app.http().post('/v1/missions').send({ id: 'm', name: 'M', kind: 'non-resident', coordinator: 'NOR', accreditedTo: ['KEN', 'ETH'] }).expect(201);
    await app.http().post('/v1/campaigns').send({ id: 'c1', treaty: 'CCM', title: 'C', coordinators: ['NOR'], startsOn: '2026-01-01' }).expect(201);
    await app.http().post('/v1/countries/ETH/responses').send({ campaignId: 'c1', missionId: 'm', receivedOn: '2026-02-01', group: 'II', obstacles: ['capacity'] }).expect(201);
    await app.settle();
  });
  afterAll(() => app.destroy());

  it('rebuilds beside the live version, shows no difference, swaps, and keeps projecting into the new version', async () => {
    const before = (await app.http().get('/v1/countries/ETH').expect(200)).body;
    const started = await app.http().post('/v1/admin/rebuilds').send({ projection: 'country-status' }).expect(202);
    expect(started.body).toMatchObject({ projection: 'country-status', state: 'running' });
    const done = await eventually(async () => {
      const run = (await app.http().get('/v1/admin/rebuilds/country-status').expect(200)).body;
      return run.state === 'running' ? undefined : run;
    });
    expect(done).toMatchObject({ state: 'done', result: { activeVersion: 1, rebuiltVersion: 2, identical: true, swapped: false } });
    expect(done.result.diff).toEqual([
      expect.objectContaining({ collection: 'countries', active: 197, rebuilt: 197, different: [] }),
      expect.objectContaining({ collection: 'country-campaigns', active: 1, rebuilt: 1, different: [] }),
    ]);

    await app.http().post('/v1/admin/rebuilds').send({ projection: 'country-status', swap: true }).expect(202);
    const swapped = await eventually(async () => {
      const run = (await app.http().get('/v1/admin/rebuilds/country-status').expect(200)).body;
      return run.state === 'running' ? undefined : run;
    });
    // The unswapped version 2 is resumed (it was caught up) and becomes active.
    expect(swapped.result).toMatchObject({ activeVersion: 1, rebuiltVersion: 2, swapped: true, identical: true });
    expect((await app.http().get('/v1/countries/ETH').expect(200)).body).toEqual(before);

    await app.http().post('/v1/countries/ETH/treaty-actions').send({ treaty: 'CCM', action: 'accession', on: '2026-05-01' }).expect(201);
    await app.settle();
    await eventually(async () => ((await app.http().get('/v1/countries/ETH').expect(200)).body.treatyStatus === 'state-party' ? true : undefined));
    await app.http().post('/v1/admin/rebuilds').send({ projection: 'nope' }).expect(400);
  });

});
