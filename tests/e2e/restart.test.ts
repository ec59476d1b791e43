import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { destroyTestData, startTestApp } from '../support/running-app.js';
import { eventually } from '../support/eventually.js';


describe('a restart of the embedded profile', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'demarche-restart-'));
  afterAll(() => destroyTestData(dataDir));

  it('keeps everything recorded, and fires a timer that fell due while it was down', async () => {
    const first = await startTestApp({ dataDir, now: '2026-06-01T09:00:00Z' });
    await first.http().post('/v1/missions').send({ id: 'nor-nairobi', name: 'Norway in Nairobi', kind: 'resident', coordinator: 'NOR', accreditedTo: ['KEN'] }).expect(201);
    await first.http().post('/v1/campaigns').send({ id: 'ccm-2026', treaty: 'CCM', title: 'Demarche', coordinators: ['NOR'], startsOn: '2026-05-01' }).expect(201);
    await first.http().post('/v1/countries/KEN/letters').send({ campaignId: 'ccm-2026', missionId: 'nor-nairobi', deliveredOn: '2026-05-03' }).expect(201);
    await first.settle();
    expect((await first.http().get('/v1/follow-ups').expect(200)).body.items).toEqual([]);
    const before = (await first.http().get('/v1/events?limit=1000').expect(200)).body.items;
    await first.stop();

    // Two days later: the letter's 30 days ran out on 2 June, while Demarche was stopped.
    const second = await startTestApp({ dataDir, now: '2026-06-03T09:00:00Z' });
    try {
      const after = (await second.http().get('/v1/events?limit=1000').expect(200)).body.items;
      expect(after.slice(0, before.length)).toEqual(before);
      // No settle(): the worker's own timer loop must find the due timer.
      const chase = await eventually(async () => {
        const items = (await second.http().get('/v1/follow-ups?queue=bilateral').expect(200)).body.items;
        return items.length ? items : undefined;
      }, 'the chase-response follow-up', 15_000);
      expect(chase).toEqual([expect.objectContaining({ kind: 'chase-response', countries: ['KEN'], dueOn: '2026-06-02', state: 'open' })]);
      const ken = (await second.http().get('/v1/countries/KEN').expect(200)).body;
      expect(ken.campaigns['ccm-2026']).toMatchObject({ letters: 1, lastLetterOn: '2026-05-03' });
      const countries = (await second.http().get('/v1/events?type=CountryRegistered&limit=1000').expect(200)).body.items;
      expect(countries).toHaveLength(197);
    } finally {
      await second.stop();
    }
  });
});
