import ical from 'node-ical';
import { startTestApp, type RunningApp } from '../support/running-app.js';

type CalendarEvent = { type: string; uid: string; summary: string; start: Date & { dateOnly?: boolean } };

/** A coordinator's follow-ups in their calendar program, which fetches the feed without a bearer token. */
describe('the calendar feed of follow-ups', () => {
  let app: RunningApp;
  const tokens: Record<'mission' | 'alice' | 'other', { token: string; id: string }> = {} as never;

  const feedEvents = async (feed: string) => {
    const res = await app.as(undefined).get(`/v1/follow-ups/calendar.ics?feed=${feed}`).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/calendar/);
    return Object.values(ical.sync.parseICS(res.text)).filter((c) => c?.type === 'VEVENT') as unknown as CalendarEvent[];
  };
  const feedPath = (url: string) => new URL(url).pathname + new URL(url).search;

  beforeAll(async () => {
    app = await startTestApp({ now: '2026-03-10T09:00:00Z' });
    await app.http().post('/v1/missions').send({ id: 'nor-nairobi', name: 'Embassy of Norway in Nairobi', kind: 'non-resident', coordinator: 'NOR', accreditedTo: ['KEN', 'ETH'] }).expect(201);
    for (const id of ['ccm-2026', 'other-2026']) await app.http().post('/v1/campaigns').send({ id, treaty: 'CCM', title: id, coordinators: ['NOR'], startsOn: '2026-01-15' }).expect(201);
    const issue = async (body: object) => (await app.http().post('/v1/tokens').send(body).expect(201)).body as { token: string; id: string };
    tokens.mission = await issue({ role: 'mission', missionId: 'nor-nairobi' });
    tokens.alice = await issue({ role: 'coordinator', campaignIds: ['ccm-2026'] });
    tokens.other = await issue({ role: 'coordinator', campaignIds: ['other-2026'] });
    await app.as(tokens.mission.token).post('/v1/countries/ETH/responses').send({ campaignId: 'ccm-2026', missionId: 'nor-nairobi', receivedOn: '2026-02-27', group: 'II', obstacles: ['capacity'] }).expect(201);
    await app.as(tokens.mission.token).post('/v1/countries/KEN/responses').send({ campaignId: 'other-2026', missionId: 'nor-nairobi', receivedOn: '2026-02-27', group: 'III' }).expect(201);
    await app.settle();
  });
  afterAll(() => app.destroy());

  it('parses, holds one event per open task of the person\'s campaigns on its due date, and follows a completed task', async () => {
    const { url } = (await app.as(tokens.alice.token).post('/v1/me/calendar-feed').expect(201)).body as { url: string };
    const feed = new URL(url).searchParams.get('feed')!;
    const tasks = (await app.http().get('/v1/follow-ups?campaignId=ccm-2026&state=open').expect(200)).body.items as { id: string; dueOn: string; kind: string }[];
    expect(tasks).toHaveLength(1);
    const [task] = tasks as [{ id: string; dueOn: string; kind: string }];
    const events = await feedEvents(feed);
    expect(events.map((e) => e.uid)).toEqual([`${task.id}@demarche`]);
    expect(events[0]!.start.dateOnly).toBe(true);
    const start = events[0]!.start;
    // A date-only value is built in local time by the parser.
    expect([start.getFullYear(), start.getMonth() + 1, start.getDate()].map((n) => String(n).padStart(2, '0')).join('-')).toBe(task.dueOn);
    expect(events[0]!.summary).toBe(`${task.kind}: ETH`);

    await app.as(tokens.alice.token).post(`/v1/follow-ups/${task.id}/claim`).send({}).expect(201);
    await app.settle();
    expect((await feedEvents(feed)).map((e) => e.uid)).toEqual([`${task.id}@demarche`]);
    await app.as(tokens.alice.token).post(`/v1/follow-ups/${task.id}/complete`).send({ outcome: 'Met the legal adviser.' }).expect(201);
    await app.settle();
    expect(await feedEvents(feed)).toEqual([]);
    expect(feedPath(url)).toBe(`/v1/follow-ups/calendar.ics?feed=${feed}`);
  });

  it('answers 404 for a revoked or replaced secret, and for none', async () => {
    const first = new URL((await app.as(tokens.other.token).post('/v1/me/calendar-feed').expect(201)).body.url).searchParams.get('feed')!;
    expect((await feedEvents(first)).map((e) => e.summary)).toEqual(['high-level-engagement: KEN']);
    const second = new URL((await app.as(tokens.other.token).post('/v1/me/calendar-feed').expect(201)).body.url).searchParams.get('feed')!;
    const gone = await app.as(undefined).get(`/v1/follow-ups/calendar.ics?feed=${first}`).expect(404);
    expect(gone.headers['content-type']).toMatch(/^application\/problem\+json/);
    await feedEvents(second);
    await app.as(tokens.other.token).delete('/v1/me/calendar-feed').expect(204);
    await app.as(undefined).get(`/v1/follow-ups/calendar.ics?feed=${second}`).expect(404);
    await app.as(undefined).get('/v1/follow-ups/calendar.ics').expect(404);
    await app.as(undefined).get('/v1/follow-ups/calendar.ics?feed=x&other=1').expect(400);
  });
});
