import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { startTestApp, type RunningApp } from '../support/running-app.js';
import { eventually } from '../support/eventually.js';
import { withEnv } from '../support/env.js';
import { storeWebhookRecord, storedRecord } from '../support/raw-store.js';

/** A real HTTP receiver on loopback: answers each path with the statuses queued for it (then its last one), and keeps what it got. */
async function receiver() {
  const received: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];
  const answers = new Map<string, number[]>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      const queue = answers.get(req.url ?? '') ?? [200];
      res.statusCode = queue.length > 1 ? queue.shift()! : queue[0]!;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = (path: string) => `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  return { received, answers, url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('webhooks: registration refuses what it must', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await withEnv({ DEMARCHE_WEBHOOKS_ALLOW_PRIVATE: 'false' }, () => startTestApp({ now: '2026-03-10T09:00:00Z', seedStates: false }));
  });
  afterAll(() => app.destroy());

  it.each([
    [{ url: 'http://127.0.0.1:8080/hook', events: ['follow-up.opened'] }, 'url', /loopback or private address \(127\.0\.0\.1\).*DEMARCHE_WEBHOOKS_ALLOW_PRIVATE/],
    [{ url: 'http://10.1.2.3/hook', events: ['follow-up.opened'] }, 'url', /private address/],
    [{ url: 'http://[::1]:9/hook', events: ['follow-up.opened'] }, 'url', /private address/],
    [{ url: 'http://localhost/hook', events: ['follow-up.opened'] }, 'url', /private address/],
    [{ url: 'ftp://example.org/hook', events: ['follow-up.opened'] }, 'url', /http or https/],
    [{ url: 'not a url', events: ['follow-up.opened'] }, 'url', /absolute http\(s\) URL/],
    [{ url: 'https://example.org/hook', events: ['follow-up.exploded'] }, 'events', /must be one of follow-up\.opened/],
    [{ url: 'https://example.org/hook', events: [] }, 'events', /events/],
  ])('refuses %j with a problem naming %s, and registers nothing', async (body, field, message) => {
    const res = await app.http().post('/v1/webhooks').send(body).expect(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = (res.body.errors as { field: string; message: string }[]).find((e) => e.field.startsWith(field));
    expect(problem?.message).toMatch(message);
    expect((await app.http().get('/v1/webhooks').expect(200)).body.count).toBe(0);
  });
});

describe('webhooks: signed deliveries, retries, parking and replay', () => {
  const ENV = { DEMARCHE_WEBHOOKS_ALLOW_PRIVATE: 'true', DEMARCHE_WEBHOOKS_MAX_ATTEMPTS: '3', DEMARCHE_WEBHOOKS_RETRY_BASE_S: '1' };
  const NOW = '2026-03-10T09:00:00Z';
  let app: RunningApp;
  let hooks: Awaited<ReturnType<typeof receiver>>;
  const subscriptions = {} as Record<'opened' | 'assigned', { id: string; secret: string }>;

  beforeAll(async () => {
    hooks = await receiver();
    app = await withEnv(ENV, () => startTestApp({ now: NOW }));
    await app.http().post('/v1/missions').send({ id: 'nor-nairobi', name: 'Embassy of Norway in Nairobi', kind: 'non-resident', coordinator: 'NOR', accreditedTo: ['ETH'] }).expect(201);
    await app.http().post('/v1/campaigns').send({ id: 'ccm-2026', treaty: 'CCM', title: 'CCM 2026', coordinators: ['NOR'], startsOn: '2026-01-15' }).expect(201);
    hooks.answers.set('/opened', [500, 200]);
    hooks.answers.set('/assigned', [500]);
    subscriptions.opened = (await app.http().post('/v1/webhooks').send({ url: hooks.url('/opened'), events: ['follow-up.opened'] }).expect(201)).body;
    subscriptions.assigned = (await app.http().post('/v1/webhooks').send({ url: hooks.url('/assigned'), events: ['follow-up.assigned'] }).expect(201)).body;
    expect(subscriptions.opened.secret).toMatch(/^whsec_/);
    await app.http().post('/v1/countries/ETH/responses').send({ campaignId: 'ccm-2026', missionId: 'nor-nairobi', receivedOn: '2026-02-27', group: 'II', obstacles: ['capacity'] }).expect(201);
    await app.settle();
  });
  afterAll(async () => {
    await app.destroy();
    await hooks.close();
  });

  const deliveries = async (state?: string) => (await app.http().get(`/v1/webhooks/deliveries${state ? `?state=${state}` : ''}`).expect(200)).body.items as { id: string; subscriptionId: string; state: string; attempts: number; lastStatus: number | null }[];

  it('delivers a task opened, signed and verified by the receiver, retried after a 500 with the same webhook-id', async () => {
    const delivered = await eventually(async () => (await deliveries('delivered')).find((d) => d.subscriptionId === subscriptions.opened.id), 'the opened task delivered');
    expect(delivered).toMatchObject({ attempts: 2, lastStatus: 200 });
    const tries = hooks.received.filter((r) => r.path === '/opened');
    expect(tries).toHaveLength(2);
    expect(new Set(tries.map((t) => t.headers['webhook-id']))).toEqual(new Set([delivered.id]));
    const verifier = new Webhook(subscriptions.opened.secret);
    for (const t of tries) {
      const payload = verifier.verify(t.body, { 'webhook-id': String(t.headers['webhook-id']), 'webhook-timestamp': String(t.headers['webhook-timestamp']), 'webhook-signature': String(t.headers['webhook-signature']) }) as { type: string; data: { countries: string[]; eventType: string } };
      expect(payload).toMatchObject({ type: 'follow-up.opened', data: { eventType: 'FollowUpScheduled', countries: ['ETH'] } });
    }
    expect(() => new Webhook(subscriptions.assigned.secret).verify(tries[0]!.body, tries[0]!.headers as Record<string, string>)).toThrow();
  });

  it('parks a delivery after its last try, lists it, and delivers it when an admin replays it', async () => {
    const [task] = (await app.http().get('/v1/follow-ups?campaignId=ccm-2026').expect(200)).body.items as { id: string }[];
    await app.http().post(`/v1/follow-ups/${task!.id}/claim`).send({}).expect(201);
    await app.settle();
    const parked = await eventually(async () => (await deliveries('parked')).find((d) => d.subscriptionId === subscriptions.assigned.id), 'the assigned delivery parked', 30_000);
    expect(parked).toMatchObject({ attempts: 3, lastStatus: 500 });
    expect(hooks.received.filter((r) => r.path === '/assigned')).toHaveLength(3);
    hooks.answers.set('/assigned', [204]);
    await app.http().post(`/v1/webhooks/deliveries/${parked.id}/replay`).expect(202);
    await eventually(async () => (await deliveries('delivered')).find((d) => d.id === parked.id), 'the replayed delivery delivered');
    expect(hooks.received.filter((r) => r.path === '/assigned')).toHaveLength(4);
    await app.http().post('/v1/webhooks/deliveries/msg_wh-000000000000_nope/replay').expect(404);
  });

  it('keeps signing secrets sealed at rest; a secret an earlier release stored in clear still signs, and is sealed at the next start', async () => {
    const stored = await storedRecord(app.dataDir, 'webhooks', subscriptions.opened.id);
    expect(stored).toMatchObject({ id: subscriptions.opened.id, sealedSecret: expect.stringMatching(/^v1:webhook-/) });
    expect(stored).not.toHaveProperty('secret');
    expect(JSON.stringify(stored)).not.toContain(subscriptions.opened.secret.slice('whsec_'.length));
    // A receiver as an earlier release stored it: its secret in clear.
    const legacy = { id: 'wh-0123456789ab', url: hooks.url('/legacy'), events: ['follow-up.assigned'], secret: `whsec_${randomBytes(32).toString('base64')}`, createdAt: '2026-03-01T09:00:00.000Z', createdBy: 'token:admin-env' };
    await app.stop();
    await storeWebhookRecord(app.dataDir, legacy);
    app = await withEnv(ENV, () => startTestApp({ now: NOW, dataDir: app.dataDir }));
    const [task] = (await app.http().get('/v1/follow-ups?campaignId=ccm-2026').expect(200)).body.items as { id: string }[];
    await app.http().post(`/v1/follow-ups/${task!.id}/reassign`).send({ assignee: 'token:someone-else' }).expect(201);
    await app.settle();
    const got = await eventually(async () => hooks.received.find((r) => r.path === '/legacy'), 'the delivery to the earlier release\'s receiver');
    const signed = { 'webhook-id': String(got.headers['webhook-id']), 'webhook-timestamp': String(got.headers['webhook-timestamp']), 'webhook-signature': String(got.headers['webhook-signature']) };
    expect(new Webhook(legacy.secret).verify(got.body, signed)).toMatchObject({ type: 'follow-up.assigned', data: { eventType: 'FollowUpReassigned', followUpId: task!.id } });
    const sealed = await storedRecord(app.dataDir, 'webhooks', legacy.id);
    expect(sealed).toMatchObject({ id: legacy.id, url: legacy.url, sealedSecret: expect.stringMatching(/^v1:webhook-/) });
    expect(JSON.stringify(sealed)).not.toContain(legacy.secret.slice('whsec_'.length));
    expect((await app.http().get('/v1/webhooks').expect(200)).body.items.map((w: { id: string }) => w.id)).toContain(legacy.id);
  });
});
