import { startTestApp, TEST_ADMIN_TOKEN, type RunningApp } from '../support/running-app.js';

/**
 * A campaign's letters and responses posted many at a time: all or nothing, idempotent, scoped
 * by token, and readable at once by the position the write answers with.
 */
describe('bulk outreach over HTTP', () => {
  let app: RunningApp;
  const tokens: Record<'nairobi' | 'coordinator' | 'stranger', string> = {} as never;
  const post = (path: string, body: object, token = TEST_ADMIN_TOKEN) => app.as(token).post(path).send(body);
  /** The campaign's facts as recorded: what a refused request must leave as it was (timers and the workflow may add their own events meanwhile). */
  const facts = async () => (await app.http().get('/v1/events?campaignId=ccm-2012&type=LetterDelivered,MeetingHeld,ResponseReceived,GroupAssigned&limit=1000').expect(200)).body.items.map((e: any) => e.id);

  beforeAll(async () => {
    app = await startTestApp({ now: '2026-12-07T09:00:00Z' });
    await post('/v1/missions', { id: 'jpn-nairobi', name: 'Embassy of Japan in Nairobi', kind: 'non-resident', coordinator: 'JPN', accreditedTo: ['KEN', 'SSD', 'ERI', 'SOM'] }).expect(201);
    await post('/v1/missions', { id: 'jpn-addis', name: 'Embassy of Japan in Addis Ababa', kind: 'resident', coordinator: 'JPN', accreditedTo: ['ETH'] }).expect(201);
    await post('/v1/missions', { id: 'prt-addis', name: 'Embassy of Portugal in Addis Ababa', kind: 'non-resident', coordinator: 'PRT', accreditedTo: ['ETH', 'SOM'] }).expect(201);
    await post('/v1/campaigns', { id: 'ccm-2012', treaty: 'CCM', title: 'Joint demarche 2012', coordinators: ['JPN', 'PRT'], startsOn: '2012-06-01' }).expect(201);
    await post('/v1/campaigns', { id: 'other', treaty: 'CCM', title: 'Another', coordinators: ['JPN'], startsOn: '2012-06-01' }).expect(201);
    tokens.nairobi = (await post('/v1/tokens', { role: 'mission', missionId: 'jpn-nairobi' }).expect(201)).body.token;
    tokens.coordinator = (await post('/v1/tokens', { role: 'coordinator', campaignIds: ['ccm-2012'] }).expect(201)).body.token;
    tokens.stranger = (await post('/v1/tokens', { role: 'coordinator', campaignIds: ['other'] }).expect(201)).body.token;
  });
  afterAll(() => app.destroy());

  it('delivers one letter to many countries, each in its own stream, with its co-signatories', async () => {
    const res = await post('/v1/campaigns/ccm-2012/letters', { missionId: 'jpn-nairobi', deliveredOn: '2012-06-15', countries: ['KEN', 'SSD', 'ERI'] }).expect(201);
    expect(res.body).toMatchObject({ recorded: 3, alreadyRecorded: 0, position: expect.any(Number) });
    expect(res.headers['consistency-position']).toBe(String(res.body.position));
    expect(res.body.items.map((i: any) => [i.country, i.missionId, i.recorded, i.eventIds.length, i.streamVersion])).toEqual([
      ['KEN', 'jpn-nairobi', true, 1, 1], ['SSD', 'jpn-nairobi', true, 1, 1], ['ERI', 'jpn-nairobi', true, 1, 1],
    ]);
    const stream = (await app.http().get('/v1/events?stream=outreach-ccm-2012-SSD').expect(200)).body.items;
    expect(stream.map((e: any) => [e.type, e.data.cosignedBy])).toEqual([['LetterDelivered', ['JPN', 'PRT']]]);
  });

  it('records nothing twice when the same batch is sent again', async () => {
    const before = await facts();
    const again = await post('/v1/campaigns/ccm-2012/letters', { missionId: 'jpn-nairobi', deliveredOn: '2012-06-15', countries: ['KEN', 'SSD', 'ERI'] }).expect(201);
    expect(again.body).toMatchObject({ recorded: 0, alreadyRecorded: 3, eventIds: [] });
    expect(again.body.position).toBeGreaterThan(0);
    expect(await facts()).toEqual(before);
  });

  it('picks the campaign\'s mission for a country when none is named: the resident one first', async () => {
    const res = await post('/v1/campaigns/ccm-2012/letters', { deliveries: [{ country: 'ETH', deliveredOn: '2012-06-20' }] }).expect(201);
    expect(res.body.items[0]).toMatchObject({ country: 'ETH', missionId: 'jpn-addis', recorded: true });
    const ambiguous = await post('/v1/campaigns/ccm-2012/letters', { deliveries: [{ country: 'ETH', deliveredOn: '2012-06-21', missionId: 'prt-addis' }, { country: 'SOM', deliveredOn: '2012-06-21' }] }).expect(404);
    expect(ambiguous.body).toMatchObject({ code: 'several-missions-for-country', errors: [{ field: '/deliveries/1/missionId', message: expect.stringContaining('jpn-nairobi, prt-addis') }] });
  });

  it('refuses a batch with one bad item whole, naming the item and field, and writes nothing', async () => {
    const before = await facts();
    const good = { country: 'KEN', missionId: 'jpn-nairobi', receivedOn: '2012-07-02', group: 'I', ratificationUnderWay: true };
    const malformed = await post('/v1/campaigns/ccm-2012/responses', { responses: [good, good, { ...good, country: 'ERI', group: 'IV' }] }).expect(400);
    expect(malformed.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(malformed.body.errors).toEqual([{ field: '/responses/2/group', message: '/responses/2/group: group must be "I", "II" or "III"' }]);
    const ruled = await post('/v1/campaigns/ccm-2012/responses', {
      responses: [good, { ...good, country: 'SSD', group: 'II', ratificationUnderWay: undefined }, { ...good, country: 'ERI', receivedOn: '2012-05-01' }],
    }).expect(422);
    expect(ruled.body.errors.map((e: any) => [e.field, e.code])).toEqual([['/responses/1/obstacles', 'obstacles-required'], ['/responses/2/receivedOn', 'before-campaign']]);
    const unknown = await post('/v1/campaigns/ccm-2012/responses', { responses: [good, { ...good, country: 'XYZ' }] }).expect(404);
    expect(unknown.body.errors).toEqual([expect.objectContaining({ field: '/responses/1/country', code: 'unknown-country' })]);
    await post('/v1/campaigns/no-such/responses', { responses: [good] }).expect(404);
    expect(await facts()).toEqual(before);
  });

  it('lets a mission post only for itself in its countries, and a coordinator only for its campaigns', async () => {
    const before = await facts();
    const own = { country: 'KEN', receivedOn: '2012-07-03', group: 'III' };
    const foreign = await post('/v1/campaigns/ccm-2012/responses', { responses: [own, { ...own, country: 'ETH' }] }, tokens.nairobi).expect(403);
    expect(foreign.body.detail).toContain('item 1: mission jpn-nairobi is not accredited to ETH');
    await post('/v1/campaigns/ccm-2012/responses', { responses: [{ ...own, missionId: 'jpn-addis' }] }, tokens.nairobi).expect(403);
    const outside = await post('/v1/campaigns/ccm-2012/responses', { responses: [{ ...own, missionId: 'jpn-nairobi' }] }, tokens.stranger).expect(403);
    expect(outside.body.detail).toContain('not campaign ccm-2012');
    expect(await facts()).toEqual(before);
    const mine = await post('/v1/campaigns/ccm-2012/responses', { responses: [own] }, tokens.nairobi).expect(201);
    expect(mine.body.items[0]).toMatchObject({ missionId: 'jpn-nairobi', recorded: true });
    await post('/v1/campaigns/ccm-2012/responses', { responses: [{ ...own, country: 'SSD', missionId: 'jpn-nairobi', group: 'II', obstacles: ['regional-reciprocity'] }] }, tokens.coordinator).expect(201);
  });

  it('answers a read that names the write\'s position once the follow-ups it opened are there', async () => {
    const res = await post('/v1/campaigns/ccm-2012/responses', { responses: [{ country: 'ERI', missionId: 'jpn-nairobi', receivedOn: '2012-07-10', group: 'III', obstacles: ['security-environment'] }] }).expect(201);
    const queue = (await app.http().get(`/v1/follow-ups?campaignId=ccm-2012&state=open&minPosition=${res.body.position}`).set('prefer', 'wait=60').expect(200)).body.items;
    expect(queue.filter((f: any) => f.countries.includes('ERI')).map((f: any) => `${f.kind} ${f.openedOn}`)).toEqual(['high-level-engagement 2012-07-10']);
    const byHeader = await app.http().get('/v1/campaigns/ccm-2012').set('consistency-position', String(res.body.position)).set('prefer', 'wait=60').expect(200);
    expect(byHeader.body.responded).toBe(3);
  });

  it('says when the read side has not reached a position, and refuses a position that is not one', async () => {
    const far = 1_000_000_000;
    const behind = await app.http().get(`/v1/campaigns/ccm-2012?minPosition=${far}`).set('prefer', 'wait=1').expect(503);
    expect(behind.headers['retry-after']).toBeDefined();
    expect(behind.body).toMatchObject({ code: 'read-side-behind', detail: expect.stringContaining(`position ${far}`) });
    for (const bad of ['-1', 'abc', '1.5', '99999999999999999']) {
      const refused = await app.http().get(`/v1/campaigns/ccm-2012?minPosition=${bad}`).expect(400);
      expect(refused.body.errors[0].field).toBe('minPosition');
    }
  });
});
