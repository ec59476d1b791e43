import type { AddressInfo } from 'node:net';
import { startTestApp, TEST_ADMIN_TOKEN, type RunningApp } from '../support/running-app.js';
import { eventually } from '../support/eventually.js';

/** Reads a `text/event-stream` response into a list of `{event, data}` as they arrive. */
function readEvents(body: ReadableStream<Uint8Array>) {
  const received: { event: string; data: any }[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = body.getReader();
  const done = (async () => {
    for (;;) {
      const { value, done: ended } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (ended) return;
      buffer += decoder.decode(value, { stream: true });
      for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const field = (name: string) => block.split('\n').find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
        const event = field('event');
        if (event) received.push({ event, data: JSON.parse(field('data') ?? 'null') });
      }
    }
  })();
  return { received, stop: async () => { await reader.cancel(); await done; } };
}

/** Follow-ups change hands and the change reaches open streams without anyone asking twice. */
describe('live follow-ups: reassigning and the event stream', () => {
  let app: RunningApp;
  let base: string;
  /** Bearer tokens, and the actor each stamps on what it does (`token:<id>`). */
  const tokens: Record<'mission' | 'alice' | 'bob', { token: string; actor: string }> = {} as never;
  const post = (path: string, body: object, who?: keyof typeof tokens) => (who ? app.as(tokens[who].token) : app.http()).post(path).send(body);
  const stream = async (query: string, token: string) => readEvents((await fetch(`${base}/v1/stream?${query}`, { headers: { authorization: `Bearer ${token}` } })).body!);

  beforeAll(async () => {
    app = await startTestApp({ now: '2026-06-01T09:00:00Z' });
    base = `http://127.0.0.1:${(app.app.getHttpServer().address() as AddressInfo).port}`;
    await post('/v1/missions', { id: 'nor-nairobi', name: 'Embassy of Norway in Nairobi', kind: 'non-resident', coordinator: 'NOR', accreditedTo: ['KEN', 'ETH', 'ERI'] }).expect(201);
    await post('/v1/campaigns', { id: 'ccm-2026', treaty: 'CCM', title: 'CCM joint demarche 2026', coordinators: ['NOR', 'NZL'], startsOn: '2026-01-15' }).expect(201);
    await post('/v1/campaigns', { id: 'other-2026', treaty: 'CCM', title: 'Another demarche', coordinators: ['NOR'], startsOn: '2026-01-15' }).expect(201);
    const issue = async (body: object) => {
      const { token, id } = (await post('/v1/tokens', body).expect(201)).body;
      return { token, actor: `token:${id}` };
    };
    tokens.mission = await issue({ role: 'mission', missionId: 'nor-nairobi' });
    tokens.alice = await issue({ role: 'coordinator', campaignIds: ['ccm-2026'] });
    tokens.bob = await issue({ role: 'coordinator', campaignIds: ['ccm-2026'] });
    await app.settle();
  });
  afterAll(() => app.destroy());

  it('streams a new follow-up once the queue shows it, then its claim, and the facts recorded', async () => {
    const res = await fetch(`${base}/v1/stream?campaignId=ccm-2026`, { headers: { authorization: `Bearer ${tokens.alice.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const live = readEvents(res.body!);
    try {
      await post('/v1/countries/ETH/responses', { campaignId: 'ccm-2026', missionId: 'nor-nairobi', receivedOn: '2026-02-27', group: 'II', obstacles: ['capacity'] }, 'mission').expect(201);
      const task = await eventually(async () => live.received.find((m) => m.event === 'follow-up' && m.data.kind === 'bilateral-approach')?.data, 'the new follow-up on the stream');
      expect(task).toMatchObject({ campaignId: 'ccm-2026', queue: 'bilateral', countries: ['ETH'], state: 'open', assignee: null });
      // What the stream announced is there to be read and worked.
      const listed = (await app.http().get('/v1/follow-ups?campaignId=ccm-2026&state=open').expect(200)).body.items;
      expect(listed.map((f: any) => f.id)).toContain(task.id);
      expect(live.received).toContainEqual({ event: 'recorded', data: expect.objectContaining({ types: expect.arrayContaining(['ResponseReceived']), countries: expect.arrayContaining(['ETH']) }) });

      await post(`/v1/follow-ups/${task.id}/claim`, {}, 'alice').expect(201);
      const claim = await eventually(async () => live.received.find((m) => m.event === 'follow-up' && m.data.id === task.id && m.data.state === 'claimed')?.data, 'the claim on the stream');
      expect(claim.assignee).toBe(tokens.alice.actor);
    } finally {
      await live.stop();
    }
  });

  it('keeps another campaign\'s follow-ups off a stream that asks for one campaign', async () => {
    const mine = await stream('campaignId=ccm-2026', tokens.alice.token);
    const theirs = await stream('campaignId=other-2026', TEST_ADMIN_TOKEN);
    try {
      await post('/v1/countries/ERI/responses', { campaignId: 'other-2026', missionId: 'nor-nairobi', receivedOn: '2026-03-01', group: 'III' }, 'mission').expect(201);
      const task = await eventually(async () => theirs.received.find((m) => m.event === 'follow-up')?.data, 'the other campaign\'s follow-up on its stream');
      expect(task).toMatchObject({ campaignId: 'other-2026', countries: ['ERI'] });
      // A follow-up of this campaign, recorded after the other's: once it is on `mine`, the
      // stream has passed the other campaign's events.
      await post('/v1/countries/KEN/responses', { campaignId: 'ccm-2026', missionId: 'nor-nairobi', receivedOn: '2026-03-02', group: 'III' }, 'mission').expect(201);
      await eventually(async () => mine.received.find((m) => m.event === 'follow-up' && m.data.countries.includes('KEN')), 'this campaign\'s follow-up on its stream');
      expect(mine.received.filter((m) => m.event === 'follow-up' && m.data.campaignId !== 'ccm-2026')).toEqual([]);
      expect(theirs.received.filter((m) => m.event === 'follow-up' && m.data.campaignId !== 'other-2026')).toEqual([]);
    } finally {
      await mine.stop();
      await theirs.stop();
    }
  });

  it('refuses a stream without a token, to a mission, and for a malformed campaign id, with problem bodies', async () => {
    expect((await fetch(`${base}/v1/stream`)).status).toBe(401);
    await app.as(tokens.mission.token).get('/v1/stream').expect(403);
    const res = await app.http().get('/v1/stream?campaignId=Not_An_Id').expect(400);
    expect(res.body).toMatchObject({ status: 400 });
    await app.http().get('/v1/stream?colour=red').expect(400);
  });

  it('reassigns a claimed task, after which only the new assignee completes it', async () => {
    const [task] = (await app.http().get('/v1/follow-ups?campaignId=ccm-2026&state=claimed').expect(200)).body.items;
    expect(task).toMatchObject({ assignee: tokens.alice.actor });
    const res = await post(`/v1/follow-ups/${task.id}/reassign`, { assignee: tokens.bob.actor }, 'alice').expect(201);
    expect(res.body).toEqual({ eventIds: [expect.any(String)], streamVersion: expect.any(Number), position: expect.any(Number) });
    expect((await post(`/v1/follow-ups/${task.id}/reassign`, { assignee: tokens.bob.actor }, 'alice').expect(201)).body.eventIds).toEqual([]);
    await app.settle();
    const [after] = (await app.http().get('/v1/follow-ups?campaignId=ccm-2026&state=claimed').expect(200)).body.items;
    expect(after).toMatchObject({ id: task.id, assignee: tokens.bob.actor });
    const events = (await app.http().get(`/v1/events?stream=follow-up-${task.id}`).expect(200)).body.items;
    const work = events.filter((e: any) => /Claimed|Reassigned/.test(e.type));
    expect(work.map((e: any) => e.type)).toEqual(['FollowUpClaimed', 'FollowUpReassigned']);
    expect(work[1]).toMatchObject({ actor: tokens.alice.actor, data: { assignee: tokens.bob.actor, previousAssignee: tokens.alice.actor, reassignedBy: tokens.alice.actor } });

    const refused = await post(`/v1/follow-ups/${task.id}/complete`, { outcome: 'Met the minister.' }, 'alice').expect(409);
    expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    await post(`/v1/follow-ups/${task.id}/complete`, { outcome: 'Met the minister.' }, 'bob').expect(201);
    await app.settle();
    const closed = await post(`/v1/follow-ups/${task.id}/reassign`, { assignee: tokens.alice.actor }, 'bob').expect(409);
    expect(closed.body.detail).toMatch(/completed/);
  });

  it('refuses a reassignment without an assignee, of an unknown task, and by a mission', async () => {
    const bad = await post('/v1/follow-ups/nope/reassign', {}).expect(400);
    expect(JSON.stringify(bad.body)).toMatch(/assignee/);
    await post('/v1/follow-ups/no-such-task/reassign', { assignee: 'bob' }).expect(404);
    const [task] = (await app.http().get('/v1/follow-ups?campaignId=other-2026').expect(200)).body.items;
    await post(`/v1/follow-ups/${task.id}/reassign`, { assignee: 'someone' }, 'mission').expect(403);
    await post(`/v1/follow-ups/${task.id}/reassign`, { assignee: 'someone' }, 'alice').expect(403); // not alice's campaign
  });
});
