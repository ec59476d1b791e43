import { startTestApp, type RunningApp } from '../support/running-app.js';

describe('probe', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startTestApp();
    await app.http().post('/v1/missions').send({ id: 'nor-nairobi', name: 'N', kind: 'non-resident', coordinator: 'NOR', accreditedTo: ['KEN', 'UGA', 'ETH'] }).expect(201);
    await app.http().post('/v1/campaigns').send({ id: 'ccm-2026', treaty: 'CCM', title: 'T', coordinators: ['NOR', 'NZL'], startsOn: '2026-01-10' }).expect(201);
    await app.settle();
  });
  afterAll(() => app.destroy());
  it('probes', async () => {
    const out: string[] = [];
    const show = (label: string, r: any) => out.push(`${label} => ${r.status} ${r.headers['content-type']} ${JSON.stringify(r.body).slice(0, 400)}`);
    const h = () => app.http();
    const C = { campaignId: 'ccm-2026', missionId: 'nor-nairobi' };
    show('constructor', await h().post('/v1/countries/KEN/letters').send({ ...C, deliveredOn: '2026-03-01', constructor: { prototype: { x: 1 } } }));
    show('constructor str', await h().post('/v1/countries/KEN/letters').send({ ...C, deliveredOn: '2026-03-02', constructor: 'x' }));
    show('hasOwnProperty', await h().post('/v1/countries/KEN/letters').send({ ...C, deliveredOn: '2026-03-03', hasOwnProperty: 'x' }));
    show('toString', await h().post('/v1/countries/KEN/letters').send({ ...C, deliveredOn: '2026-03-04', toString: 'x' }));
    show('proto', await h().post('/v1/countries/KEN/letters').set('content-type', 'application/json').send(JSON.stringify(C).slice(0, -1) + ',"deliveredOn":"2026-03-05","__proto__":{"deliveredOn":"2026-03-06"}}'));
    show('summary null', await h().post('/v1/countries/KEN/meetings').send({ ...C, heldOn: '2026-02-01', summary: null }));
    show('notes null', await h().post('/v1/countries/KEN/responses').send({ ...C, receivedOn: '2026-02-01', group: 'III', notes: null, obstacles: null, ratificationUnderWay: null, wishesToSign: null }));
    show('source null', await h().post('/v1/countries/AGO/treaty-actions').send({ treaty: 'CCM', action: 'ratification', on: '2008-12-04', source: null }));
    show('campaign 1990', await h().post('/v1/campaigns').send({ id: 'old', treaty: 'CCM', title: 'T', coordinators: ['NOR'], startsOn: '1990-01-01' }));
    show('letter 1995', await h().post('/v1/countries/KEN/letters').send({ campaignId: 'old', missionId: 'nor-nairobi', deliveredOn: '1995-01-01' }));
    show('accr null', await h().post('/v1/missions').send({ id: 'x', name: 'y', kind: 'resident', coordinator: 'NOR', accreditedTo: null }));
    show('accr [null]', await h().post('/v1/missions').send({ id: 'x', name: 'y', kind: 'resident', coordinator: 'NOR', accreditedTo: [null] }));
    show('0000-01-01', await h().post('/v1/countries/USA/treaty-actions').send({ treaty: 'CCM', action: 'accession', on: '0000-01-01' }));
    await app.settle();
    const ev = await h().get('/v1/events?after=390&limit=1000');
    out.push(JSON.stringify(ev.body.items.filter((e: any) => !e.type.startsWith('Country') ).map((e: any) => [e.type, e.data])));
    console.log(out.join('\n'));
  });
});
