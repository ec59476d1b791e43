import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'supertest';
import { projectRoot } from '../../libs/platform/config/config.js';
import { ACCESS_POLICY } from '../../libs/access/api/access-policy.js';
import { CLOCK } from '../../libs/platform/runtime/tokens.js';
import type { Clock } from '../../libs/kernel/index.js';
import { cliEnv, startTestApp, TEST_PROFILE, type RunningApp } from '../support/running-app.js';
import { eventually } from '../support/eventually.js';

/**
 * Who may do what: bearer tokens, the four roles and their scopes, against every endpoint
 * of the API; expiry, revocation, the actor on the events, rate limits and the CLI.
 */
type RoleName = 'admin' | 'coordinator' | 'mission' | 'analyst';
const ROLE_ORDER: readonly RoleName[] = ['mission', 'analyst', 'coordinator', 'admin'];

interface Case {
  /** `METHOD /path` as in the access policy. */
  readonly route: string;
  readonly call: (app: RunningApp, token: string) => Promise<number>;
  /** The statuses each allowed role may get; every other role must get 403. */
  readonly allowed: Partial<Record<RoleName, readonly number[]>>;
}

const send = async (test: Test) => (await test).status;
const get = (path: string) => (app: RunningApp, token: string) => send(app.as(token).get(path));
const post = (path: string, body: object = {}) => (app: RunningApp, token: string) => send(app.as(token).post(path).send(body));
const reads = (...roles: RoleName[]) => Object.fromEntries(['admin', ...roles].map((r) => [r, [200]]));
const ANALYSIS = reads('coordinator', 'analyst');
const EVERYONE = reads('coordinator', 'analyst', 'mission');

const NOR = { id: 'nor-nairobi', name: 'Embassy of Norway in Nairobi', kind: 'non-resident', coordinator: 'NOR', accreditedTo: ['KEN', 'ETH', 'ERI'] };
const NZL = { id: 'nzl-riyadh', name: 'Embassy of New Zealand in Riyadh', kind: 'non-resident', coordinator: 'NZL', accreditedTo: ['SAU', 'JOR'] };
const CAMPAIGN = { id: 'ccm-2026', treaty: 'CCM', title: 'Joint demarche 2026', coordinators: ['NOR', 'NZL'], startsOn: '2026-01-15' };
const OTHER_CAMPAIGN = { id: 'other-2026', treaty: 'CCM', title: 'Another campaign', coordinators: ['NOR'], startsOn: '2026-01-15' };

describe('tokens, roles and scopes', () => {
  let app: RunningApp;
  const tokens = {} as Record<RoleName, { token: string; id: string }>;
  const followUps = {} as Record<'mine' | 'theirs', string>;

  beforeAll(async () => {
    app = await startTestApp({ now: '2026-06-01T09:00:00Z' });
    const admin = app.http();
    for (const mission of [NOR, NZL, { id: 'forget-me', name: 'A mission to forget', kind: 'resident', coordinator: 'NOR', accreditedTo: ['ETH'] }]) {
      await admin.post('/v1/missions').send(mission).expect(201);
    }
    await admin.post('/v1/campaigns').send(CAMPAIGN).expect(201);
    await admin.post('/v1/campaigns').send(OTHER_CAMPAIGN).expect(201);
    // A group II response opens a bilateral follow-up in each campaign.
    await admin.post('/v1/countries/ETH/responses').send({ campaignId: 'ccm-2026', missionId: 'nor-nairobi', receivedOn: '2026-02-27', group: 'II', obstacles: ['capacity'] }).expect(201);
    await admin.post('/v1/countries/ERI/responses').send({ campaignId: 'other-2026', missionId: 'nor-nairobi', receivedOn: '2026-02-27', group: 'II', obstacles: ['capacity'] }).expect(201);
    await app.settle();
    const open = (await admin.get('/v1/follow-ups?state=open').expect(200)).body.items as { id: string; campaignId: string }[];
    followUps.mine = open.find((f) => f.campaignId === 'ccm-2026')!.id;
    followUps.theirs = open.find((f) => f.campaignId === 'other-2026')!.id;
    const issue = async (body: object) => (await admin.post('/v1/tokens').send(body).expect(201)).body;
    tokens.admin = await issue({ role: 'admin', label: 'second admin' });
    tokens.coordinator = await issue({ role: 'coordinator', campaignIds: ['ccm-2026'] });
    tokens.mission = await issue({ role: 'mission', missionId: 'nor-nairobi' });
    tokens.analyst = await issue({ role: 'analyst' });
  });
  afterAll(() => app?.destroy());

  const spare = async (role: RoleName, body: object = {}) => (await app.http().post('/v1/tokens').send({ role, ...body }).expect(201)).body as { token: string; id: string };

  const CASES: readonly Case[] = [
    // Coordinators register missions and launch campaigns too (the same ones again here: idempotent).
    { route: 'POST /v1/missions', call: post('/v1/missions', NOR), allowed: { admin: [201], coordinator: [201] } },
    { route: 'POST /v1/imports/missions', call: post('/v1/imports/missions', { csv: 'id,name,kind,coordinator,accredited_to\nnor-nairobi,Embassy of Norway in Nairobi,non-resident,NOR,KEN;ETH;ERI', dryRun: true }), allowed: { admin: [200], coordinator: [200] } },
    { route: 'POST /v1/campaigns/:id/imports', call: post('/v1/campaigns/ccm-2026/imports', { csv: 'kind,country,mission,date\nletter,KEN,nor-nairobi,2026-02-02', dryRun: true }), allowed: { admin: [200], coordinator: [200] } },
    { route: 'GET /v1/campaigns/:id/countries', call: get('/v1/campaigns/ccm-2026/countries'), allowed: ANALYSIS },
    { route: 'POST /v1/missions/:id/forget', call: post('/v1/missions/forget-me/forget'), allowed: { admin: [201] } },
    { route: 'POST /v1/campaigns', call: post('/v1/campaigns', CAMPAIGN), allowed: { admin: [201], coordinator: [201] } },
    { route: 'POST /v1/countries/:iso3/treaty-actions', call: post('/v1/countries/BHS/treaty-actions', { treaty: 'CCM', action: 'accession', on: '2026-05-01' }), allowed: { admin: [201] } },
    { route: 'POST /v1/countries/:iso3/letters', call: post('/v1/countries/KEN/letters', { campaignId: 'ccm-2026', missionId: 'nor-nairobi', deliveredOn: '2026-02-02' }), allowed: { admin: [201], mission: [201] } },
    { route: 'POST /v1/countries/:iso3/meetings', call: post('/v1/countries/KEN/meetings', { campaignId: 'ccm-2026', missionId: 'nor-nairobi', heldOn: '2026-02-10' }), allowed: { admin: [201], mission: [201] } },
    {
      route: 'POST /v1/countries/:iso3/responses',
      call: post('/v1/countries/KEN/responses', { campaignId: 'ccm-2026', missionId: 'nor-nairobi', receivedOn: '2026-02-12', group: 'I', ratificationUnderWay: true }),
      allowed: { admin: [201], mission: [201] },
    },
    // Many facts of a campaign at once: its missions for themselves, its coordinators for any of its missions.
    { route: 'POST /v1/campaigns/:id/letters', call: post('/v1/campaigns/ccm-2026/letters', { missionId: 'nor-nairobi', deliveredOn: '2026-02-02', countries: ['KEN'] }), allowed: { admin: [201], mission: [201], coordinator: [201] } },
    { route: 'POST /v1/campaigns/:id/meetings', call: post('/v1/campaigns/ccm-2026/meetings', { meetings: [{ country: 'KEN', missionId: 'nor-nairobi', heldOn: '2026-02-10' }] }), allowed: { admin: [201], mission: [201], coordinator: [201] } },
    {
      route: 'POST /v1/campaigns/:id/responses',
      call: post('/v1/campaigns/ccm-2026/responses', { responses: [{ country: 'KEN', missionId: 'nor-nairobi', receivedOn: '2026-02-12', group: 'I', ratificationUnderWay: true }] }),
      allowed: { admin: [201], mission: [201], coordinator: [201] },
    },
    { route: 'GET /v1/treaties', call: get('/v1/treaties'), allowed: EVERYONE },
    { route: 'GET /v1/countries', call: get('/v1/countries?treaty=CCM'), allowed: EVERYONE },
    { route: 'GET /v1/countries/:iso3', call: get('/v1/countries/KEN'), allowed: EVERYONE },
    { route: 'GET /v1/countries/:iso3/treaties', call: get('/v1/countries/KEN/treaties?asOf=2026-06-01'), allowed: EVERYONE },
    { route: 'GET /v1/countries/:iso3/outreach', call: get('/v1/countries/KEN/outreach'), allowed: ANALYSIS },
    { route: 'GET /v1/campaigns', call: get('/v1/campaigns?treaty=CCM'), allowed: ANALYSIS },
    { route: 'GET /v1/campaigns/:id', call: get('/v1/campaigns/ccm-2026'), allowed: ANALYSIS },
    { route: 'GET /v1/follow-ups', call: get('/v1/follow-ups'), allowed: EVERYONE },
    { route: 'GET /v1/follow-ups/jobs/failed', call: get('/v1/follow-ups/jobs/failed'), allowed: ANALYSIS },
    // The coordinator claims first; the admin then finds it taken (409): allowed, refused by the rules.
    { route: 'POST /v1/follow-ups/:id/claim', call: (a, t) => post(`/v1/follow-ups/${followUps.mine}/claim`)(a, t), allowed: { coordinator: [201], admin: [409] } },
    {
      route: 'POST /v1/follow-ups/:id/reassign',
      call: (a, t) => post(`/v1/follow-ups/${followUps.mine}/reassign`, { assignee: `token:${tokens.coordinator.id}` })(a, t),
      allowed: { coordinator: [201], admin: [201] },
    },
    { route: 'POST /v1/follow-ups/:id/complete', call: (a, t) => post(`/v1/follow-ups/${followUps.mine}/complete`, { outcome: 'Offered a workshop.' })(a, t), allowed: { coordinator: [201], admin: [201] } },
    {
      route: 'GET /v1/stream',
      call: async (a, token) => {
        const { port } = a.app.getHttpServer().address() as { port: number };
        const abort = new AbortController();
        const res = await fetch(`http://127.0.0.1:${port}/v1/stream`, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal });
        abort.abort();
        return res.status;
      },
      allowed: ANALYSIS,
    },
    { route: 'GET /v1/events', call: get('/v1/events?limit=5'), allowed: ANALYSIS },
    { route: 'GET /v1/events/export', call: get('/v1/events/export?type=MissionRegistered'), allowed: ANALYSIS },
    { route: 'GET /v1/status', call: get('/v1/status?treaty=CCM&asOf=2026-06-01'), allowed: ANALYSIS },
    { route: 'GET /v1/status/changes', call: get('/v1/status/changes?treaty=CCM&from=2026-01-01&to=2026-06-01'), allowed: ANALYSIS },
    { route: 'GET /v1/status/states', call: get('/v1/status/states?treaty=CCM&asOf=2026-06-01'), allowed: ANALYSIS },
    { route: 'GET /v1/status/series', call: get('/v1/status/series?treaty=CCM&from=2026-01-01&to=2026-06-01'), allowed: ANALYSIS },
    { route: 'GET /v1/status/matrix', call: get('/v1/status/matrix?asOf=2026-06-01'), allowed: ANALYSIS },
    { route: 'GET /v1/reports/universalization', call: get('/v1/reports/universalization?asOf=2026-06-01'), allowed: ANALYSIS },
    { route: 'POST /v1/admin/rebuilds', call: post('/v1/admin/rebuilds', { projection: 'country-status' }), allowed: { admin: [202] } },
    { route: 'GET /v1/admin/rebuilds/:projection', call: get('/v1/admin/rebuilds/country-status'), allowed: { admin: [200] } },
    { route: 'PUT /v1/me/notifications', call: (a, t) => send(a.as(t).put('/v1/me/notifications').send({ name: 'A Person', email: 'person@example.org', digest: 'off' })), allowed: { admin: [200], coordinator: [200], mission: [200] } },
    { route: 'GET /v1/me/notifications', call: get('/v1/me/notifications'), allowed: { admin: [200], coordinator: [200], mission: [200] } },
    { route: 'DELETE /v1/me/notifications', call: (a, t) => send(a.as(t).delete('/v1/me/notifications')), allowed: { admin: [204], coordinator: [204], mission: [204] } },
    { route: 'POST /v1/me/calendar-feed', call: post('/v1/me/calendar-feed'), allowed: { admin: [201], coordinator: [201], mission: [201] } },
    { route: 'DELETE /v1/me/calendar-feed', call: (a, t) => send(a.as(t).delete('/v1/me/calendar-feed')), allowed: { admin: [204], coordinator: [204], mission: [204] } },
    // The feed's secret is its credential: a bearer token alone, of any role, finds no feed.
    { route: 'GET /v1/follow-ups/calendar.ics', call: get('/v1/follow-ups/calendar.ics?feed=cal_0000000000000000000000000000000000000000'), allowed: { admin: [404], coordinator: [404], mission: [404], analyst: [404] } },
    // Receivers on loopback are refused here (DEMARCHE_WEBHOOKS_ALLOW_PRIVATE is not set): an admin gets the 400, the others 403 first.
    { route: 'POST /v1/webhooks', call: post('/v1/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['follow-up.opened'] }), allowed: { admin: [400] } },
    { route: 'GET /v1/webhooks', call: get('/v1/webhooks'), allowed: { admin: [200] } },
    { route: 'DELETE /v1/webhooks/:id', call: (a, t) => send(a.as(t).delete('/v1/webhooks/wh-000000000000')), allowed: { admin: [404] } },
    { route: 'GET /v1/webhooks/deliveries', call: get('/v1/webhooks/deliveries?state=parked'), allowed: { admin: [200] } },
    { route: 'POST /v1/webhooks/deliveries/:id/replay', call: post('/v1/webhooks/deliveries/msg_wh-000000000000_none/replay'), allowed: { admin: [404] } },
    { route: 'GET /v1/notifications/outbox', call: get('/v1/notifications/outbox'), allowed: { admin: [200] } },
    { route: 'POST /v1/tokens', call: post('/v1/tokens', { role: 'analyst' }), allowed: { admin: [201] } },
    { route: 'GET /v1/tokens', call: get('/v1/tokens'), allowed: { admin: [200] } },
    { route: 'DELETE /v1/tokens/:id', call: async (a, t) => send(a.as(t).delete(`/v1/tokens/${(await spare('analyst')).id}`)), allowed: { admin: [200] } },
    { route: 'POST /v1/tokens/:id/revoke', call: async (a, t) => send(a.as(t).post(`/v1/tokens/${(await spare('analyst')).id}/revoke`)), allowed: { admin: [200] } },
  ];

  it('has a rule and a test case for every endpoint the API serves', async () => {
    const doc = (await app.as(undefined).get('/docs/openapi.json').expect(200)).body as { paths: Record<string, Record<string, unknown>> };
    const served = Object.entries(doc.paths)
      .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`))
      .filter((route) => route.split(' ')[1]!.startsWith('/v1/'));
    const tested = new Set(CASES.map((c) => c.route));
    expect(served.filter((r) => !(r in ACCESS_POLICY))).toEqual([]);
    expect(served.filter((r) => !tested.has(r))).toEqual([]);
  });

  it.each(CASES.map((c) => [c.route, c] as const))('%s: each role is allowed or refused as the policy says', async (_route, c) => {
    const got: Record<string, number> = {};
    for (const role of ROLE_ORDER) got[role] = await c.call(app, role === 'admin' ? tokens.admin.token : tokens[role].token);
    // An allowed role gets one of its statuses; a refused one gets 403.
    const want = Object.fromEntries(ROLE_ORDER.map((role) => [role, c.allowed[role] ? (c.allowed[role]!.includes(got[role]!) ? got[role] : c.allowed[role]!.join(' or ')) : 403]));
    expect(got).toEqual(want);
  });

  it('refuses a mission writing for a country it is not accredited to, or for another mission, and says why', async () => {
    const mission = app.as(tokens.mission.token);
    const foreign = await mission.post('/v1/countries/SAU/letters').send({ campaignId: 'ccm-2026', missionId: 'nor-nairobi', deliveredOn: '2026-02-02' }).expect(403);
    expect(foreign.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(foreign.body).toMatchObject({ status: 403, code: 'forbidden' });
    expect(foreign.body.detail).toMatch(/mission nor-nairobi is not accredited to SAU/);
    const other = await mission.post('/v1/countries/SAU/letters').send({ campaignId: 'ccm-2026', missionId: 'nzl-riyadh', deliveredOn: '2026-02-02' }).expect(403);
    expect(other.body.detail).toMatch(/this token is for mission nor-nairobi; it may not record for mission nzl-riyadh/);
    const before = (await app.http().get('/v1/events?type=LetterDelivered&limit=100').expect(200)).body.items.length;
    expect(before).toBe(1);
  });

  it('refuses a coordinator working a follow-up of a campaign it does not coordinate', async () => {
    const res = await app.as(tokens.coordinator.token).post(`/v1/follow-ups/${followUps.theirs}/claim`).send({}).expect(403);
    expect(res.body.detail).toMatch(new RegExp(`follow-up ${followUps.theirs.replace(/[.~]/g, '\\$&')} belongs to campaign other-2026; this token coordinates ccm-2026`));
  });

  it('answers 401 with WWW-Authenticate and a problem body without a token, with a malformed header, or with an unknown token', async () => {
    const none = await app.as(undefined).get('/v1/countries').expect(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer realm="demarche"/);
    expect(none.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(none.body).toMatchObject({ status: 401, code: 'missing-token', title: 'Not authenticated' });
    expect(none.body.detail).toMatch(/Authorization: Bearer/);
    const basic = await app.as(undefined).get('/v1/countries').set('authorization', 'Basic YWRtaW46YWRtaW4=').expect(401);
    expect(basic.body.code).toBe('malformed-token');
    const unknown = await app.as('dmr_not-a-token-demarche-issued').get('/v1/countries').expect(401);
    expect(unknown.body.code).toBe('token-unknown');
    expect(unknown.headers['www-authenticate']).toMatch(/error="invalid_token"/);
    // Writes too: nothing anonymous is recorded.
    await app.as(undefined).post('/v1/missions').send(NZL).expect(401);
  });

  it('leaves health and the API description open', async () => {
    await app.as(undefined).get('/health/live').expect(200);
    await app.as(undefined).get('/docs/openapi.json').expect(200);
  });

  it('issues a token whose secret is shown once, lists tokens without secrets, and checks the scope', async () => {
    const admin = app.http();
    const issued = (await admin.post('/v1/tokens').send({ role: 'mission', missionId: 'nzl-riyadh', expiresAt: '2027-01-01T00:00:00Z', label: 'Riyadh desk' }).expect(201)).body;
    expect(issued).toMatchObject({ token: expect.stringMatching(/^dmr_[\w-]{43}$/), id: expect.stringMatching(/^mission-[0-9a-f]{12}$/), role: 'mission', missionId: 'nzl-riyadh', expiresAt: '2027-01-01T00:00:00.000Z', issuedBy: 'token:admin-env' });
    const listed = (await admin.get('/v1/tokens').expect(200)).body.items as Record<string, unknown>[];
    const mine = listed.find((t) => t.id === issued.id)!;
    expect(mine).toMatchObject({ role: 'mission', missionId: 'nzl-riyadh', label: 'Riyadh desk' });
    expect(JSON.stringify(listed)).not.toContain(issued.token);
    expect(listed.every((t) => !('token' in t) && !('hash' in t))).toBe(true);
    const refusal = async (body: object, status: number, field: string) => {
      const res = await admin.post('/v1/tokens').send(body).expect(status);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.errors?.map((e: { field: string }) => e.field)).toContain(field);
    };
    await refusal({ role: 'mission' }, 422, 'missionId');
    await refusal({ role: 'mission', missionId: 'nobody-here' }, 404, 'missionId');
    await refusal({ role: 'coordinator' }, 422, 'campaignIds');
    await refusal({ role: 'coordinator', campaignIds: ['ccm-2026', 'no-such-campaign'] }, 404, 'campaignIds[1]');
    await refusal({ role: 'analyst', missionId: 'nor-nairobi' }, 422, 'missionId');
    await refusal({ role: 'analyst', expiresAt: '2026-01-01T00:00:00Z' }, 422, 'expiresAt');
    await refusal({ role: 'analyst', expiresAt: 'soon' }, 400, 'expiresAt');
    await refusal({ role: 'root' }, 400, 'role');
    await refusal({ role: 'analyst', secret: 'mine' }, 400, 'secret');
  });

  it('stops accepting a token once it expires, by the app\'s clock', async () => {
    const now = app.app.get<Clock>(CLOCK).now();
    const expiresAt = new Date(now.getTime() + 1500);
    const brief = await spare('analyst', { expiresAt: expiresAt.toISOString() });
    await app.as(brief.token).get('/v1/countries/KEN').expect(200);
    await eventually(async () => (app.app.get<Clock>(CLOCK).now() > expiresAt ? true : undefined), 'the app\'s clock to pass the expiry');
    const expired = await app.as(brief.token).get('/v1/countries/KEN').expect(401);
    expect(expired.body.code).toBe('token-expired');
    expect(expired.body.detail).toContain(`Token ${brief.id} expired at`);
  });

  it('stops accepting a revoked token at once, and keeps who revoked it', async () => {
    const doomed = await spare('analyst');
    await app.as(doomed.token).get('/v1/countries/KEN').expect(200);
    const revoked = (await app.http().delete(`/v1/tokens/${doomed.id}`).expect(200)).body;
    expect(revoked).toMatchObject({ id: doomed.id, revokedAt: expect.any(String), revokedBy: 'token:admin-env' });
    const refused = await app.as(doomed.token).get('/v1/countries/KEN').expect(401);
    expect(refused.body.code).toBe('token-revoked');
    await app.http().delete('/v1/tokens/analyst-000000000000').expect(404);
    await app.http().post('/v1/tokens/not a token/revoke').expect(400);
  });

  it('stamps the token on the events it causes, and keeps the X-Request-Id as their correlation id', async () => {
    await app.as(tokens.mission.token).post('/v1/countries/ETH/letters').set('X-Request-Id', 'req-access-1').send({ campaignId: 'ccm-2026', missionId: 'nor-nairobi', deliveredOn: '2026-02-03' }).expect(201);
    const [letter] = (await app.http().get('/v1/events?stream=outreach-ccm-2026-ETH&type=LetterDelivered').expect(200)).body.items;
    expect(letter).toMatchObject({ actor: `token:${tokens.mission.id}`, correlationId: 'req-access-1' });
    // The header that used to name the actor is ignored.
    await app.http().post('/v1/countries/ERI/letters').set('X-Demarche-Actor', 'someone-else').send({ campaignId: 'ccm-2026', missionId: 'nor-nairobi', deliveredOn: '2026-02-03' }).expect(201);
    const [eri] = (await app.http().get('/v1/events?stream=outreach-ccm-2026-ERI&type=LetterDelivered').expect(200)).body.items;
    expect(eri.actor).toBe('token:admin-env');
    const claimed = (await app.http().get('/v1/events?type=FollowUpClaimed').expect(200)).body.items;
    expect(claimed.map((e: { actor: string }) => e.actor)).toEqual([`token:${tokens.coordinator.id}`]);
  });

  it('refuses a CLI command without a token, with an unknown token or with a role that may not run it', () => {
    const root = projectRoot();
    const demarche = (token: string | undefined, ...args: string[]) => {
      const env = cliEnv(app.dataDir);
      delete env.DEMARCHE_TOKEN;
      return spawnSync(process.execPath, [join(root, 'bin/demarche.js'), ...args], { env: token ? { ...env, DEMARCHE_TOKEN: token } : env, encoding: 'utf8' });
    };
    const none = demarche(undefined, 'report', '--as-of', '2026-06-01');
    expect(none.status).toBe(3);
    expect(none.stderr).toMatch(/demarche report needs an analyst or admin token: set DEMARCHE_TOKEN/);
    const unknown = demarche('dmr_not-a-token-demarche-issued', 'report', '--as-of', '2026-06-01');
    expect(unknown.status).toBe(3);
    expect(unknown.stderr).toMatch(/not one Demarche issued/);
    const analystRebuild = demarche(tokens.analyst.token, 'rebuild', 'campaign-summary');
    expect(analystRebuild.status).toBe(3);
    expect(analystRebuild.stderr).toMatch(new RegExp(`token ${tokens.analyst.id} \\(role analyst\\) may not run it; it needs an admin token`));
    const report = demarche(tokens.analyst.token, 'report', '--as-of', '2026-06-01', '--format', 'json');
    expect(report.stderr).toBe('');
    expect(report.status).toBe(0);
    expect(JSON.parse(report.stdout)).toMatchObject({ treaty: 'CCM', asOf: '2026-06-01' });
  });
});

describe('rate limits per token', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startTestApp({ seedStates: false, access: { rateLimit: 3, rateWindowMs: 60_000 } });
  });
  afterAll(() => app?.destroy());

  it('answers 429 with Retry-After and a problem body past the limit, counting each token on its own', async () => {
    const other = (await app.http().post('/v1/tokens').send({ role: 'analyst' }).expect(201)).body;
    for (let i = 0; i < 2; i++) await app.http().get('/v1/follow-ups').expect(200);
    const limited = await app.http().get('/v1/follow-ups').expect(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(limited.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(limited.body).toMatchObject({ status: 429, code: 'rate-limited' });
    expect(limited.body.detail).toMatch(/more than 3 requests in 60 s/);
    const fresh = await app.as(other.token).get('/v1/follow-ups').expect(200);
    expect(fresh.headers['x-ratelimit-remaining']).toBe('2');
    await app.as(undefined).get('/health/live').expect(200);
  });
});

describe('the first admin token', () => {
  it(TEST_PROFILE === 'distributed' ? 'is a clear start-up error when DEMARCHE_ADMIN_TOKEN is unset and no admin token exists' : 'is generated on the embedded profile, written to <data dir>/admin-token (0600), and works', async () => {
    if (TEST_PROFILE === 'distributed') {
      await expect(startTestApp({ seedStates: false, access: { adminToken: undefined } })).rejects.toThrow(/No admin token exists yet and DEMARCHE_ADMIN_TOKEN is not set/);
      return;
    }
    const app = await startTestApp({ seedStates: false, access: { adminToken: undefined } });
    try {
      const file = join(app.dataDir, 'admin-token');
      expect(existsSync(file)).toBe(true);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const token = readFileSync(file, 'utf8').trim();
      const listed = (await app.as(token).get('/v1/tokens').expect(200)).body.items;
      expect(listed).toEqual([expect.objectContaining({ role: 'admin', issuedBy: 'system:first-start', label: 'first start' })]);
      // The test's DEMARCHE_ADMIN_TOKEN is not set here, so it means nothing.
      await app.http().get('/v1/tokens').expect(401);
    } finally {
      await app.destroy();
    }
  });
});
