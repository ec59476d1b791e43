import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { physicalCollection, physicalProjection, ProjectionVersions } from '../../libs/projections/index.js';
import { destroyTestData, openTestReadModels, startTestApp } from '../support/running-app.js';

describe('a read model laid out by an earlier release', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'demarche-layout-'));
  afterAll(() => destroyTestData(dataDir));

  it('is rebuilt from the log at start, before the app serves it', async () => {
    const first = await startTestApp({ dataDir, now: '2026-06-01T09:00:00Z' });
    await first.http().post('/v1/missions').send({ id: 'nor-nairobi', name: 'Norway in Nairobi', kind: 'resident', coordinator: 'NOR', accreditedTo: ['KEN'] }).expect(201);
    await first.http().post('/v1/campaigns').send({ id: 'ccm-2026', treaty: 'CCM', title: 'Demarche', coordinators: ['NOR'], startsOn: '2026-05-01' }).expect(201);
    await first.http().post('/v1/countries/KEN/letters').send({ campaignId: 'ccm-2026', missionId: 'nor-nairobi', deliveredOn: '2026-05-03' }).expect(201);
    await first.settle();
    expect((await first.http().get('/v1/countries/KEN').expect(200)).body.campaigns['ccm-2026']).toMatchObject({ letters: 1 });
    await first.stop();

    // Make the data look as layout 1 left it: no per-campaign documents, no layout recorded.
    const raw = await openTestReadModels(dataDir);
    const versions = new ProjectionVersions(raw.store);
    const before = await versions.of('country-status');
    expect(before).toMatchObject({ active: 1, revision: 2 });
    const collection = physicalCollection('country-campaigns', before.active);
    const perCampaign = await raw.store.find<{ id: string }>(collection);
    expect(perCampaign.map((d) => d.id)).toContain('KEN:ccm-2026');
    const projection = physicalProjection('country-status', before.active);
    const checkpoint = await raw.store.checkpoint(projection);
    await raw.store.commit(projection, perCampaign.map((d) => ({ collection, id: d.id, doc: null })), checkpoint);
    await versions.save({ projection: 'country-status', active: before.active });
    await raw.close();

    const second = await startTestApp({ dataDir, now: '2026-06-01T10:00:00Z' });
    try {
      // No settle(): the rebuild is done before the app answers.
      const ken = (await second.http().get('/v1/countries/KEN').expect(200)).body;
      expect(ken.campaigns['ccm-2026']).toMatchObject({ letters: 1, lastLetterOn: '2026-05-03' });
    } finally {
      await second.stop();
    }
    const after = await openTestReadModels(dataDir);
    try {
      expect(await new ProjectionVersions(after.store).of('country-status')).toEqual({ projection: 'country-status', active: before.active + 1, revision: 2 });
      // The other read models were current and are untouched.
      expect(await new ProjectionVersions(after.store).of('campaign-summary')).toEqual({ projection: 'campaign-summary', active: 1, revision: 2 });
    } finally {
      await after.close();
    }
  }, 120_000);
});
