import { startTestApp, type RunningApp } from '../support/running-app.js';

/** What the console's analysts' page draws: the counts over time and every state on a day. */
describe('the status over time and state by state', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startTestApp({ now: '2026-11-27T09:00:00Z' });
    await app.settle();
  });
  afterAll(() => app.destroy());

  const get = async (path: string) => (await app.http().get(path).expect(200)).body;

  it('gives the counts at every month end, and on the last day asked for, as the picture on each of those days', async () => {
    const series = await get('/v1/status/series?treaty=CCM&from=2008-12-03&to=2012-09-11');
    const days = series.items.map((p: any) => p.asOf);
    expect(days).toHaveLength(46);
    expect(days.slice(0, 3)).toEqual(['2008-12-31', '2009-01-31', '2009-02-28']);
    expect(days.slice(-3)).toEqual(['2012-07-31', '2012-08-31', '2012-09-11']);
    expect(days).toContain('2012-02-29');
    expect(series.items.at(-1)).toMatchObject({ asOf: '2012-09-11', statesParties: 75, signatories: 36, nonSignatories: 85, states: 196 });
    for (const point of series.items.filter((_: unknown, i: number) => i % 9 === 0)) {
      const { statesParties, signatories, nonSignatories, inForce, withdrawn, states } = await get(`/v1/status?treaty=CCM&asOf=${point.asOf}`);
      expect(point).toEqual({ asOf: point.asOf, statesParties, signatories, nonSignatories, inForce, withdrawn, states });
    }
    // Up to today by default; a month end as the last day appears once.
    const toToday = await get('/v1/status/series?from=2026-09-15');
    expect(toToday.items.map((p: any) => p.asOf)).toEqual(['2026-09-30', '2026-10-31', '2026-11-27']);
    expect((await get('/v1/status/series?from=2026-09-01&to=2026-10-31')).items.map((p: any) => p.asOf)).toEqual(['2026-09-30', '2026-10-31']);
  });

  it('lists every state counted on a day with its status, adding up to the picture of that day', async () => {
    const { items, count } = await get('/v1/status/states?treaty=CCM&asOf=2012-09-11');
    expect(count).toBe(196);
    const tally = (status: string) => items.filter((s: any) => s.treatyStatus === status).length;
    expect([tally('state-party'), tally('signatory'), tally('non-signatory')]).toEqual([75, 36, 85]);
    expect(items.find((s: any) => s.iso3 === 'NOR')).toEqual({ iso3: 'NOR', name: expect.any(String), region: 'Europe', subregion: expect.any(String), treatyStatus: 'state-party', group: null });
    // The dated universe: South Sudan is counted from 2011, the State of Palestine from late 2012.
    expect(items.find((s: any) => s.iso3 === 'SSD')).toBeDefined();
    expect(items.find((s: any) => s.iso3 === 'PSE')).toBeUndefined();
  });

  it('refuses a series without a start, backwards, or with an unknown parameter', async () => {
    expect(JSON.stringify((await app.http().get('/v1/status/series').expect(400)).body)).toMatch(/from/);
    await app.http().get('/v1/status/series?from=2012-01-01&to=2011-01-01').expect(400);
    await app.http().get('/v1/status/series?from=2012-13-01').expect(400);
    await app.http().get('/v1/status/states?colour=red').expect(400);
    await app.http().get('/v1/status/states?treaty=XYZ').expect(404);
  });
});
